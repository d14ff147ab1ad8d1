"""Fiche acheteur: the buyer profile of the dataviz as HTML and PDF, rendered on demand for one buyer SIRET.

Every figure comes from the open data ``profils_acheteurs`` (statistical secrecy already applied: masked people
and hours are printed "s"), read as published; the layout reuses the report's templates, tables and charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from observatoire.publication.report.charts import column_chart
from observatoire.publication.report.data import published, quality_totals
from observatoire.publication.report.formatting import Column, KeyFigure, Table, Value
from observatoire.publication.report.rendering import (
    Printer,
    _common_context,
    _environment,
    _publish,
)

DATASET = "profils_acheteurs"
#: Folder of the fiches under the report folder: ``<report>/acheteurs/<siret>.html`` and ``.pdf``.
FICHES_DIR = "acheteurs"


class BuyerNotFoundError(LookupError):
    """The SIRET has no row in the open data; the message names the file and what to check."""


@dataclass(frozen=True)
class BuyerYear:
    year: int
    contracts: int
    known: int
    social: int
    clause: int
    amount: float
    share: Value
    peers: Value
    peer_share: Value
    tracked: int
    hours: Value
    beneficiaries: Value


@dataclass(frozen=True)
class Buyer:
    siret: str
    name: str
    type_label: str
    departement: str
    years: list[BuyerYear]  # oldest first


def _dataset_path(open_data_dir: Path) -> Path:
    path = Path(open_data_dir) / DATASET / f"{DATASET}.parquet"
    if not path.is_file():
        raise FileNotFoundError(
            f"open-data file {path} is missing: write the open data first "
            "(observatoire.publication.open_data.write_open_data) into that folder"
        )
    return path


def buyer_sirets(open_data_dir: Path) -> list[str]:
    """Every buyer SIRET of the open data, in order."""
    with duckdb.connect() as con:
        rows = con.execute(
            "select distinct siret_acheteur from read_parquet(?) order by 1", [str(_dataset_path(open_data_dir))]
        ).fetchall()
    return [row[0] for row in rows]


def buyer_profile(open_data_dir: Path, siret: str) -> Buyer:
    """The rows of one buyer in ``profils_acheteurs``, as published."""
    path = _dataset_path(open_data_dir)
    with duckdb.connect() as con:
        cursor = con.execute(
            "select * from read_parquet(?) where siret_acheteur = ? order by annee", [str(path), siret]
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if not rows:
        raise BuyerNotFoundError(
            f"SIRET {siret!r} has no row in {path}: give the 14 digits of a buyer of the DECP (the dataviz's buyer "
            "search lists them)"
        )
    latest = rows[-1]
    return Buyer(
        siret=siret,
        name=next((row["nom_acheteur"] for row in reversed(rows) if row["nom_acheteur"]), f"Acheteur {siret}"),
        type_label=latest["libelle_type_acheteur"],
        departement=latest["departement_acheteur"],
        years=[
            BuyerYear(
                year=row["annee"],
                contracts=row["marches"],
                known=row["marches_consideration_connue"],
                social=row["marches_avec_consideration_sociale"],
                clause=row["marches_avec_clause_sociale"],
                amount=row["montant_total"],
                share=row["part_consideration_sociale"],
                peers=row["acheteurs_pairs"],
                peer_share=row["part_consideration_sociale_pairs"],
                tracked=row["marches_suivis"],
                hours=published(row, "heures_realisees"),
                beneficiaries=published(row, "beneficiaires"),
            )
            for row in rows
        ],
    )


def fiche_context(buyer: Buyer) -> dict[str, Any]:
    """What the template prints: the latest year's key figures, the table of every year and the chart."""
    latest = buyer.years[-1]
    headline = [
        KeyFigure(f"marchés notifiés en {latest.year}", latest.contracts),
        KeyFigure(
            "part avec considération sociale",
            latest.share,
            kind="pct",
            detail=f"sur {latest.known} marchés dont elle est connue (format 2024)",
        ),
        KeyFigure(
            "part chez les pairs",
            latest.peer_share,
            kind="pct",
            detail=None if latest.peers is None else f"{latest.peers} acheteurs du même type et département",
        ),
        KeyFigure(f"heures d'insertion réalisées en {latest.year}", latest.hours),
        KeyFigure(f"bénéficiaires en {latest.year}", latest.beneficiaries),
    ]
    table = Table(
        caption="Marchés, considérations sociales et heures d'insertion par année",
        columns=[
            Column("Année"),
            Column("Marchés", "int"),
            Column("dont considération connue", "int"),
            Column("avec considération sociale", "int"),
            Column("avec clause sociale", "int"),
            Column("Montant", "eur"),
            Column("Part avec considération", "pct"),
            Column("Part chez les pairs", "pct"),
            Column("Marchés suivis", "int"),
            Column("Heures réalisées", "int"),
            Column("Bénéficiaires", "int"),
        ],
        rows=[
            [
                str(y.year),
                y.contracts,
                y.known,
                y.social,
                y.clause,
                y.amount,
                y.share,
                y.peer_share,
                y.tracked,
                y.hours,
                y.beneficiaries,
            ]
            for y in reversed(buyer.years)
        ],
    )
    chart = column_chart(
        [str(y.year) for y in buyer.years],
        [
            ("Marchés notifiés", [y.contracts for y in buyer.years]),
            ("avec considération sociale", [y.social for y in buyer.years]),
        ],
        title="Marchés notifiés par année, dont avec une considération sociale",
        width=520,
        height=170,
    )
    return {"buyer": buyer, "key_figures": headline, "table": table, "contracts_chart": chart}


def render_buyer_fiche(open_data_dir: Path, warehouse: Path, siret: str, out_dir: Path) -> list[Path]:
    """Write ``out_dir/acheteurs/<siret>.html`` and ``.pdf``; return both paths."""
    buyer = buyer_profile(Path(open_data_dir), siret)
    context = fiche_context(buyer) | _common_context(quality_totals(Path(warehouse)))
    context["title"] = f"{buyer.name} — fiche acheteur des clauses sociales"
    template = _environment().get_template("fiche_acheteur.html.j2")
    folder = Path(out_dir) / FICHES_DIR
    html_path, pdf_path = folder / f"{siret}.html", folder / f"{siret}.pdf"
    _publish(html_path, template.render(context).encode("utf-8"))
    _publish(pdf_path, Printer().render(template, context).write_pdf())
    return [html_path, pdf_path]
