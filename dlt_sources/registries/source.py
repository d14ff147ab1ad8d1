"""The registries dlt sources (dataset ``raw_registries``).

Three sources, so that each can run on its own schedule and in lineage order:

* :func:`registry_files_source` — the SIAE (ASP), GEIQ, EA (DGEFP) and FINESS list files;
* :func:`inclusion_api_source` — the emplois de l'inclusion API, SIAE per département;
* :func:`sirene_source` — SIRENE établissements and unités légales, filtered to the referenced identifiers
  (it reads the warehouse, so it runs after the marts and the list files).

Every raw row keeps ``source_file``, ``source_sha256`` and its position (``row_index`` in the file,
``record_index`` in the API answer). A file whose content (and, for SIRENE, the list of identifiers asked)
did not change since its last load is skipped. Tables are written with a ``delete-insert`` merge on a
constant scope column, as in :mod:`dlt_sources.reference.source` (``replace`` would empty a table whose
resource yields nothing and reset its state).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from observatoire.settings import load_settings

from ..common import file_sha256, with_constant_columns
from .files import REGISTRY_FILES, RegistryFile, RegistryFileError, resolve_registry_file
from .inclusion_api import DEFAULT_BASE_URL, IDF_DEPARTEMENTS, SIAE_FIELDS, iter_siae_pages, siae_row
from .readers import iter_registry_batches, iter_sirene_batches
from .referenced import referenced_identifiers, split_identifiers

log = logging.getLogger(__name__)

#: Constant column naming the raw table: the merge key of the whole-table reloads.
SCOPE_COLUMN = "registry_table"
WRITE_DISPOSITION: dict[str, Any] = {"disposition": "merge", "strategy": "delete-insert"}

#: Default file names of the SIRENE stock files in the registries folder (INSEE names them this way).
SIRENE_ETABLISSEMENTS_FILE = "StockEtablissement_utf8.csv"
SIRENE_UNITES_LEGALES_FILE = "StockUniteLegale_utf8.csv"
#: Demo fixtures used when the INSEE files are not in the folder.
SIRENE_DEMO_ETABLISSEMENTS = "sirene_stock_etablissement_demo.csv"
SIRENE_DEMO_UNITES_LEGALES = "sirene_stock_unite_legale_demo.csv"

#: Columns of StockEtablissement loaded (street address left out: for a sole trader it is a home address).
SIRENE_ETABLISSEMENT_COLUMNS: tuple[str, ...] = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "codeCommuneEtablissement",
    "codePaysEtrangerEtablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)

#: Columns of StockUniteLegale loaded. Never the names of natural persons: sexe, nom, nomUsage, prenom1-4,
#: prenomUsuel, pseudonyme (entrepreneurs individuels) are not read.
SIRENE_UNITE_LEGALE_COLUMNS: tuple[str, ...] = (
    "siren",
    "statutDiffusionUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "categorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "caractereEmployeurUniteLegale",
)


def _display_path(path: Path, folder: Path) -> str:
    """Path relative to the reference folder when inside it (stable across machines), else absolute."""
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path.resolve())


def _is_unchanged(fingerprint: dict[str, str], force: bool) -> bool:
    return not force and dlt.current.resource_state().get("loaded") == fingerprint


def _remember(fingerprint: dict[str, str], rows: int) -> None:
    state = dlt.current.resource_state()
    state["loaded"] = fingerprint
    state["rows"] = rows


# --------------------------------------------------------------------------------------------------- list files


def _read_registry_file(spec: RegistryFile, path: Path, folder: Path, force: bool) -> Iterator[pa.Table]:
    path = resolve_registry_file(path)
    fingerprint = {"source_file": _display_path(path, folder), "source_sha256": file_sha256(path)}
    if _is_unchanged(fingerprint, force):
        log.info("registry %s: %s unchanged (sha256 %s), skipped", spec.table, path, fingerprint["source_sha256"][:12])
        return
    rows = 0
    for batch in iter_registry_batches(path, spec):
        rows += batch.num_rows
        yield with_constant_columns(batch, {**fingerprint, SCOPE_COLUMN: spec.table})
    if rows == 0:
        lines = f"no '{spec.record_type}' line" if spec.record_type else "no data row"
        raise RegistryFileError(f"registry file {path} has {lines}: refusing to empty {spec.table}")
    _remember(fingerprint, rows)
    log.info("registry %s: loaded %d rows from %s", spec.table, rows, path)


@dlt.source(name="registry_files", section="registries", max_table_nesting=0)
def registry_files_source(
    reference_dir: str | None = None, paths: dict[str, str] | None = None, force: bool = False
) -> list[DltResource]:
    """SIAE (ASP), GEIQ, EA (DGEFP) and FINESS list files → raw tables ``siae_asp``, ``geiq_list``,
    ``ea_dgefp``, ``finess_etablissements``.

    Files are found under ``reference_dir`` (default: the settings' reference folder) at their default
    relative paths (:data:`REGISTRY_FILES`); ``paths`` maps a table name to another file (e.g. the current
    ASP list, or the full FINESS extract). Every value is text; contact columns are never loaded.
    """
    folder = Path(reference_dir) if reference_dir else load_settings().reference_dir
    overrides = paths or {}
    unknown = set(overrides) - {spec.table for spec in REGISTRY_FILES}
    if unknown:
        raise ValueError(f"unknown registry tables in paths: {sorted(unknown)}")
    return [
        dlt.resource(
            _read_registry_file,
            name=spec.table,
            write_disposition=WRITE_DISPOSITION,  # type: ignore[arg-type]
            merge_key=SCOPE_COLUMN,
        )(spec, Path(overrides.get(spec.table, folder / spec.default_path)), folder, force)
        for spec in REGISTRY_FILES
    ]


# ------------------------------------------------------------------------------------------------ inclusion API


def _read_api_siaes(base_url: str, departements: Sequence[str], force: bool) -> Iterator[list[dict[str, Any]]]:
    state = dlt.current.resource_state().setdefault("departements", {})
    for departement in departements:
        pages = list(iter_siae_pages(base_url, departement))
        fingerprint = hashlib.sha256("".join(page.sha256 for page in pages).encode()).hexdigest()
        results = sum(len(page.results) for page in pages)
        announced = pages[0].count if pages else None
        if announced is not None and announced != results:
            raise ValueError(
                f"emplois API, département {departement}: {results} SIAE read but the API announced {announced}"
            )
        if not force and state.get(departement) == fingerprint:
            log.info("emplois API %s: unchanged answer (%d SIAE), skipped", departement, results)
            continue
        if results == 0:
            log.warning("emplois API %s: no SIAE returned, previous rows kept", departement)
            continue
        record_index = 0
        for page_number, page in enumerate(pages, start=1):
            rows = []
            for item in page.results:
                rows.append(
                    {
                        "departement_requested": departement,
                        "record_index": record_index,
                        "page_number": page_number,
                        "source_file": page.url,
                        "source_sha256": page.sha256,
                        **siae_row(item),
                    }
                )
                record_index += 1
            yield rows
        state[departement] = fingerprint
        log.info("emplois API %s: loaded %d SIAE from %d pages", departement, results, len(pages))


API_COLUMNS: dict[str, Any] = {
    "departement_requested": {"data_type": "text", "nullable": False},
    "record_index": {"data_type": "bigint", "nullable": False},
    "page_number": {"data_type": "bigint", "nullable": False},
    "source_file": {"data_type": "text", "nullable": False},
    "source_sha256": {"data_type": "text", "nullable": False},
    **{name: {"data_type": "text"} for name in (*SIAE_FIELDS, "postes", "postes_count")},
}


@dlt.source(name="inclusion_api", section="registries", max_table_nesting=0)
def inclusion_api_source(
    base_url: str = DEFAULT_BASE_URL, departements: Sequence[str] = IDF_DEPARTEMENTS, force: bool = False
) -> DltResource:
    """SIAE of the emplois de l'inclusion API, per département → raw table ``inclusion_api_siaes``.

    ``base_url`` and ``departements`` come from the arguments or dlt config
    (``SOURCES__REGISTRIES__INCLUSION_API__BASE_URL``, ``..._DEPARTEMENTS='["93", "75"]'``). The rows of a
    département are replaced when its answer changed (merge key ``departement_requested``).
    """
    return dlt.resource(
        _read_api_siaes,
        name="inclusion_api_siaes",
        write_disposition=WRITE_DISPOSITION,  # type: ignore[arg-type]
        merge_key="departement_requested",
        columns=API_COLUMNS,
        schema_contract={"columns": "freeze"},
    )(base_url, [str(d).zfill(2) for d in departements], force)


# ------------------------------------------------------------------------------------------------------ SIRENE


def _ids_sha256(ids: set[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def _read_sirene(
    table: str,
    path: Path,
    folder: Path,
    key: str,
    columns: tuple[str, ...],
    identifiers: Callable[[], tuple[set[str], set[str]]],
    force: bool,
) -> Iterator[pa.Table]:
    path = resolve_registry_file(path)
    sirets, sirens = identifiers()  # read at extract time, not when the source is built (Dagster builds it early)
    wanted = sirets if key == "siret" else sirens
    if not wanted:
        log.warning("SIRENE %s: no referenced identifier, nothing to load", table)
        return
    fingerprint = {
        "source_file": _display_path(path, folder),
        "source_sha256": file_sha256(path),
        "wanted_sha256": _ids_sha256(wanted),
    }
    if _is_unchanged(fingerprint, force):
        log.info("SIRENE %s: %s and the %d identifiers unchanged, skipped", table, path, len(wanted))
        return
    provenance = {
        "source_file": fingerprint["source_file"],
        "source_sha256": fingerprint["source_sha256"],
        SCOPE_COLUMN: table,
    }
    rows = 0
    for batch in iter_sirene_batches(path, key, columns, sorted(wanted)):
        rows += batch.num_rows
        yield with_constant_columns(batch, provenance)
    if rows == 0:
        log.warning("SIRENE %s: none of the %d identifiers is in %s; table left as it was", table, len(wanted), path)
        return
    _remember(fingerprint, rows)
    log.info("SIRENE %s: kept %d rows of %s for %d identifiers", table, rows, path, len(wanted))


def _default_sirene_path(folder: Path, real_name: str, demo_name: str) -> Path:
    real = folder / real_name
    return real if real.is_file() else folder / demo_name


@dlt.source(name="sirene", section="registries", max_table_nesting=0)
def sirene_source(
    etablissements_path: str | None = None,
    unites_legales_path: str | None = None,
    sirets: Sequence[str] | None = None,
    warehouse_path: str | None = None,
    registries_dir: str | None = None,
    force: bool = False,
    reference_dir: str | None = None,
) -> list[DltResource]:
    """SIRENE StockEtablissement and StockUniteLegale rows of the referenced companies → raw tables
    ``sirene_etablissements`` and ``sirene_unites_legales``.

    The identifiers are ``sirets`` when given (14-digit SIRETs; 9-digit values only select unités
    légales), else those found in the warehouse (:data:`.referenced.REFERENCING_EXPRESSIONS`). The files
    (CSV, CSV.gz or INSEE Parquet) default to ``StockEtablissement_utf8.csv``/``StockUniteLegale_utf8.csv``
    in ``registries_dir`` (default ``<reference folder>/registries``), or the demo fixtures there. The reference
    folder (``reference_dir``) and the warehouse default to the settings'.
    ``[ND]`` values (non-diffusible) become null, listed in ``non_diffusible_columns``.
    """
    base = Path(reference_dir) if reference_dir else load_settings().reference_dir
    folder = Path(registries_dir) if registries_dir else base / "registries"
    warehouse = Path(warehouse_path) if warehouse_path else load_settings().warehouse_path
    given = list(sirets) if sirets is not None else None

    # both tables need the identifiers: the warehouse is read once per load (5 s of JSON at the national scale)
    @functools.cache
    def identifiers() -> tuple[set[str], set[str]]:
        return split_identifiers(given) if given is not None else referenced_identifiers(warehouse)

    etablissements = (
        Path(etablissements_path)
        if etablissements_path
        else _default_sirene_path(folder, SIRENE_ETABLISSEMENTS_FILE, SIRENE_DEMO_ETABLISSEMENTS)
    )
    unites_legales = (
        Path(unites_legales_path)
        if unites_legales_path
        else _default_sirene_path(folder, SIRENE_UNITES_LEGALES_FILE, SIRENE_DEMO_UNITES_LEGALES)
    )
    return [
        dlt.resource(
            _read_sirene,
            name="sirene_etablissements",
            write_disposition=WRITE_DISPOSITION,  # type: ignore[arg-type]
            merge_key=SCOPE_COLUMN,
        )("sirene_etablissements", etablissements, base, "siret", SIRENE_ETABLISSEMENT_COLUMNS, identifiers, force),
        dlt.resource(
            _read_sirene,
            name="sirene_unites_legales",
            write_disposition=WRITE_DISPOSITION,  # type: ignore[arg-type]
            merge_key=SCOPE_COLUMN,
        )("sirene_unites_legales", unites_legales, base, "siren", SIRENE_UNITE_LEGALE_COLUMNS, identifiers, force),
    ]
