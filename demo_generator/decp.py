"""DECP 2024-format records (schema 2.0.3) for Île-de-France buyers, linked to the tracked marchés.

Link kinds (recorded in the manifest):
- ``id_decp``: the tracked marché carries the DECP ``id`` in ``marches.id_decp``;
- ``fuzzy``: no id in the tracking export; same buyer SIRET, notification date within a week, CPV written
  without check digit, amount within 3 %, object in capitals: a match by buyer + date + object/CPV/amount;
- ``missing_in_decp``: tracked, never published in DECP;
- ``decp_only``: DECP declares a social consideration, nobody tracks it.
Tracked marchés notified before 2024 predate the 2024 format and are not linked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from demo_generator.identifiers import made_up_sirets
from demo_generator.reference import CPV_SERVICES, CPV_WORKS, IDF_DEPS, Reference, known_cpv
from demo_generator.timeaxis import day, to_date

CONSIDERATIONS = {
    "L2112-2": ["Clause sociale"],
    "L2152-7": ["Clause sociale", "Critère social"],
    "L2113-13": ["Marché réservé"],
    "L2113-12": ["Marché réservé"],
    "R2123-1": ["Clause sociale"],
}
NONE = ["Pas de considération sociale"]
LIST_FIELDS = {  # wrapper -> item element (XML and JSON object wrappers)
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}
DECP_START = day(2024, 1, 1)


@dataclass
class DecpPlan:
    records: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    id_decp_by_marche: dict[int, str] = field(default_factory=dict)


def _iso(days: int) -> str:
    return to_date(days).isoformat()


def _record(
    rng,
    decp_id: str,
    buyer: str,
    objet: str,
    cpv: str,
    montant: float,
    notif: int,
    months: int,
    commune: str,
    titulaires: list[str],
    considerations: list[str],
    extraction: int,
) -> dict:
    works = cpv.startswith("45")
    threshold = 5_538_000 if works else 221_000
    procedure = "Procédure adaptée" if montant < threshold else "Appel d'offres ouvert"
    avance = bool(rng.random() < 0.4)
    rec = {
        "id": decp_id,
        "acheteur": {"id": buyer},
        "nature": "Marché",
        "objet": objet[:1000],
        "codeCPV": cpv,
        "techniques": {"technique": ["Accord-cadre"] if rng.random() < 0.25 else ["Sans objet"]},
        "modalitesExecution": {
            "modaliteExecution": ["Tranches"]
            if works and rng.random() < 0.2
            else (["Bons de commande"] if not works and rng.random() < 0.5 else ["Sans objet"])
        },
        "marcheInnovant": False,
        "ccag": "Travaux" if works else "Fournitures courantes et services",
        "offresRecues": int(rng.integers(1, 9)),
        "attributionAvance": avance,
        "typeGroupementOperateurs": "Pas de groupement" if len(titulaires) == 1 else "Conjoint",
        "sousTraitanceDeclaree": bool(rng.random() < 0.3),
        "procedure": procedure,
        "lieuExecution": {"code": commune, "typeCode": "Code commune"},
        "dureeMois": int(max(1, min(180, months))),
        "dateNotification": _iso(notif),
        "datePublicationDonnees": _iso(min(notif + int(rng.integers(5, 60)), extraction)),
        "montant": round(float(montant), 2),
        "typesPrix": {"typePrix": ["Définitif révisable" if works else "Définitif ferme"]},
        "formePrix": "Forfaitaire" if works else "Unitaire",
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": s}} for s in titulaires],
        "considerationsSociales": {"considerationSociale": considerations},
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": ["Clause environnementale"]
            if rng.random() < 0.3
            else ["Pas de considération environnementale"]
        },
    }
    if avance:
        rec["tauxAvance"] = 0.05
    return rec


def plan(ent, ref: Reference, sources, marche_ids: dict[int, str], last_year: int, seed: int) -> DecpPlan:
    """Decide the DECP records and the links; ``marche_ids`` maps global marché index -> tracked id_marche."""
    rng = np.random.default_rng([seed, 3])
    extraction = day(last_year, 12, 31)
    out = DecpPlan()
    seq = 0

    def new_id(notif: int) -> str:
        nonlocal seq
        seq += 1
        return f"{to_date(notif).year}-{seq:06d}"

    titulaires_of: dict[int, list[str]] = {}
    for m, siret, _name, role, _kind in ent.extra_companies:
        if role == "cotraitant":
            titulaires_of.setdefault(m, []).append(siret)
    social = 0
    for m in np.flatnonzero((ent.m_notif >= DECP_START) & (ent.m_notif <= extraction)):
        m = int(m)
        kind = ("id_decp", "fuzzy", "missing_in_decp")[int(rng.choice(3, p=(0.5, 0.3, 0.2)))]
        link = {
            "source": sources[int(ent.m_source[m])].name,
            "id_marche": marche_ids[m],
            "kind": kind,
            "id_decp": None,
            "acheteur_siret": ent.m_buyer[m][0],
        }
        if kind != "missing_in_decp":
            declares = rng.random() >= 0.1
            considerations = CONSIDERATIONS[ent.m_base[m]] if declares else NONE
            social += declares
            decp_id = new_id(int(ent.m_notif[m]))
            notif, cpv, objet, montant = int(ent.m_notif[m]), ent.m_cpv[m], ent.m_objet[m], float(ent.m_montant[m])
            if kind == "fuzzy":
                notif = min(max(notif + int(rng.integers(-7, 8)), DECP_START), extraction)
                cpv = cpv[:8]
                objet = objet.upper()
                montant = round(montant * (1 + rng.uniform(-0.03, 0.03)), 2)
            else:
                out.id_decp_by_marche[m] = decp_id
            tits = [ent.m_titulaire[m][0], *titulaires_of.get(m, [])]
            out.records.append(
                _record(
                    rng,
                    decp_id,
                    ent.m_buyer[m][0],
                    objet,
                    cpv,
                    montant,
                    notif,
                    int(ent.m_months[m]),
                    ent.m_commune[m],
                    tits,
                    considerations,
                    extraction,
                )
            )
            link.update(
                id_decp=decp_id,
                decp_declares_social=bool(declares),
                decp_dateNotification=_iso(notif),
                decp_montant=montant,
                decp_codeCPV=cpv,
            )
        out.links.append(link)

    # DECP-only contracts: declared social consideration, untracked; then contracts without any.
    n_decp_only = max(1, int(round(0.45 * max(social, 1))))
    n_total = int(round((social + n_decp_only) / 0.2))
    n_plain = max(
        0,
        n_total
        - (social + n_decp_only)
        - sum(1 for r in out.records if r["considerationsSociales"]["considerationSociale"] == NONE),
    )
    buyers = [b for b in ref.buyers if b.dep in IDF_DEPS]
    works = known_cpv(CPV_WORKS, ref.cpv_labels)
    services = known_cpv(CPV_SERVICES, ref.cpv_labels)
    other_cpv = [c for c in ref.cpv_labels if not c.startswith(("45", "9091", "77"))]
    communes = ref.communes
    big = np.flatnonzero(communes.population >= 10_000)
    for i in range(n_decp_only + n_plain):
        only = i < n_decp_only
        b = buyers[int(rng.integers(0, len(buyers)))]
        notif = int(rng.integers(DECP_START, extraction - 10))
        r = rng.random()
        cpv = (
            (works if r < 0.45 else services)[int(rng.integers(0, len(works if r < 0.45 else services)))]
            if (only or r < 0.6)
            else other_cpv[int(rng.integers(0, len(other_cpv)))]
        )
        k = big[int(rng.integers(0, big.size))]
        commune = str(communes.code[k])
        montant = float(np.round(np.exp(rng.normal(11.5, 1.3)), 2)) + 1.0
        considerations = (["Clause sociale"] if rng.random() < 0.75 else ["Marché réservé"]) if only else NONE
        decp_id = new_id(notif)
        siret = made_up_sirets(rng, 1)[0]
        objet = f"{ref.cpv_labels[cpv]} - {communes.name[k]}"
        rec = _record(
            rng,
            decp_id,
            b.siret,
            objet,
            cpv,
            montant,
            notif,
            int(rng.integers(1, 49)),
            commune,
            [siret],
            considerations,
            extraction,
        )
        out.records.append(rec)
        if only:
            out.links.append(
                {
                    "source": None,
                    "id_marche": None,
                    "kind": "decp_only",
                    "id_decp": decp_id,
                    "acheteur_siret": b.siret,
                    "decp_declares_social": True,
                }
            )
    return out


def write_json(path: Path, records: list[dict]) -> int:
    """{"marches": {"marche": [...]}}, one record per line (streamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write('{"marches": {"marche": [\n')
        for i, rec in enumerate(records):
            handle.write(("," if i else "") + json.dumps(rec, ensure_ascii=False) + "\n")
        handle.write("]}}\n")
    return len(records)


def _xml(value, tag: str, indent: str) -> str:
    if isinstance(value, bool):
        return f"{indent}<{tag}>{'true' if value else 'false'}</{tag}>\n"
    if isinstance(value, dict):
        if tag in LIST_FIELDS:
            item = LIST_FIELDS[tag]
            inner = "".join(f"{indent}  <{item}>{escape(str(v))}</{item}>\n" for v in value[item])
            return f"{indent}<{tag}>\n{inner}{indent}</{tag}>\n"
        inner = "".join(_xml(v, k, indent + "  ") for k, v in value.items())
        return f"{indent}<{tag}>\n{inner}{indent}</{tag}>\n"
    if isinstance(value, list):  # titulaires: [{"titulaire": {...}}]
        inner = "".join(_xml(v, k, indent + "  ") for item in value for k, v in item.items())
        return f"{indent}<{tag}>\n{inner}{indent}</{tag}>\n"
    return f"{indent}<{tag}>{escape(str(value))}</{tag}>\n"


def write_xml(path: Path, records: list[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<marches>\n')
        for rec in records:
            handle.write(_xml(rec, "marche", "  "))
        handle.write("</marches>\n")
    return len(records)
