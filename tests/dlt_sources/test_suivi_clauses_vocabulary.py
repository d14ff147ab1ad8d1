"""Value vocabularies, residence by postal code + town, wide month sheets and hours in hours-and-minutes: the rules
real exports need, each checked on values written for the test against the seeds and La Poste's base."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from dlt_sources.suivi_clauses.exchange_format import exchange_tables
from dlt_sources.suivi_clauses.mapping import MappingError, load_mapping
from dlt_sources.suivi_clauses.residence import postal_index
from dlt_sources.suivi_clauses.validation import InvalidValue, ValueIssue, parse_field
from dlt_sources.suivi_clauses.vocabulary import build_vocabulary, label_key
from dlt_sources.suivi_clauses.wide_months import month_of_header

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "dbt_project" / "seeds" / "clauses"
REFERENCE = REPO / "demo_data" / "ref"


def field(table: str, name: str):
    return next(f for f in exchange_tables()[table].fields if f.name == name)


def seed(name: str) -> dict[str, str]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return {row["code"]: row["libelle"] for row in csv.DictReader(handle)}


def test_labels_compare_without_case_accents_punctuation_or_parentheses() -> None:
    assert label_key("  Niveau V (CAP/BEP) ") == label_key("niveau v - cap bep") == "niveau v cap bep"
    assert label_key("Éducation") == label_key("EDUCATION")
    assert label_key("M.") == label_key("m")


def test_every_seed_label_and_code_is_recognised_without_a_mapping_entry() -> None:
    for table, name, nomenclature in [
        ("participants", "prescripteur", "clauses_prescripteurs"),
        ("participants", "publics", "clauses_publics"),
        ("contrats_travail", "type_contrat", "clauses_types_contrats"),
        ("contrats_travail", "modalite", "clauses_modalites"),
        ("sorties", "situation_sortie", "clauses_situations_sortie"),
    ]:
        for code, libelle in seed(nomenclature).items():
            assert parse_field(field(table, name), libelle.upper()) == code, (name, libelle)
            assert parse_field(field(table, name), code.lower()) == code, (name, code)
    levels = seed("clauses_niveaux_formation")
    for code, libelle in levels.items():
        assert parse_field(field("participants", "niveau_formation"), libelle) == int(code)
    assert parse_field(field("participants", "niveau_formation"), "3,0") == 3


@pytest.mark.parametrize(
    ("label", "code"), [("Homme", "M"), ("H", "M"), ("M.", "M"), ("Mme", "F"), ("Madame", "F"), ("femme", "F")]
)
def test_sex_and_civilite_spellings(label: str, code: str) -> None:
    assert parse_field(field("participants", "sexe"), label) == code


@pytest.mark.parametrize("label", ["Pôle emploi", "POLE EMPLOI", "pôle  emploi"])
def test_pole_emploi_is_france_travail_not_cap_emploi(label: str) -> None:
    assert parse_field(field("participants", "prescripteur"), label) == "FT"


@pytest.mark.parametrize(("label", "code"), [("O", "oui"), ("N", "non"), ("Oui", "oui"), ("1", "oui"), ("x", "oui")])
def test_yes_no_flags(label: str, code: str) -> None:
    assert parse_field(field("participants", "resident_qpv"), label) == code


def test_declared_labels_several_to_one_code_null_and_unresolved() -> None:
    publics = field("participants", "publics")
    vocabulary = build_vocabulary(
        publics, {"BRSA": "minima_rsa", "RSA socle": "MINIMA_RSA", "Autre": None, "Jeune NQ": "?"}, "+/"
    )
    assert parse_field(publics, "BRSA + DELD", vocabulary) == "MINIMA_RSA|DELD"
    assert parse_field(publics, "rsa socle/brsa", vocabulary) == "MINIMA_RSA"  # one code once
    assert parse_field(publics, "Autre", vocabulary) is None  # a label meaning "unknown": no issue
    with pytest.raises(ValueIssue) as unresolved:  # "?" left by the draft command: still unknown
        parse_field(publics, "DELD + Jeune NQ", vocabulary)
    assert unresolved.value.kept == "DELD" and unresolved.value.kind == "libelle_inconnu"
    assert "Jeune" not in str(unresolved.value)  # reasons never quote the value


def test_unknown_label_in_a_single_valued_field_is_kept_empty_with_an_issue() -> None:
    with pytest.raises(ValueIssue) as issue:
        parse_field(field("participants", "prescripteur"), "Association du quartier")
    assert issue.value.kept is None


def test_missing_required_value_still_rejects() -> None:
    with pytest.raises(InvalidValue):
        parse_field(field("participants", "sexe"), "  ")


def test_a_mapping_naming_a_code_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ma_source.yaml").write_text(
        "source: ma_source\ntables:\n  participants:\n    values:\n      prescripteur:\n        Pôle emploi: PE\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match="PE"):
        load_mapping("ma_source", tmp_path)


def test_siret_with_a_wrong_check_digit_is_kept_with_an_issue() -> None:
    siret_field = field("contrats_travail", "employeur_siret")
    assert parse_field(siret_field, "380 129 866 46850") == "38012986646850"
    with pytest.raises(ValueIssue) as issue:
        parse_field(siret_field, "38012986646851")
    assert issue.value.kept == "38012986646851" and issue.value.kind == "siret_invalide"


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("151h40", 151 + 40 / 60),
        ("151 h 40", 151 + 40 / 60),
        ("151:40", 151 + 40 / 60),
        ("7h", 7),
        ("12,5h", 12.5),
        ("12.5 h", 12.5),
        ("35 heures", 35),
        ("7,5 hrs", 7.5),
    ],
)
def test_hours_written_in_hours_and_minutes_or_with_their_unit(text: str, hours: float) -> None:
    assert parse_field(field("heures", "heures"), text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["12,5 min", "h", "12,5h30", "douze heures"])
def test_hours_that_are_not_hours_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="nombre d'heures illisible"):
        parse_field(field("heures", "heures"), text)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("mars 2024", date(2024, 3, 1)),
        ("Mars-24", date(2024, 3, 1)),
        ("janv. 2025", date(2025, 1, 1)),
        ("Août 2023", date(2023, 8, 1)),
        ("15 mars 2024", date(2024, 3, 1)),
        ("03/2024", date(2024, 3, 1)),
    ],
)
def test_months_written_with_a_french_month_name(text: str, month: date) -> None:
    assert parse_field(field("heures", "mois"), text) == month


@pytest.mark.parametrize(("text", "reason"), [("mars", "mois illisible"), ("déc. 1850", "mois hors de 1900-2100")])
def test_a_month_name_without_a_usable_year_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        parse_field(field("heures", "mois"), text)


@pytest.mark.parametrize(("text", "day"), [("15 mars 2024", date(2024, 3, 15)), ("1er févr. 2024", date(2024, 2, 1))])
def test_dates_written_with_a_french_month_name(text: str, day: date) -> None:
    assert parse_field(field("participants", "date_entree"), text) == day


def test_hours_with_more_than_59_minutes_are_refused() -> None:
    with pytest.raises(InvalidValue):
        parse_field(field("heures", "heures"), "10h75")


@pytest.mark.parametrize(
    ("header", "fmt", "month"),
    [
        ("janv. 2024", "%b %Y", date(2024, 1, 1)),
        ("Février 2024", "%B %Y", date(2024, 2, 1)),
        ("déc-23", "%b-%y", date(2023, 12, 1)),
        ("08/2025", "%m/%Y", date(2025, 8, 1)),
        ("Total", "%b %Y", None),
    ],
)
def test_month_headers(header: str, fmt: str, month: date | None) -> None:
    assert month_of_header(header, fmt) == month


def postal_rows(postal_code: str) -> list[dict[str, str]]:
    with (REFERENCE / "postal" / "laposte_hexasmal_2022.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle, delimiter=";") if row["Code_postal"] == postal_code]


def test_postal_code_and_town_resolve_to_the_insee_code_of_la_poste() -> None:
    index = postal_index(REFERENCE)
    communes = {row["Nom_commune"]: row["Code_commune_INSEE"] for row in postal_rows("77100")}
    assert len(communes) >= 3  # Meaux, Nanteuil-lès-Meaux, Mareuil-lès-Meaux share 77100
    assert index.resolve("77100", "Nanteuil-lès-Meaux").commune_code == communes["NANTEUIL LES MEAUX"]
    assert index.resolve("77100", "MEAUX").commune_code == communes["MEAUX"]
    ambiguous = index.resolve("77100", "")
    assert ambiguous.commune_code is None and "ambiguë" in ambiguous.reason
    unknown_town = index.resolve("77100", "Lyon")
    assert unknown_town.commune_code is None and unknown_town.reason
    assert index.resolve("00000", "Meaux").commune_code is None
    [only] = {row["Code_commune_INSEE"] for row in postal_rows("93200")}  # a code serving one commune
    assert index.resolve("93200", "St-Denis").commune_code == only
    assert index.resolve("93200", None).commune_code == only


def test_ligatures_are_spelled_out_and_cog_names_resolve_too() -> None:
    assert label_key("Crèvecœur-en-Brie") == "crevecoeur en brie"
    index = postal_index(REFERENCE)
    assert index.resolve("77610", "Crèvecœur-en-Brie").commune_code == "77144"  # La Poste: CREVECOEUR EN BRIE
    assert index.resolve("77140", "Moncourt-Fromonville").commune_code == "77302"  # La Poste: MONTCOURT FROMONVILLE


def test_yes_no_labels_written_bare_in_the_mapping_stay_labels(tmp_path: Path) -> None:
    """YAML 1.1 reads a bare On/Off/Yes/No as a boolean: a tool's label "On" must stay the text "On"."""
    (tmp_path / "ma_source.yaml").write_text(
        "source: ma_source\ntables:\n  participants:\n    values:\n      publics:\n        On: DELD\n        Off: TH\n",
        encoding="utf-8",
    )
    [participants] = load_mapping("ma_source", tmp_path).tables
    vocabulary = participants.vocabularies["publics"]
    assert parse_field(field("participants", "publics"), "On", vocabulary) == "DELD"
    assert parse_field(field("participants", "publics"), "Off", vocabulary) == "TH"


def test_a_separator_inside_parentheses_belongs_to_its_label() -> None:
    publics = field("participants", "publics")
    vocabulary = build_vocabulary(publics, {"Minima sociaux (ASS/AAH)": "MINIMA_AUTRES", "BRSA": "MINIMA_RSA"}, ",/")
    assert parse_field(publics, "BRSA/Minima sociaux (ASS/AAH)", vocabulary) == "MINIMA_RSA|MINIMA_AUTRES"
