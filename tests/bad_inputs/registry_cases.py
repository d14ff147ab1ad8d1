"""Registry list cases (ASP SIAE, GEIQ, DGEFP EA, FINESS), built from the real lists of ``demo_data/ref``.

A registry list is reloaded whole. A file that cannot be loaded stops the ``registry_files`` load with a
``RegistryFileError`` (or ``RegistryFileNotFoundError``) naming the file and the table: nothing is written, every
registry table keeps the rows of its last good load. A file that loads keeps every line, values as published;
staging flags them.

``expect`` of a registry case:
    table  — the raw table the file replaces
    error  — fragment of the error the load stops with (None: the file loads)
    check  — for files that load: SQL over the corpus warehouse returning one boolean row
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from corpus import Case, check_unique_ids, write

from dlt_sources.registries import REGISTRY_FILES
from observatoire.settings import DEMO_DATA_DIR

REFERENCE_DIR = DEMO_DATA_DIR / "ref"
SPECS = {spec.table: spec for spec in REGISTRY_FILES}
EA_TEXT = (REFERENCE_DIR / SPECS["ea_dgefp"].default_path).read_text(encoding="utf-8")
SIAE_TEXT = (REFERENCE_DIR / SPECS["siae_asp"].default_path).read_text(encoding="utf-8")
GEIQ_TEXT = (REFERENCE_DIR / SPECS["geiq_list"].default_path).read_text(encoding="utf-8")
FINESS_TEXT = (REFERENCE_DIR / SPECS["finess_etablissements"].default_path).read_text(encoding="utf-8")


def _without_column(text: str, column: str, delimiter: str = ",") -> str:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    position = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(
        [cell for index, cell in enumerate(row) if index != position] for row in rows
    )
    return out.getvalue()


def _geiq_with_contacts(text: str) -> str:
    lines = text.splitlines()
    header = lines[0] + ",TELEPHONE,MAIL,CONVENTION_INTERNE"
    rows = [
        f"{line},01 23 45 67 {n % 100:02d},contact{n}@geiq.example.org,conv-{n}" for n, line in enumerate(lines[1:])
    ]
    return "\n".join([header, *rows]) + "\n"


#: An EA line with a SIRET failing the Luhn check, and one written with spaces (Fastroad's real SIRET).
EA_FLAGGED = (
    EA_TEXT
    + "EA LUHN FAUSSE;EA;99;;;;93100;MONTREUIL;52054050100044\nEA ESPACES;EA;98;;;;93100;MONTREUIL;520 540 501 00043\n"
)


def _case(case_id: str, description: str, table: str, build, outcome: str, error: str | None, **expect: Any) -> Case:
    return Case(case_id, description, build, outcome, {"table": table, "error": error, **expect})


CASES: list[Case] = check_unique_ids(
    [
        _case(
            "R01",
            "EA list of 0 bytes",
            "ea_dgefp",
            lambda d: write(d / "R01_ea.csv", b""),
            "load stopped: 'is empty (0 bytes): refusing to empty the table'; tables unchanged",
            "(ea_dgefp) is empty (0 bytes): refusing to empty the table",
        ),
        _case(
            "R02",
            "EA list with its header and no line",
            "ea_dgefp",
            lambda d: write(d / "R02_ea.csv", EA_TEXT.splitlines()[0] + "\n"),
            "load stopped: 'has no data row: refusing to empty ea_dgefp'; tables unchanged",
            "has no data row: refusing to empty ea_dgefp",
        ),
        _case(
            "R03",
            "EA list saved in Windows-1252",
            "ea_dgefp",
            lambda d: write(d / "R03_ea.csv", EA_TEXT.replace("FASTROAD IDF", "FASTROAD ÎLE-DE-FRANCE"), "cp1252"),
            "load stopped: 'cannot be read as CSV (delimiter ';', encoding utf-8): the file is not UTF-8'",
            "cannot be read as CSV (delimiter ';', encoding utf-8): the file is not UTF-8",
        ),
        _case(
            "R04",
            "EA list re-saved by a spreadsheet with ',' instead of ';'",
            "ea_dgefp",
            lambda d: write(d / "R04_ea.csv", EA_TEXT.replace(";", ",")),
            "load stopped: 'missing column(s) TYPE_EA, SIRET; columns read with delimiter ';''",
            "(ea_dgefp): missing column(s) TYPE_EA, SIRET; columns read with delimiter ';'",
        ),
        _case(
            "R05",
            "ASP SIAE list without its SIRET column",
            "siae_asp",
            lambda d: write(d / "R05_siae.csv", _without_column(SIAE_TEXT, "SIRET")),
            "load stopped: 'missing column(s) SIRET'",
            "(siae_asp): missing column(s) SIRET;",
        ),
        _case(
            "R06",
            "EA list with a line of 7 fields (truncated line)",
            "ea_dgefp",
            lambda d: write(d / "R06_ea.csv", EA_TEXT + "EA COUPEE;EA;97;;;;93100\n"),
            "load stopped: 'irregular CSV: line 15 has 7 field(s) where the header has 9'",
            "irregular CSV: line 15 has 7 field(s) where the header has 9 (separator ';')",
        ),
        _case(
            "R07",
            "FINESS extract with ',' instead of ';'",
            "finess_etablissements",
            lambda d: write(d / "R07_finess.csv", FINESS_TEXT.replace(";", ",")),
            "load stopped: \"has no 'structureet' line: refusing to empty finess_etablissements\"",
            "has no 'structureet' line: refusing to empty finess_etablissements",
        ),
        _case(
            "R08",
            "registry file path that does not exist",
            "geiq_list",
            lambda d: None,
            "load stopped: 'registry file not found: … set OBSERVATOIRE_REFERENCE_DIR'",
            "registry file not found:",
        ),
        _case(
            "R09",
            "GEIQ list with contact columns (TELEPHONE, MAIL) and an unknown extra column",
            "geiq_list",
            lambda d: write(d / "R09_geiq.csv", _geiq_with_contacts(GEIQ_TEXT)),
            "loaded: every line, the extra column kept as text, the contact columns never loaded",
            None,
            check="select count(*) = 171 and count(convention_interne) = 171 and not exists (select 1 from "
            "information_schema.columns where table_schema = 'raw_registries' and table_name = 'geiq_list' "
            "and column_name in ('telephone', 'mail')) from raw_registries.geiq_list",
        ),
        _case(
            "R10",
            "EA list with a SIRET failing the Luhn check and one written with spaces",
            "ea_dgefp",
            lambda d: write(d / "R10_ea.csv", EA_FLAGGED),
            "loaded: both lines kept; staging cleans the spaces and flags the bad SIRET is_siret_valid = false",
            None,
            check="select list(siret || ':' || is_siret_valid order by row_index) filter (where row_index >= 13) = "
            "['52054050100044:false', '52054050100043:true'] from staging.stg_registries__adapted_companies",
        ),
    ]
)

#: The cases whose file loads: they are loaded into the corpus warehouse and checked after its dbt build.
LOADED = [case for case in CASES if case.expect["error"] is None]


def case_file(case: Case, folder: Path) -> Path:
    """The file a case replaces its table's list with (built in ``folder``)."""
    case.build(folder)
    written = sorted(folder.glob(f"{case.id}_*"))
    return written[0] if written else folder / f"{case.id}_missing.csv"


def load_flagged_lists(work_dir: Path) -> None:
    """Load the registry lists into the current warehouse, the lists of the cases that load replacing theirs."""
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.registries import registry_files_source

    folder = work_dir / "registry_inputs"
    folder.mkdir(exist_ok=True)
    paths = {case.expect["table"]: str(case_file(case, folder)) for case in LOADED}
    warehouse_pipeline("registries").run(registry_files_source(reference_dir=str(REFERENCE_DIR), paths=paths))
