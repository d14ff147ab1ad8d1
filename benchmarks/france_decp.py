"""The national DECP at its published scale, for the ``national`` benchmark preset.

The generator's ``national`` preset scales clause tracking to France (ten times Île-de-France) but writes DECP
records only for the tracked marchés of 2024-2025 (about 130,000). The national DECP is far larger: about
1.7 million unique contracts for 2019-2025, published twice, as consolidated JSON and as the decp.info table
(about 3 million rows, one per contract and holder). This module writes that volume, deterministically:

* ``decp_france_<year>.json``: every contract notified that year, in the format of its time (2019 format,
  ``{"marches": [...]}``, up to 2023; 2024 format, ``{"marches": {"marche": [...]}}``, from 2024), one
  record per line; about 5 % of contracts are published twice in their file (the second time with a
  ``datePublicationDonnees`` a year later) and 12 % carry a modification (amount and duration); the contracts
  notified in the last month are written to ``decp_france_<year>-<month>.json`` instead (the monthly increment);
* ``decp-info_france.csv``: the decp.info table of the same contracts except the last month (one row per
  contract × holder, the columns the source reads plus a few the analysts get as text).

Buyers, holders, communes and CPV codes are drawn from the reference files of ``demo_data`` (communes of
France, CPV 2008) and made-up Luhn-valid SIRETs; about 1 % of buyer SIRETs and 0.5 % of amounts carry the
defects the validity flags look for.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv

from demo_generator.identifiers import break_luhn, made_up_sirets
from demo_generator.reference import load_reference
from demo_generator.timeaxis import day, to_date
from observatoire.settings import DEMO_DATA_DIR

CONTRACTS = 1_700_000
FIRST_YEAR, LAST_YEAR = 2019, 2025
BUYERS, HOLDERS = 45_000, 120_000
REPUBLISHED_SHARE, MODIFIED_SHARE = 0.05, 0.12
NATURES = ("Marché", "Marché", "Marché", "Accord-cadre", "Marché subséquent")
PROCEDURES = ("Procédure adaptée", "Appel d'offres ouvert", "Procédure négociée sans publicité ni mise en concurrence")
PRICE_FORMS = ("Forfaitaire", "Unitaire", "Mixte")
SOCIAL_2024 = (
    ["Pas de considération sociale"],
    ["Clause sociale"],
    ["Critère social"],
    ["Clause sociale", "Critère social"],
    ["Marché réservé"],
)
SOCIAL_2024_WEIGHTS = (0.8, 0.12, 0.03, 0.03, 0.02)


@dataclass(frozen=True)
class FranceDecpFiles:
    base: list[Path]  # yearly JSON files and the decp.info table
    month: list[Path]  # the last month's JSON file
    records: int  # JSON records written (republications included)
    tabular_rows: int


def _communes() -> tuple[list[str], list[str]]:
    with (DEMO_DATA_DIR / "ref/cog/cog2026_communes_france_v_commune.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["TYPECOM"] == "COM"]
    return [r["COM"] for r in rows], [r["LIBELLE"] for r in rows]


def _iso(days: int) -> str:
    return to_date(days).isoformat()


class _Contracts:
    """Column arrays of every contract, drawn once (vectorised) so that writing is only formatting."""

    def __init__(self, count: int, seed: int) -> None:
        rng = np.random.default_rng([seed, 6])
        reference = load_reference()
        self.communes, self.commune_names = _communes()
        self.cpv = sorted(reference.cpv_labels)
        self.cpv_labels = reference.cpv_labels
        buyers = made_up_sirets(rng, BUYERS)
        self.buyers = [break_luhn(s) if i % 100 == 7 else s for i, s in enumerate(buyers)]
        self.buyer_commune = rng.integers(0, len(self.communes), BUYERS)
        self.holders = made_up_sirets(rng, HOLDERS, exclude=set(buyers))
        first, last = day(FIRST_YEAR), day(LAST_YEAR, 12, 31)
        self.count = count
        self.notified = np.sort(rng.integers(first, last + 1, count))
        self.published = np.minimum(self.notified + rng.integers(5, 60, count), last)
        self.buyer = (rng.pareto(1.2, count) * 300).astype(np.int64) % BUYERS  # a few buyers publish a lot
        self.cpv_index = rng.integers(0, len(self.cpv), count)
        self.amount = np.round(np.exp(rng.normal(11.0, 1.6, count)), 2) + 1.0
        self.amount[rng.random(count) < 0.005] = 999_999_999.0
        self.months = rng.integers(1, 61, count)
        self.nature = rng.integers(0, len(NATURES), count)
        self.procedure = rng.integers(0, len(PROCEDURES), count)
        self.price_form = rng.integers(0, len(PRICE_FORMS), count)
        self.holder_count = 1 + rng.binomial(2, 0.375, count)  # mean 1.75 holders
        self.holder = rng.integers(0, HOLDERS, (count, 3))
        self.social = rng.choice(len(SOCIAL_2024), count, p=SOCIAL_2024_WEIGHTS)
        self.republished = rng.random(count) < REPUBLISHED_SHARE
        self.modified = rng.random(count) < MODIFIED_SHARE
        self.modification_delay = rng.integers(30, 400, count)
        self.modification_factor = np.round(rng.uniform(1.02, 1.3, count), 4)

    def contract_id(self, i: int) -> str:
        return f"{to_date(int(self.notified[i])).year}F{i:07d}"

    def year(self, i: int) -> int:
        return to_date(int(self.notified[i])).year

    def object_text(self, i: int) -> str:
        commune = self.commune_names[int(self.buyer_commune[self.buyer[i]])]
        return f"{self.cpv_labels[self.cpv[self.cpv_index[i]]]} - {commune}"

    def holder_ids(self, i: int) -> list[str]:
        return [self.holders[int(h)] for h in self.holder[i, : self.holder_count[i]]]

    def record(self, i: int, republication: bool) -> dict:
        year = self.year(i)
        buyer = self.buyers[int(self.buyer[i])]
        code = self.communes[int(self.buyer_commune[self.buyer[i]])]
        published = int(self.published[i]) + (365 if republication else 0)
        record: dict = {
            "id": self.contract_id(i),
            "acheteur": {"id": buyer},
            "nature": NATURES[self.nature[i]],
            "objet": self.object_text(i),
            "codeCPV": self.cpv[self.cpv_index[i]],
            "procedure": PROCEDURES[self.procedure[i]],
            "lieuExecution": {"code": code, "typeCode": "Code commune"},
            "dureeMois": int(self.months[i]),
            "dateNotification": _iso(int(self.notified[i])),
            "datePublicationDonnees": _iso(published),
            "montant": float(self.amount[i]),
            "formePrix": PRICE_FORMS[self.price_form[i]],
        }
        holders = self.holder_ids(i)
        if year < 2024:
            record["_type"] = "Marché"
            record["uid"] = buyer + record["id"]
            record["titulaires"] = [{"typeIdentifiant": "SIRET", "id": h} for h in holders]
        else:
            record["titulaires"] = [{"titulaire": {"typeIdentifiant": "SIRET", "id": h}} for h in holders]
            record["considerationsSociales"] = {"considerationSociale": SOCIAL_2024[self.social[i]]}
            record["considerationsEnvironnementales"] = {
                "considerationEnvironnementale": ["Pas de considération environnementale"]
            }
            record["typesPrix"] = {"typePrix": ["Définitif ferme"]}
        if self.modified[i]:
            modification = {
                "id": 1,
                "dateNotificationModification": _iso(int(self.notified[i] + self.modification_delay[i])),
                "datePublicationDonneesModification": _iso(int(self.notified[i] + self.modification_delay[i] + 10)),
                "montant": round(float(self.amount[i]) * float(self.modification_factor[i]), 2),
                "dureeMois": int(self.months[i]) + 6,
            }
            if year >= 2024:
                record["modifications"] = [{"modification": modification}]
            else:
                record["modifications"] = [modification]
        elif year < 2024:
            record["modifications"] = []
        return record


class _JsonFiles:
    """Yearly files written as records come (contracts are sorted by notification date): memory stays flat."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix = folder, prefix
        self.handles: dict[str, tuple[BinaryIO, int]] = {}  # file label → (handle, layout year)
        self.written: dict[str, int] = {}

    def add(self, label: str, year: int, line: bytes) -> None:
        if label not in self.handles:
            handle = (self.folder / f"{self.prefix}_{label}.json").open("wb")
            handle.write(b'{"marches": [\n' if year < 2024 else b'{"marches": {"marche": [\n')
            self.handles[label] = (handle, year)
            self.written[label] = 0
        handle, _ = self.handles[label]
        handle.write((b",\n" if self.written[label] else b"") + line)
        self.written[label] += 1

    def close(self) -> list[Path]:
        for handle, year in self.handles.values():
            handle.write(b"\n]}\n" if year < 2024 else b"\n]}}\n")
            handle.close()
        return [self.folder / f"{self.prefix}_{label}.json" for label in self.handles]


def _tabular_chunk(contracts: _Contracts, kept: np.ndarray) -> pa.Table:
    """One row per kept contract × holder, built column-wise rather than row by row."""
    rows = np.repeat(kept, contracts.holder_count[kept])  # contract of each row
    position = np.concatenate([np.arange(n) for n in contracts.holder_count[kept]]) if kept.size else rows
    buyer_commune = contracts.buyer_commune[contracts.buyer[rows]]
    cpv = np.asarray(contracts.cpv, dtype=object)[contracts.cpv_index[rows]]
    communes = np.asarray(contracts.communes, dtype=object)[buyer_commune]
    commune_names = np.asarray(contracts.commune_names, dtype=object)[buyer_commune]
    buyers = np.asarray(contracts.buyers, dtype=object)[contracts.buyer[rows]]
    holders = np.asarray(contracts.holders, dtype=object)[contracts.holder[rows, position]]
    ids = [contracts.contract_id(int(i)) for i in rows]
    labels = np.asarray([contracts.cpv_labels[c] for c in contracts.cpv], dtype=object)[contracts.cpv_index[rows]]
    dates = {int(d): _iso(int(d)) for d in np.unique(contracts.notified)}
    columns = {
        "uid": buyers + np.asarray(ids, dtype=object),
        "id": ids,
        "type": np.where([c[:2] == "45" for c in cpv], "Travaux", "Services"),
        "codeCPV": [c[:8] for c in cpv],
        "acheteur_id": buyers,
        "acheteur_nom": ["COMMUNE DE " + name.upper() for name in commune_names],
        "titulaire_id": holders,
        "titulaire_nom": ["ENTREPRISE " + h[:9] for h in holders],
        "montant": [f"{a:.2f}" for a in contracts.amount[rows]],
        "dateNotification": [dates[int(d)] for d in contracts.notified[rows]],
        "procedure": np.asarray(PROCEDURES, dtype=object)[contracts.procedure[rows]],
        "dureeMois": contracts.months[rows].astype(str),
        "offresRecues": (position + 1).astype(str),
        "acheteur_departement_code": [c[:2] for c in communes],
        "titulaire_departement_code": [c[:2] for c in communes],
        "acheteur_region_code": [""] * rows.size,
        "titulaire_region_code": [""] * rows.size,
        "objet": labels + " - " + commune_names,
        "nature": np.asarray(NATURES, dtype=object)[contracts.nature[rows]],
        "formePrix": np.asarray(PRICE_FORMS, dtype=object)[contracts.price_form[rows]],
        "lieuExecution_code": communes,
        "lieuExecution_typeCode": ["Code commune"] * rows.size,
    }
    return pa.table({name: pa.array(list(values), pa.string()) for name, values in columns.items()})


def _write_tabular(path: Path, contracts: _Contracts, kept: np.ndarray, chunk: int = 100_000) -> int:
    rows = 0
    writer: pacsv.CSVWriter | None = None
    for start in range(0, kept.size, chunk):
        table = _tabular_chunk(contracts, kept[start : start + chunk])
        writer = writer or pacsv.CSVWriter(path, table.schema)
        writer.write_table(table)
        rows += table.num_rows
    if writer:
        writer.close()
    return rows


def write_france_decp(out: Path, seed: int, month: tuple[int, int], count: int = CONTRACTS) -> FranceDecpFiles:
    """Write the national DECP files under ``out/base`` and ``out/month`` (see the module docstring)."""
    contracts = _Contracts(count, seed)
    month_start = day(*month)
    month_end = day(month[0] + (month[1] == 12), month[1] % 12 + 1) - 1
    in_month = (contracts.notified >= month_start) & (contracts.notified <= month_end)
    (out / "base").mkdir(parents=True, exist_ok=True)
    (out / "month").mkdir(parents=True, exist_ok=True)
    yearly, monthly = _JsonFiles(out / "base", "decp_france"), _JsonFiles(out / "month", "decp_france")
    for i in range(contracts.count):
        year = contracts.year(i)
        if in_month[i]:
            monthly.add(f"{month[0]}-{month[1]:02d}", year, orjson.dumps(contracts.record(i, republication=False)))
            continue
        yearly.add(str(year), year, orjson.dumps(contracts.record(i, republication=False)))
        if contracts.republished[i]:
            yearly.add(str(year), year, orjson.dumps(contracts.record(i, republication=True)))
    records = sum(yearly.written.values()) + sum(monthly.written.values())
    base, month_files = yearly.close(), monthly.close()
    tabular = out / "base" / "decp-info_france.csv"
    rows = _write_tabular(tabular, contracts, np.flatnonzero(~in_month))
    return FranceDecpFiles(base=[*base, tabular], month=month_files, records=records, tabular_rows=rows)
