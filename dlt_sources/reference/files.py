"""Which reference file feeds which raw table, and how a file is found and fingerprinted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REFERENCE_DIR_ENV = "OBSERVATOIRE_REFERENCE_DIR"


@dataclass(frozen=True)
class ReferenceFile:
    """One reference file: the raw table it fills, its path relative to the reference folder and its delimiter."""

    table: str
    relative_path: str
    description: str
    delimiter: str = ","


REFERENCE_FILES: tuple[ReferenceFile, ...] = (
    ReferenceFile(
        "cog_communes",
        "cog/cog2026_communes_france_v_commune.csv",
        "INSEE COG 2026 communes of all France (COM, COMD déléguées, COMA associées, ARM arrondissements).",
    ),
    ReferenceFile(
        "cog_communes_idf",
        "cog/cog2026_communes_idf_enriched.csv",
        "Île-de-France communes enriched with EPCI, EPT and legal population (millésime 2023).",
    ),
    ReferenceFile("cog_departements", "cog/cog_departements.csv", "INSEE COG départements."),
    ReferenceFile("cog_regions", "cog/cog_regions.csv", "INSEE COG régions."),
    ReferenceFile(
        "ept_mgp",
        "cog/ept_mgp_2025.csv",
        "Établissements publics territoriaux of the Métropole du Grand Paris.",
    ),
    ReferenceFile("epci_idf", "cog/epci_idf_2025.csv", "EPCI à fiscalité propre having Île-de-France communes."),
    ReferenceFile("cpv", "nomenclatures/cpv2008_fr.csv", "CPV 2008 main vocabulary, French labels."),
    ReferenceFile(
        "naf", "nomenclatures/naf_rev2_sous_classes_hierarchie.csv", "NAF rév. 2 sous-classes with hierarchy."
    ),
    ReferenceFile(
        "qpv",
        "qpv/qpv2024_extract.csv",
        "Quartiers prioritaires de la politique de la ville 2024, the ANCT list (code_qp, lib_qp, insee_com, lib_com, "
        "insee_dep, lib_dep, insee_reg); insee_com lists several communes for a QPV over several.",
    ),
)


class ReferenceFileNotFoundError(FileNotFoundError):
    """A reference file is missing from the reference folder."""


def resolve_reference_file(reference_dir: Path, relative_path: str) -> Path:
    """The file on disk, or an error that names it and the variable that moves the folder."""
    path = reference_dir / relative_path
    if not path.is_file():
        raise ReferenceFileNotFoundError(
            f"reference file not found: {path} (reference folder {reference_dir}; "
            f"set {REFERENCE_DIR_ENV} to the folder holding cog/, nomenclatures/ and qpv/)"
        )
    return path
