"""The annual report and the territory fiches: the tables, key figures and charts each shows, laid out by the
Jinja2 templates as HTML and printed to PDF by WeasyPrint (needs nothing but the report's fonts, DejaVu from the
Debian package ``fonts-dejavu-core``)."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from observatoire.files import write_atomically
from observatoire.publication.open_data import DATASETS_BY_NAME, LICENCE, PRODUCER
from observatoire.publication.report.charts import (
    contracts_chart,
    dimension_chart,
    exits_chart,
    hours_by_year_chart,
    monthly_hours_chart,
    place_chart,
    programmes_chart,
    pyramid,
    reconciliation_chart,
    residence_map,
)
from observatoire.publication.report.data import (
    NATURAL_ORDER,
    ContractFigures,
    ContractGroup,
    OpenData,
    ProgrammeYear,
    Territory,
    TerritoryFigures,
    beneficiaries_by_territory,
    check_year,
    contract_figures,
    contract_groups,
    decp_loaded,
    fiche_territories,
    programme_years,
    quality_totals,
    reconciliation_counts,
    region_territory,
    territory_figures,
)
from observatoire.publication.report.formatting import (
    DIMENSION_TITLES,
    MASKED,
    Column,
    KeyFigure,
    Table,
    Value,
    cell,
    change,
    file_detail,
    format_change,
    format_date,
    format_number,
    format_percent,
    format_points,
    is_number,
    share,
)
from observatoire.quality_report import QualityTotals
from observatoire.settings import load_settings

TEMPLATES_DIR = Path(__file__).parents[1] / "templates" / "report"
#: The stylesheet of the report and the fiches (in TEMPLATES_DIR), inline in their HTML files.
STYLESHEET = "report.css"
#: Dimensions in which a person counts once per category of the year (publics, contract types, modalities).
NON_ADDITIVE_DIMENSIONS = ("public", "type_contrat", "modalite_realisation")


# --- tables ---------------------------------------------------------------------------------------------------


def breakdown_table(dimension: str, figures: TerritoryFigures, *, compact: bool = False, limit: int = 0) -> Table:
    """Beneficiaries by one dimension: this year, share, (hours,) last year, change; with the total."""
    year, items = figures.year, figures.breakdowns.get(dimension, [])
    shown = items[:limit] if limit else items
    note = None
    if dimension in NON_ADDITIVE_DIMENSIONS:
        note = "Une personne peut compter dans plusieurs lignes."
    if limit and len(items) > limit:
        note = f"Les\u00a0{limit} plus fréquents sur {len(items)}. " + (note or "")
    if compact:
        columns = [
            Column(DIMENSION_TITLES[dimension]),
            Column(str(year), "int"),
            Column("Part", "pct"),
            Column(f"Évol. / {year - 1}", "change"),
        ]
        rows = [
            [item.label, item.current, share(item.current, figures.beneficiaries), change(item.current, item.previous)]
            for item in shown
        ]
        return Table(caption="", columns=columns, rows=rows, note=note)
    columns = [
        Column(DIMENSION_TITLES[dimension]),
        Column(f"Bénéficiaires {year}", "int"),
        Column("Part", "pct"),
        Column(f"Heures réalisées {year}", "int"),
        Column(f"Bénéficiaires {year - 1}", "int"),
        Column("Évolution", "change"),
    ]
    rows = [
        [
            item.label,
            item.current,
            share(item.current, figures.beneficiaries),
            item.hours,
            item.previous,
            change(item.current, item.previous),
        ]
        for item in shown
    ]
    total = [
        "Ensemble des bénéficiaires",
        figures.beneficiaries,
        share(figures.beneficiaries, figures.beneficiaries),
        figures.hours,
        figures.beneficiaries_previous,
        change(figures.beneficiaries, figures.beneficiaries_previous),
    ]
    return Table(caption="", columns=columns, rows=rows, total=total, note=note)


def exits_table(figures: TerritoryFigures, *, compact: bool = False) -> Table:
    year = figures.year
    if compact:
        columns = [
            Column("Issue"),
            Column(str(year), "int"),
            Column("Part", "pct"),
            Column(f"Évol. / {year - 1}", "change"),
        ]
        rows = [
            [item.label, item.current, share(item.current, figures.exits_total), change(item.current, item.previous)]
            for item in figures.exits
        ]
        total = [
            "Ensemble des sorties",
            figures.exits_total,
            share(figures.exits_total, figures.exits_total),
            change(figures.exits_total, figures.exits_total_previous),
        ]
        return Table(caption="", columns=columns, rows=rows, total=total)
    columns = [
        Column("Issue"),
        Column(f"Sorties {year}", "int"),
        Column("Part", "pct"),
        Column(f"Sorties {year - 1}", "int"),
        Column("Évolution", "change"),
    ]
    rows = [
        [
            item.label,
            item.current,
            share(item.current, figures.exits_total),
            item.previous,
            change(item.current, item.previous),
        ]
        for item in figures.exits
    ]
    total = [
        "Ensemble des sorties",
        figures.exits_total,
        share(figures.exits_total, figures.exits_total),
        figures.exits_total_previous,
        change(figures.exits_total, figures.exits_total_previous),
    ]
    return Table(caption=f"Sorties du dispositif en {year} par issue", columns=columns, rows=rows, total=total)


def contracts_table(open_data: OpenData, year: int, *, by: str, limit: int = 0) -> Table:
    """Contracts notified in ``year`` by buyer type or by sector (``by``: ``type_acheteur`` or ``secteur_cpv``),
    the largest first (by contracts with a social consideration); beyond ``limit`` rows, one row for the rest."""
    heading, caption, rest_label = {
        "type_acheteur": ("Type d'acheteur", "Marchés notifiés en {} par type d'acheteur", "Autres types d'acheteur"),
        "secteur_cpv": ("Secteur (division CPV)", "Marchés notifiés en {} par secteur", "Autres secteurs"),
    }[by]
    rows = contract_groups(open_data, year, by=by)
    shown, rest = (rows[:limit], rows[limit:]) if limit else (rows, [])

    def line(name: str, items: list[ContractGroup]) -> list[Any]:
        sums = {
            key: sum(getattr(item, key) for item in items)
            for key in ("contracts", "known", "social", "clause", "amount")
        }
        return [
            name,
            sums["contracts"],
            sums["known"],
            sums["social"],
            share(sums["social"], sums["known"]),
            sums["clause"],
            sums["amount"],
        ]

    table_rows = [line(row.label, [row]) for row in shown]
    if rest:
        table_rows.append(line(f"{rest_label} ({len(rest)})", rest))
    columns = [
        Column(heading),
        Column("Marchés", "int"),
        Column("dont considération connue", "int"),
        Column("avec considération sociale", "int"),
        Column("Part (sur connus)", "pct"),
        Column("avec clause sociale", "int"),
        Column("Montant", "eur"),
    ]
    return Table(
        caption=caption.format(year),
        columns=columns,
        rows=table_rows,
        total=line("Ensemble", rows),
        note="Considération sociale : clause sociale, critère social ou marché réservé. Montant : somme des montants "
        "hors taxes après modifications, hors montants aberrants, en millions d'euros.",
    )


# --- data quality (counts from the warehouse) ------------------------------------------------------------------


@dataclass
class Quality:
    decp: Table
    tracking: Table


def quality_tables(totals: QualityTotals) -> Quality:
    """Records read, loaded and rejected, by source (the counts of the data-quality page)."""
    columns = [Column("Indicateur"), Column("Nombre", "int")]
    decp = Table(
        caption="Données essentielles de la commande publique (DECP)",
        columns=columns,
        rows=[
            [
                f"Fichiers reçus ({file_detail(totals.decp_files) or 'aucun'})",
                sum(totals.decp_files.values()),
            ],
            ["Enregistrements lus", totals.decp_records_read],
            ["Enregistrements retenus (un par marché)", totals.records_retained],
            ["Enregistrements remplacés par une publication plus récente du même marché", totals.records_superseded],
            [
                "Enregistrements rejetés (marché non identifiable : sans identifiant ou sans acheteur)",
                totals.records_rejected,
            ],
            [
                "Valeurs publiées inutilisables telles quelles (signalées, enregistrement conservé)",
                totals.record_issues,
            ],
            ["Marchés dans l'entrepôt", totals.contracts],
        ],
    )
    tracking = Table(
        caption="Suivi de l'exécution des clauses sociales",
        columns=columns,
        rows=[
            ["Fichiers de suivi reçus", totals.tracking_files],
            [
                f"Tables lues dans ces fichiers ({file_detail(totals.tracking_tables) or 'aucune'})",
                sum(totals.tracking_tables.values()),
            ],
            ["Lignes lues", totals.tracking_rows_read],
            ["Lignes chargées", totals.tracking_rows_loaded],
            ["Lignes rejetées (valeur invalide ou manquante)", totals.tracking_rows_rejected],
            ["Motifs de rejet enregistrés (fichier, ligne, colonne, motif)", totals.tracking_reject_reasons],
            [
                "Anomalies de cohérence signalées (doublons, heures hors contrat, références inconnues)",
                totals.tracking_issues,
            ],
        ],
    )
    return Quality(decp=decp, tracking=tracking)


# --- key figures of a territory --------------------------------------------------------------------


def _share_figure(label: str, shares: tuple[Value, Value]) -> KeyFigure:
    current, previous = shares
    difference = (
        MASKED
        if MASKED in (current, previous)
        else (current - previous if is_number(current) and is_number(previous) else None)
    )
    return KeyFigure(label=label, value=current, kind="pct", change=difference, change_kind="points")


def key_figures(
    figures: TerritoryFigures, contracts: tuple[ContractFigures, ContractFigures] | None
) -> list[KeyFigure]:
    """The headline figures of a territory (region or fiche); ``contracts``: this year's and last year's, for
    territories where buyers can be placed (region, départements)."""
    year = figures.year
    items = [
        KeyFigure(
            "bénéficiaires résidant dans le territoire",
            figures.beneficiaries,
            change=change(figures.beneficiaries, figures.beneficiaries_previous),
        ),
        KeyFigure(
            "heures d'insertion réalisées par ces bénéficiaires",
            figures.hours,
            change=change(figures.hours, figures.hours_previous),
        ),
        _share_figure("de femmes parmi les bénéficiaires", figures.category_share("sexe", "F")),
        _share_figure("de moins de 26 ans", figures.category_share("tranche_age", "moins de 26 ans")),
        _share_figure("résident en quartier prioritaire (QPV)", figures.category_share("residence_qpv", "QPV")),
        _share_figure(f"des sorties de {year} vers un emploi durable", figures.exit_share("emploi_durable")),
        KeyFigure(
            "heures réalisées sur les opérations situées dans le territoire",
            figures.place(year, "heures_realisees"),
            change=change(figures.place(year, "heures_realisees"), figures.place(year - 1, "heures_realisees")),
        ),
        KeyFigure(
            f"heures prévues par les marchés suivis notifiés en {year}",
            figures.place(year, "heures_prevues"),
            change=change(figures.place(year, "heures_prevues"), figures.place(year - 1, "heures_prevues")),
        ),
        KeyFigure(
            "opérations du territoire avec un marché notifié ou des heures dans l'année",
            figures.place(year, "operations"),
            change=change(figures.place(year, "operations"), figures.place(year - 1, "operations")),
        ),
    ]
    structures = figures.structure("ensemble")
    if structures is not None:
        items.append(
            KeyFigure(
                "structures d'insertion et du handicap (SIAE, GEIQ, EA, ESAT)",
                structures["structures"],
                detail=f"{format_number(structures['structures_pour_100000_habitants'], 1)} pour 100 000 habitants",
            )
        )
    if contracts is not None:
        current, previous = contracts
        items += [
            KeyFigure(
                f"marchés avec clause sociale notifiés en {year} (DECP)",
                current.social_clause,
                change=change(current.social_clause, previous.social_clause),
            ),
            # no change: before the 2024 format (in force from 1 January 2024) almost no contract said it
            KeyFigure(
                "des marchés comportent une considération sociale",
                current.consideration_share,
                kind="pct",
                detail=f"parmi les {format_number(current.known)} dont le format de publication le précise",
            ),
        ]
    return items


# --- the annual report ------------------------------------------------------------------------------------------

FOCUS_PROGRAMMES = ("GRAND_PARIS_EXPRESS", "JOP_2024")
METHOD_DATASETS = (
    "beneficiaires_par_territoire",
    "sorties_par_territoire",
    "heures_prevues_realisees",
    "marches_clauses_sociales",
    "grands_programmes",
    "rapprochement_decp_suivi",
    "structures_par_territoire",
)


def _place_table(
    figures_by_territory: list[TerritoryFigures], year: int, caption: str, total: TerritoryFigures | None = None
) -> Table:
    columns = [
        Column("Territoire de l'opération"),
        Column("Opérations", "int"),
        Column("Heures prévues", "int"),
        Column("Heures réalisées", "int"),
        Column("Réalisées / prévues", "pct"),
        Column("Bénéficiaires", "int"),
    ]

    def line(name: str, figures: TerritoryFigures) -> list[Any]:
        planned, worked = figures.place(year, "heures_prevues"), figures.place(year, "heures_realisees")
        return [
            name,
            figures.place(year, "operations"),
            planned,
            worked,
            share(worked, planned),
            figures.place(year, "beneficiaires"),
        ]

    return Table(
        caption=caption,
        columns=columns,
        rows=[line(f.territory.name, f) for f in figures_by_territory],
        total=line(total.territory.name, total) if total else None,
        note="Heures prévues : marchés suivis notifiés dans l'année ; heures réalisées : travaillées dans l'année. "
        "Un bénéficiaire travaillant sur plusieurs territoires compte dans chacun.",
    )


def _residence_table(
    figures_by_territory: list[TerritoryFigures], year: int, caption: str, total: TerritoryFigures | None = None
) -> Table:
    columns = [
        Column("Territoire de résidence"),
        Column(f"Bénéficiaires {year}", "int"),
        Column(f"Bénéficiaires {year - 1}", "int"),
        Column("Évolution", "change"),
        Column(f"Heures réalisées {year}", "int"),
        Column("Part de femmes", "pct"),
        Column("Part en QPV", "pct"),
    ]

    def line(name: str, f: TerritoryFigures) -> list[Any]:
        return [
            name,
            f.beneficiaries,
            f.beneficiaries_previous,
            change(f.beneficiaries, f.beneficiaries_previous),
            f.hours,
            f.category_share("sexe", "F")[0],
            f.category_share("residence_qpv", "QPV")[0],
        ]

    return Table(
        caption=caption,
        columns=columns,
        rows=[line(f.territory.name, f) for f in figures_by_territory],
        total=line(total.territory.name, total) if total else None,
    )


STRUCTURE_COLUMNS = ("ensemble", "SIAE", "GEIQ", "EA", "ESAT")


def _structures_table(figures_by_territory: list[TerritoryFigures], region: TerritoryFigures) -> Table:
    columns = [
        Column("Territoire"),
        *(Column("Toutes" if kind == "ensemble" else kind, "int") for kind in STRUCTURE_COLUMNS),
        Column("Pour 100 000 habitants", "dec1"),
    ]

    def line(name: str, f: TerritoryFigures) -> list[Any]:
        rows = [f.structure(kind) for kind in STRUCTURE_COLUMNS]
        return [
            name,
            *(row["structures"] if row else None for row in rows),
            rows[0]["structures_pour_100000_habitants"] if rows[0] else None,
        ]

    return Table(
        caption="Structures d'insertion et du handicap par département",
        columns=columns,
        rows=[line(f.territory.name, f) for f in figures_by_territory],
        total=line(region.territory.name, region),
        note="SIAE : structures de l'insertion par l'activité économique (ACI, AI, EI, ETTI, EITI) ; GEIQ : "
        "groupements d'employeurs pour l'insertion et la qualification ; EA : entreprises adaptées ; ESAT : "
        "établissements et services d'aide par le travail.",
    )


def _programmes(open_data: OpenData, year: int) -> dict[str, Any]:
    rows = programme_years(open_data)
    current = [row for row in rows if row.year == year]
    columns = [
        Column("Programme"),
        Column("Opérations", "int"),
        Column("Marchés suivis", "int"),
        Column("Heures engagées", "int"),
        Column("Heures prévues", "int"),
        Column("Heures réalisées", "int"),
        Column("Réalisées / engagées", "pct"),
        Column("Bénéficiaires", "int"),
    ]
    table = Table(
        caption=f"Clauses sociales des grands programmes en {year}",
        columns=columns,
        rows=[
            [
                row.label,
                row.operations,
                row.contracts,
                row.committed,
                row.planned,
                row.worked,
                share(row.worked, row.committed),
                row.beneficiaries,
            ]
            for row in current
        ],
        note="Heures engagées : engagements des maîtres d'ouvrage pour l'année. Un bénéficiaire travaillant sur "
        "plusieurs programmes compte dans chacun. « Autre opération » regroupe les autres opérations et les marchés "
        "suivis sans opération.",
    )
    by_key = {(row.programme, row.year): row for row in rows}
    labels = {row.programme: row.label for row in rows}
    focus = [code for code in FOCUS_PROGRAMMES if code in labels]
    focus_rows = []
    for code in focus:
        row, previous = by_key.get((code, year)), by_key.get((code, year - 1))
        focus_rows.append(
            {
                "label": labels[code],
                "operations": row.operations if row else None,
                "worked": _worked(row),
                "committed": row.committed if row else None,
                "ratio": share(_worked(row), row.committed if row else None),
                "beneficiaries": row.beneficiaries if row else None,
                "change": change(_worked(row), _worked(previous)),
            }
        )
    return {"table": table, "chart": programmes_chart(rows, focus, year), "focus": focus_rows}


def _worked(programme: ProgrammeYear | None) -> Value:
    return programme.worked if programme else None


def _reconciliation(open_data: OpenData, year: int) -> dict[str, Any]:
    rows = reconciliation_counts(open_data, year)
    current = [row for row in rows if row.year == year]
    total = sum(row.contracts for row in current)
    table = Table(
        caption=f"Rapprochement des marchés notifiés en {year}",
        columns=[Column("Catégorie"), Column("Marchés", "int"), Column("Part", "pct")],
        rows=[[row.label, row.contracts, share(row.contracts, total)] for row in current],
        total=["Ensemble", total, share(total, total)],
    )
    labels = {row.category: row.label for row in sorted(rows, key=lambda r: -r.contracts)}
    by_year = {(row.year, row.category): row.contracts for row in rows}
    years = sorted({row.year for row in rows})
    history = Table(
        caption="Rapprochement par année de notification",
        columns=[Column("Année"), *(Column(label, "int") for label in labels.values()), Column("Ensemble", "int")],
        rows=[
            [str(y), *(by_year.get((y, code), 0) for code in labels), sum(by_year.get((y, c), 0) for c in labels)]
            for y in years
        ],
        note="Les DECP au format 2019 ne disent pas si un marché comporte une considération sociale : avant le format "
        "2024, un marché suivi ne peut être que rattaché sans déclaration connue, ou absent des DECP.",
    )
    declared = sum(row.contracts for row in current if row.category in ("declare_et_suivi", "declare_non_suivi"))
    tracked_declared = sum(row.contracts for row in current if row.category == "declare_et_suivi")
    return {
        "table": table,
        "history": history,
        "chart": reconciliation_chart(current, year),
        "declared": declared,
        "tracked_share": share(tracked_declared, declared),
    }


def _methodology() -> list[dict[str, Any]]:
    """Titles and definitions of the open-data sets the report uses: one wording for the report and the data."""
    return [
        {"name": name, "title": DATASETS_BY_NAME[name].title, "definitions": DATASETS_BY_NAME[name].definitions}
        for name in METHOD_DATASETS
    ]


NO_DECP = (
    "Aucun fichier DECP (données essentielles de la commande publique) n'a encore été chargé : les marchés publics, "
    "leurs considérations sociales et leur rapprochement avec les marchés suivis figureront dans ce rapport après le "
    "premier chargement."
)


def annual_report_context(open_data: OpenData, warehouse: Path, year: int, quality: QualityTotals) -> dict[str, Any]:
    """Everything the annual report template shows, computed from the open data and the warehouse."""
    check_year(open_data, year)
    region = territory_figures(open_data, region_territory(open_data), year)
    territories = fiche_territories(warehouse)
    departements = [territory_figures(open_data, t, year) for t in territories if t.level == "departement"]
    epts = [territory_figures(open_data, t, year) for t in territories if t.level == "ept"]
    contracts = (contract_figures(open_data, year), contract_figures(open_data, year - 1))
    # No DECP file loaded yet: the contract sections say so instead of showing zeros.
    with_decp = decp_loaded(open_data)
    return {
        "year": year,
        "previous_year": year - 1,
        "region": region,
        "decp_loaded": with_decp,
        "no_decp": NO_DECP,
        "key_figures": key_figures(region, contracts if with_decp else None),
        "contracts": contracts[0],
        "contracts_previous": contracts[1],
        "contracts_by_buyer": contracts_table(open_data, year, by="type_acheteur"),
        "contracts_by_sector": contracts_table(open_data, year, by="secteur_cpv", limit=12),
        "contracts_chart": contracts_chart(contract_groups(open_data, year, by="type_acheteur"), year),
        "hours_by_year_chart": hours_by_year_chart(region),
        "monthly_chart": monthly_hours_chart(region),
        "place_chart": place_chart(departements, year),
        "place_departements": _place_table(
            departements, year, f"Heures d'insertion en {year} par département de l'opération", total=region
        ),
        "place_epts": _place_table(
            epts, year, f"Heures d'insertion en {year} par territoire de l'opération (Métropole du Grand Paris)"
        ),
        "pyramid": pyramid(region),
        "dimensions": [
            {
                "title": DIMENSION_TITLES[dimension],
                "table": breakdown_table(dimension, region),
                "chart": dimension_chart(dimension, region) if len(region.breakdowns.get(dimension, [])) > 2 else None,
            }
            for dimension in DIMENSION_TITLES
        ],
        "exits_table": exits_table(region),
        "exits_chart": exits_chart(region),
        "residence_maps": [
            residence_map(level, beneficiaries_by_territory(open_data, level, year), year)
            for level in ("departement", "ept")
        ],
        "residence_departements": _residence_table(
            departements, year, f"Bénéficiaires {year} par département de résidence", total=region
        ),
        "residence_epts": _residence_table(
            epts, year, f"Bénéficiaires {year} par territoire de résidence (Métropole du Grand Paris)"
        ),
        "structures": _structures_table(departements, region),
        "programmes": _programmes(open_data, year),
        "reconciliation": _reconciliation(open_data, year),
        "quality": quality_tables(quality),
        "methodology": _methodology(),
    }


# --- territory fiches ------------------------------------------------------------------------------------------


def fiche_context(open_data: OpenData, territory: Territory, year: int) -> dict[str, Any]:
    figures = territory_figures(open_data, territory, year)
    contracts = None
    if territory.level == "departement":
        contracts = (
            contract_figures(open_data, year, territory.code),
            contract_figures(open_data, year - 1, territory.code),
        )
    headline = key_figures(figures, contracts)
    tables = {
        dimension: breakdown_table(dimension, figures, compact=True, limit=0 if dimension in NATURAL_ORDER else 5)
        for dimension in ("niveau_diplome", "public", "type_contrat", "modalite_realisation", "prescripteur")
    }
    exits = exits_table(figures, compact=True)
    charted = [value for by_band in figures.pyramid.values() for value in by_band.values()]
    charted += [
        figures.place(y, column) for y in figures.place_by_year for column in ("heures_prevues", "heures_realisees")
    ]
    return {
        "territory": territory,
        "figures": figures,
        "key_figures": headline,
        "pyramid": pyramid(figures, width=360),
        "hours_chart": hours_by_year_chart(figures, width=360, height=150),
        "locator_map": residence_map(
            territory.level,
            beneficiaries_by_territory(open_data, territory.level, year),
            year,
            focus=territory.code,
            width=120,
            height=100,
            legend=False,
        ),
        "tables": tables,
        "exits": exits,
        # the mention says "some values of this fiche are masked": only what the fiche shows counts
        "has_secret": any(table.has_secret for table in [*tables.values(), exits])
        or any(figure.value is MASKED for figure in headline)
        or MASKED in charted,
    }


# --- rendering ---------------------------------------------------------------------------------------------------


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        cell=cell, number=format_number, percent=format_percent, change=format_change, points=format_points
    )
    return environment


def _stylesheet() -> str:
    return (TEMPLATES_DIR / STYLESHEET).read_text(encoding="utf-8")


def _common_context(quality: QualityTotals) -> dict[str, Any]:
    loaded_at = quality.last_loaded_at
    return {
        "css": Markup(_stylesheet()),
        "threshold": load_settings().secrecy_threshold,
        "producer": PRODUCER,
        "licence": LICENCE,
        "generated_on": format_date(dt.date.today()),
        "loaded_on": format_date(loaded_at.date()) if loaded_at else None,
    }


class Printer:
    """Lays out HTML for print (``weasyprint.Document``), with one font configuration and one parsed stylesheet
    for every document it prints: the report's fonts are declared to Fontconfig and its stylesheet parsed once, not
    once per fiche, and Pango's font caches stay warm from one fiche to the next (the PDFs are the same).

    The HTML it prints is rendered without its inline stylesheet (``css`` empty in the template context): the
    parsed one is given to WeasyPrint instead. WeasyPrint is imported here, when a PDF is made: importing it loads
    Pango and fonts, which the rest of the pipeline does not need."""

    def __init__(self) -> None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        self._html = weasyprint.HTML
        self._font_config = FontConfiguration()
        self._stylesheet = weasyprint.CSS(
            string=_stylesheet(), base_url=str(TEMPLATES_DIR), font_config=self._font_config
        )

    def render(self, template: Template, context: dict[str, Any]) -> Any:
        html = template.render(context | {"css": Markup()})
        return self._html(string=html, base_url=str(TEMPLATES_DIR)).render(
            stylesheets=[self._stylesheet], font_config=self._font_config
        )


def _publish(path: Path, content: bytes) -> None:
    """A report file, readable by everyone, written whole or not at all."""
    write_atomically(path, content, mode=0o644)


def render_annual_report(open_data_dir: Path, warehouse: Path, year: int, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<year>/rapport_annuel_<year>.html`` and ``.pdf``; return both paths."""
    with OpenData(Path(open_data_dir)) as open_data:
        quality = quality_totals(Path(warehouse))
        context = annual_report_context(open_data, Path(warehouse), year, quality)
    context |= _common_context(quality)
    context["title"] = f"Rapport annuel {year} — clauses sociales dans les marchés publics en Île-de-France"
    template = _environment().get_template("annual_report.html.j2")
    folder = Path(out_dir) / str(year)
    html_path, pdf_path = folder / f"rapport_annuel_{year}.html", folder / f"rapport_annuel_{year}.pdf"
    _publish(html_path, template.render(context).encode("utf-8"))
    _publish(pdf_path, Printer().render(template, context).write_pdf())
    return [html_path, pdf_path]


def render_territory_fiches(open_data_dir: Path, warehouse: Path, year: int, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<year>/fiches/<territory code>.html`` and ``.pdf`` for the 8 départements, the 11 EPT and
    Paris, and all of them in one PDF, ``out_dir/<year>/fiches_territoriales_<year>.pdf``; return the paths."""
    territories = fiche_territories(Path(warehouse))
    with OpenData(Path(open_data_dir)) as open_data:
        check_year(open_data, year)
        contexts = [fiche_context(open_data, territory, year) for territory in territories]
    common = _common_context(quality_totals(Path(warehouse)))
    template = _environment().get_template("fiche.html.j2")
    folder = Path(out_dir) / str(year)
    printer = Printer()
    paths, documents = [], []
    for context in contexts:
        territory = context["territory"]
        context |= common | {
            "year": year,
            "previous_year": year - 1,
            "title": f"{territory.name} — fiche territoriale {year} des clauses sociales",
        }
        document = printer.render(template, context)
        html_path, pdf_path = folder / "fiches" / f"{territory.code}.html", folder / "fiches" / f"{territory.code}.pdf"
        _publish(html_path, template.render(context).encode("utf-8"))
        _publish(pdf_path, document.write_pdf())
        paths += [html_path, pdf_path]
        documents.append(document)
    combined = folder / f"fiches_territoriales_{year}.pdf"
    all_fiches = documents[0].copy([page for document in documents for page in document.pages])
    all_fiches.metadata = copy.copy(all_fiches.metadata)  # shared with the first fiche otherwise
    all_fiches.metadata.title = f"Fiches territoriales {year} des clauses sociales en Île-de-France"
    _publish(combined, all_fiches.write_pdf())
    return [*paths, combined]
