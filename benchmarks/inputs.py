"""The input files of a benchmark preset, generated once and cached, split into a base and a new month.

``prepare(preset, seed, bench_dir)`` runs the demo generator (and, for ``national``, writes the national DECP
of :mod:`benchmarks.france_decp`) into ``bench_dir/<preset>-seed<seed>-gen<generator version>-inputs<N>/`` and
splits the files in two inboxes with the layout the sources read (``decp/``, ``suivi_clauses/<source>/``):

* ``base/``: everything up to the month before the preset's last month;
* ``month/``: the last month, as a month of deliveries looks: the monthly hours of each tracking source
  (``<hours file stem>_<yyyy>-<mm>.csv``, same encoding, separator and header) and the DECP records notified
  that month (``<DECP file stem>_<yyyy>-<mm>.json``).

Tracking files other than hours (participants, contracts...) stay whole in ``base/``: a source delivering a
new snapshot of them each month would reload that snapshot (the loaders skip only files whose content was
already loaded). The same split is what the incremental-equals-full test uses.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from demo_generator import generate
from demo_generator.decp import write_json
from demo_generator.generate import GENERATOR_VERSION
from demo_generator.presets import PRESETS
from dlt_sources.suivi_clauses.mapping import header_key, load_mapping
from dlt_sources.suivi_clauses.readers import read_csv
from dlt_sources.suivi_clauses.validation import InvalidValue, parse_yearmonth
from dlt_sources.suivi_clauses.wide_months import month_of_header
from observatoire.settings import REPO_ROOT

#: Bump when the way inputs are derived from the generator changes (invalidates the cache).
INPUTS_VERSION = 2
MAPPINGS_DIR = REPO_ROOT / "demo_data" / "mappings"


@dataclass(frozen=True)
class PresetInputs:
    preset: str
    root: Path
    month: tuple[int, int]  # (year, month) of the increment

    @property
    def base(self) -> Path:
        return self.root / "base"

    @property
    def increment(self) -> Path:
        return self.root / "month"

    def summary(self) -> dict:
        return json.loads((self.root / "inputs.json").read_text(encoding="utf-8"))


def _split_hours_file(path: Path, source: str, base: Path, month_dir: Path, month: tuple[int, int]) -> int:
    """Write ``path`` to ``base`` without the rows of ``month``, and those rows (under the same header, same
    bytes) to a new file in ``month_dir``; return the number of rows moved."""
    mapping = load_mapping(source, MAPPINGS_DIR)
    table = next((t for t in mapping.tables_for(path.name) if t.table == "heures"), None)
    if table is not None and table.months_as_columns is not None:
        return _split_wide_hours_file(path, table.months_as_columns.format, base, month_dir, month)
    columns = table.columns if table is not None else {}
    sheet = read_csv(path)
    month_column = next(
        i for i, name in enumerate(sheet.header) if columns.get(header_key(name), header_key(name)) == "mois"
    )
    in_month: set[int] = set()
    for line, cells in sheet.rows:
        try:
            value = parse_yearmonth(cells[month_column])
        except (InvalidValue, IndexError):
            continue  # a planted defect: left where it was published
        if (value.year, value.month) == month:
            in_month.add(line)
    lines = path.read_bytes().splitlines(keepends=True)
    base.mkdir(parents=True, exist_ok=True)
    base.joinpath(path.name).write_bytes(b"".join(text for n, text in enumerate(lines, 1) if n not in in_month))
    if in_month:
        if max(in_month) > len(lines) or not lines[max(in_month) - 1].strip():
            raise ValueError(f"{path}: rows span several lines; cannot split it line by line")
        month_dir.mkdir(parents=True, exist_ok=True)
        target = month_dir / f"{path.stem}_{month[0]}-{month[1]:02d}{path.suffix}"
        target.write_bytes(lines[0] + b"".join(lines[n - 1] for n in sorted(in_month)))
    return len(in_month)


def _split_wide_hours_file(path: Path, fmt: str, base: Path, month_dir: Path, month: tuple[int, int]) -> int:
    """A wide hours sheet (one column per month): ``base`` gets it without the column of ``month``, ``month_dir``
    the first column (the contract) and that month's column, for the lines with hours that month."""
    sheet = read_csv(path)
    column = next(
        (i for i, name in enumerate(sheet.header) if (m := month_of_header(name, fmt)) and (m.year, m.month) == month),
        None,
    )
    if column is None:
        shutil.copyfile(path, base / path.name)
        return 0
    rows = [cells for _, cells in sheet.rows]
    encoding = "utf-8-sig" if path.read_bytes().startswith(b"\xef\xbb\xbf") else sheet.encoding
    kept = [[c for i, c in enumerate(r) if i != column] for r in [sheet.header, *rows]]
    moved = [[r[0], r[column]] for r in rows if len(r) > column and str(r[column]).strip()]
    _write_csv(base / path.name, encoding, sheet.separator, kept)
    if moved:
        month_dir.mkdir(parents=True, exist_ok=True)
        target = month_dir / f"{path.stem}_{month[0]}-{month[1]:02d}{path.suffix}"
        _write_csv(target, encoding, sheet.separator, [[sheet.header[0], sheet.header[column]], *moved])
    return len(moved)


def _write_csv(path: Path, encoding: str | None, separator: str | None, rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding or "utf-8", newline="") as handle:
        csv.writer(handle, delimiter=separator or ";", lineterminator="\n").writerows(rows)


def _split_decp_json(path: Path, base: Path, month_dir: Path, month: tuple[int, int]) -> int:
    """The generator's DECP JSON (2024 layout) without the records notified in ``month``, and those records."""
    records = json.loads(path.read_text(encoding="utf-8"))["marches"]["marche"]
    prefix = f"{month[0]}-{month[1]:02d}"
    kept = [r for r in records if not str(r.get("dateNotification", "")).startswith(prefix)]
    moved = [r for r in records if str(r.get("dateNotification", "")).startswith(prefix)]
    write_json(base / path.name, kept)
    if moved:
        write_json(month_dir / f"{path.stem}_{prefix}{path.suffix}", moved)
    return len(moved)


def split_last_month(generated: Path, base: Path, month_dir: Path, month: tuple[int, int]) -> dict[str, int]:
    """Split a generator output folder into ``base`` and ``month_dir`` inboxes; return the rows moved."""
    moved = {"heures": 0, "decp": 0}
    for folder in ("suivi_clauses", "decp"):
        for path in sorted((generated / folder).rglob("*")):
            if not path.is_file():
                continue
            relative = path.parent.relative_to(generated)
            target = base / relative
            target.mkdir(parents=True, exist_ok=True)
            if folder == "decp" and path.suffix == ".json":
                moved["decp"] += _split_decp_json(path, target, month_dir / relative, month)
            elif folder == "suivi_clauses" and path.suffix.lower() == ".csv" and _holds_hours(path):
                moved["heures"] += _split_hours_file(path, relative.name, target, month_dir / relative, month)
            else:
                shutil.copyfile(path, target / path.name)
    return moved


def _holds_hours(path: Path) -> bool:
    tables = load_mapping(path.parent.name, MAPPINGS_DIR).tables_for(path.name)
    return any(t.table == "heures" for t in tables)


def prepare(preset: str, seed: int, bench_dir: Path) -> PresetInputs:
    """The preset's inputs, generated on first use (see the module docstring)."""
    spec = PRESETS[preset]
    month = (spec.last_year, 12)
    root = bench_dir / f"{preset}-seed{seed}-gen{GENERATOR_VERSION}-inputs{INPUTS_VERSION}"
    inputs = PresetInputs(preset, root, month)
    if (root / "inputs.json").exists():
        return inputs
    for partial in (inputs.base, inputs.increment, root / "france"):  # an interrupted preparation
        shutil.rmtree(partial, ignore_errors=True)
    manifest_path = root / "generated" / "manifest.json"  # written last by the generator
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        manifest = generate(preset, seed, root / "generated")
    moved = split_last_month(root / "generated", inputs.base, inputs.increment, month)
    summary = {"preset": preset, "seed": seed, "month": list(month), "generator_rows": manifest["counts"]}
    if preset == "national":
        from benchmarks.france_decp import write_france_decp

        france = write_france_decp(root / "france", seed, month)
        for files, inbox in ((france.base, inputs.base), (france.month, inputs.increment)):
            (inbox / "decp").mkdir(parents=True, exist_ok=True)
            for file in files:
                os.replace(file, inbox / "decp" / file.name)
        summary["france_decp"] = {"json_records": france.records, "tabular_rows": france.tabular_rows}
    summary["month_rows_moved"] = moved
    summary["bytes"] = {
        name: sum(p.stat().st_size for p in (root / name).rglob("*") if p.is_file()) for name in ("base", "month")
    }
    (root / "inputs.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return inputs


def link_inbox(sources: list[Path], inbox: Path) -> None:
    """Make ``inbox`` hold the files of ``sources`` (hard links, copies across file systems)."""
    for source in sources:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                target = inbox / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    continue
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copyfile(path, target)


#: The ``decp200k`` preset (issue 15): one DECP 2019 JSON file of this many records, built from the real
#: marches-publics.info file of ``demo_data`` repeated with distinct ids, as the reference comparison was run.
DECP200K_RECORDS = 200_000
DECP200K_SOURCE = (
    REPO_ROOT / "demo_data" / "decp" / "real_2019_format" / "decp-json_marches-publics.info_2019-03-07.json"
)


def prepare_decp200k(bench_dir: Path) -> Path:
    """The ``decp200k`` input file, written on first use: the source file's records in turn until
    :data:`DECP200K_RECORDS`; from the second pass on, each copy's ``id`` (and ``uuid`` when it has one) gets the
    pass number as a suffix (``…-p2``), so every copy is a distinct contract of the same buyer. Compact JSON,
    2019 layout."""
    path = bench_dir / f"decp200k-inputs{INPUTS_VERSION}" / "decp_2019_200k.json"
    if path.exists():
        return path
    records = json.loads(DECP200K_SOURCE.read_text(encoding="utf-8"))["marches"]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write('{"marches":[')
        for n in range(DECP200K_RECORDS):
            record, copy = records[n % len(records)], n // len(records)
            if copy:
                suffix = f"-p{copy + 1}"
                record = {**record, **{key: record[key] + suffix for key in ("id", "uuid") if key in record}}
            out.write(("," if n else "") + json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        out.write("]}")
    os.replace(partial, path)
    return path
