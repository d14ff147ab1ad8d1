"""Reference-data cases (COG, CPV), built from the real files of ``demo_data/ref``.

A reference table is reloaded whole when its file changes. A file that cannot be loaded stops the ``reference``
load with an error naming it; nothing is written and every reference table keeps the rows of its last good load.

``expect`` of a reference case:
    file   — the file of the reference folder the case replaces (or removes)
    error  — fragment of the error the load stops with
"""

from __future__ import annotations

from corpus import Case, check_unique_ids, write

from observatoire.settings import DEMO_DATA_DIR

REFERENCE_DIR = DEMO_DATA_DIR / "ref"
REGIONS = "cog/cog_regions.csv"
REGIONS_TEXT = (REFERENCE_DIR / REGIONS).read_text(encoding="utf-8")
CPV = "nomenclatures/cpv2008_fr.csv"


def _case(case_id: str, description: str, file: str, build, outcome: str, error: str) -> Case:
    return Case(case_id, description, build, outcome, {"file": file, "error": error})


CASES: list[Case] = check_unique_ids(
    [
        _case(
            "F01",
            "COG départements file missing from the reference folder",
            "cog/cog_departements.csv",
            lambda ref: (ref / "cog/cog_departements.csv").unlink(),
            "load stopped: 'reference file not found: … set OBSERVATOIRE_REFERENCE_DIR'; tables unchanged",
            "reference file not found:",
        ),
        _case(
            "F02",
            "CPV file with its header and no line",
            CPV,
            lambda ref: write(ref / CPV, (REFERENCE_DIR / CPV).read_text(encoding="utf-8").splitlines()[0] + "\n"),
            "load stopped: 'has no data row: refusing to empty cpv'; tables unchanged",
            "has no data row: refusing to empty cpv",
        ),
        _case(
            "F03",
            "COG régions saved in Windows-1252",
            REGIONS,
            lambda ref: write(
                ref / REGIONS, REGIONS_TEXT + "99,99999,0,REGION TEST,Région test,Région à l'essai\n", "cp1252"
            ),
            "load stopped: 'cannot be read as CSV (delimiter ','): the file is not UTF-8'",
            "cannot be read as CSV (delimiter ','): the file is not UTF-8",
        ),
        _case(
            "F04",
            "COG régions re-saved with ';' instead of ','",
            REGIONS,
            lambda ref: write(ref / REGIONS, REGIONS_TEXT.replace(",", ";")),
            "load stopped: \"one column read with delimiter ','\" (before the fix: loaded as one column, every "
            "région NULL)",
            "one column read with delimiter ','",
        ),
        _case(
            "F05",
            "COG régions with a line of two fields",
            REGIONS,
            lambda ref: write(ref / REGIONS, REGIONS_TEXT + "99,99999\n"),
            "load stopped: 'irregular CSV: line 20 has 2 field(s) where the header has 6'",
            "irregular CSV: line 20 has 2 field(s) where the header has 6 (separator ',')",
        ),
    ]
)
