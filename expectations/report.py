"""The outcome of a suite as the Dagster checks and the quality page use it, built from GX's JSON result:
one :class:`ExpectationResult` per expectation, a :class:`ValidationReport` per suite (Dagster metadata, a
Markdown table, the ``<table>.json`` file the quality page reads)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: GX severity of an expectation → the word the Dagster checks and the quality page use.
SEVERITY_LABELS = {"critical": "error", "warning": "warning"}
#: kwargs of GX expectations that name one column of the table (``column_list`` names several).
COLUMN_KWARGS = ("column", "column_A", "column_B")


def _exception_message(exception_info: Any) -> str | None:
    """GX puts either one ``{raised_exception, exception_message}`` dict or a dict of them per metric."""
    if not isinstance(exception_info, dict):
        return None
    if "raised_exception" in exception_info:
        if exception_info["raised_exception"]:
            return str(exception_info.get("exception_message") or "GX raised an exception")
        return None
    return next(filter(None, map(_exception_message, exception_info.values())), None)


# ----------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ExpectationResult:
    """Outcome of one expectation (GX's ``ExpectationValidationResult`` flattened)."""

    index: int  # position in the suite file
    type: str
    column: str  # "col", "a, b" or "(table)"
    severity: str  # "error" (GX critical) or "warning"
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    missing_count: int | None = None
    partial_unexpected: tuple[Any, ...] = ()
    observed_value: Any = None
    mostly: float | None = None
    notes: str | None = None
    error: str | None = None  # GX raised while evaluating: a suite/type problem, not a data problem


@dataclass
class ValidationReport:
    """What :func:`validate_table` returns."""

    suite_name: str
    table: str
    success: bool
    row_count: int
    elapsed_seconds: float
    results: list[ExpectationResult]
    validated_at: str
    duckdb_path: str
    gx_result: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]

    @property
    def failed_errors(self) -> list[ExpectationResult]:
        return [r for r in self.failed if r.severity == "error"]

    @property
    def failed_warnings(self) -> list[ExpectationResult]:
        return [r for r in self.failed if r.severity == "warning"]

    def result_for(self, type_: str, column: str | None = None) -> ExpectationResult:
        """The single result of ``type_`` (on ``column``, a label such as ``"a, b"`` for lists)."""
        found = [r for r in self.results if r.type == type_ and (column is None or r.column == column)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} results match {type_} on {column!r} in suite {self.suite_name}")
        return found[0]

    def to_markdown(self) -> str:
        """A Markdown table with one row per expectation, failures first."""
        lines = [
            "| status | severity | expectation | column | unexpected | % | sample |",
            "|---|---|---|---|---:|---:|---|",
        ]
        for r in sorted(self.results, key=lambda r: (r.success, r.severity != "error", r.index)):
            status = "✅" if r.success else ("❌" if r.severity == "error" else "⚠️")
            pct = "" if r.unexpected_percent is None else f"{r.unexpected_percent:.2f}"
            count = "" if r.unexpected_count is None else str(r.unexpected_count)
            sample = r.error or ", ".join(repr(v) for v in r.partial_unexpected)
            if r.observed_value is not None and not r.partial_unexpected and not r.error:
                sample = f"observed {r.observed_value!r}"
            cells = [status, r.severity, f"`{r.type}`", _md(r.column), count, pct, _md(sample)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def to_metadata(self) -> dict[str, int | float | str | bool]:
        """Flat dict for Dagster check metadata (``results_markdown`` should be shown as Markdown)."""
        meta: dict[str, int | float | str | bool] = {
            "suite": self.suite_name,
            "table": self.table,
            "success": self.success,
            "row_count": self.row_count,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "expectations_evaluated": len(self.results),
            "expectations_passed": len(self.results) - len(self.failed),
            "failed_error_count": len(self.failed_errors),
            "failed_warning_count": len(self.failed_warnings),
            "failed_errors": "; ".join(f"{r.type}({r.column})" for r in self.failed_errors),
            "failed_warnings": "; ".join(f"{r.type}({r.column})" for r in self.failed_warnings),
            "validated_at": self.validated_at,
            "results_markdown": self.to_markdown(),
        }
        for r in self.failed:
            if r.unexpected_count is not None:
                meta[f"unexpected_count[{r.type}({r.column})]"] = r.unexpected_count
        return meta

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (without GX's own result)."""
        return {key: value for key, value in asdict(self).items() if key != "gx_result"}

    def write_json(self, directory: str | Path) -> Path:
        """Write ``<directory>/<table>.json`` (summary + GX's result) atomically; return its path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{self.table}.json"
        payload = {"summary": self.to_dict(), "gx_result": self.gx_result}
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def _md(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


def to_result(index: int, item: Mapping[str, Any]) -> ExpectationResult:
    """One result of GX's JSON result (values already plain JSON)."""
    config, result = item["expectation_config"], item.get("result") or {}
    error = _exception_message(item.get("exception_info"))
    columns = [config["kwargs"][k] for k in COLUMN_KWARGS if config["kwargs"].get(k)]
    return ExpectationResult(
        index=index,
        type=config["type"],
        column=", ".join(columns + list(config["kwargs"].get("column_list") or ())) or "(table)",
        severity=SEVERITY_LABELS[config["severity"]],
        success=bool(item["success"]) and error is None,
        element_count=result.get("element_count"),
        unexpected_count=result.get("unexpected_count"),
        unexpected_percent=result.get("unexpected_percent"),
        missing_count=result.get("missing_count"),
        partial_unexpected=tuple(result.get("partial_unexpected_list") or ()),
        observed_value=result.get("observed_value"),
        mostly=config["kwargs"].get("mostly"),
        notes=config.get("notes"),
        error=error,
    )
