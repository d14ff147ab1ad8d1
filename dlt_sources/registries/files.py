"""Registry list files: which raw table each one fills, where it is found, and how it is laid out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Contact columns never loaded, whatever the file (RGPD: names and phones of contact persons).
CONTACT_COLUMNS: frozenset[str] = frozenset(
    {
        "TELEPHONE",
        "TEL",
        "TEL_CONT",
        "CRL_CONT",
        "MAIL",
        "MAIL_SIAE",
        "EMAIL",
        "COURRIEL",
        "CONTACT",
        "telephone",
        "telecopie",
        "courriel",
    }
)


@dataclass(frozen=True)
class RegistryFile:
    """One registry list: the raw table it fills, its default path (relative to the reference folder) and layout.

    ``names`` is set for headerless files (the FINESS extract); ``record_type`` keeps only the lines whose
    first field has that value (FINESS lines are ``structureet`` or ``geolocalisation``); ``required_columns``
    must be in the header (a file with another delimiter or layout would otherwise load as one wide column).
    """

    table: str
    default_path: str
    description: str
    delimiter: str = ","
    encoding: str = "utf-8"
    skip_lines: int = 0
    names: tuple[str, ...] | None = None
    record_type: str | None = None
    drop_columns: frozenset[str] = field(default_factory=frozenset)
    required_columns: tuple[str, ...] = ()


#: Columns of the FINESS "etalab" établissements extract (``structureet`` lines, no header in the file).
FINESS_STRUCTUREET_COLUMNS: tuple[str, ...] = (
    "section",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "maj",
    "numuai",
)

REGISTRY_FILES: tuple[RegistryFile, ...] = (
    RegistryFile(
        "siae_asp",
        "inclusion/itou_2019_07_liste_siae_france_sans_contacts.csv",
        "ASP list of conventioned SIAE (MESURE = ACI, AI, EI, ETTI, EITI), one line per convention.",
        drop_columns=CONTACT_COLUMNS,
        required_columns=("MESURE", "SIRET"),
    ),
    RegistryFile(
        "geiq_list",
        "inclusion/itou_2019_11_21_liste_geiq_france_sans_contacts.csv",
        "France GEIQ list of groupements d'employeurs pour l'insertion et la qualification.",
        drop_columns=CONTACT_COLUMNS,
        required_columns=("GEIQ", "SIRET"),
    ),
    RegistryFile(
        "ea_dgefp",
        "registries/dgefp_liste_ea_idf_fixture.csv",
        "DGEFP list of entreprises adaptées (EA, EATT), contact columns dropped.",
        delimiter=";",
        drop_columns=CONTACT_COLUMNS,
        required_columns=("TYPE_EA", "SIRET"),
    ),
    RegistryFile(
        "finess_etablissements",
        "registries/finess_etalab_etablissements_idf_fixture.csv",
        "FINESS établissements (etalab extract, structureet lines); ESAT = categetab 246.",
        delimiter=";",
        skip_lines=1,
        names=FINESS_STRUCTUREET_COLUMNS,
        record_type="structureet",
        drop_columns=CONTACT_COLUMNS,
    ),
)


class RegistryFileNotFoundError(FileNotFoundError):
    """A registry file is missing."""


class RegistryFileError(ValueError):
    """A registry file that cannot be loaded; the message names the file and the table and says what to do."""


def resolve_registry_file(path: Path) -> Path:
    if not path.is_file():
        raise RegistryFileNotFoundError(
            f"registry file not found: {path} (pass the path to the source, or set OBSERVATOIRE_REFERENCE_DIR "
            "to the folder holding inclusion/ and registries/)"
        )
    return path
