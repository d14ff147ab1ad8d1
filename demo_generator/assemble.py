"""From the skeleton to the exchange-format entities: marchés, operations, companies, employers, exits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from demo_generator.identifiers import made_up_sirets
from demo_generator.presets import Preset
from demo_generator.reference import (
    CPV_PROGRAMME,
    CPV_SERVICES,
    CPV_WORKS,
    IDF_DEPS,
    SGP,
    SOLIDEO,
    Reference,
    known_cpv,
)
from demo_generator.simulation import MODALITES, OPEN_ENDED, PROGRAMMES, TYPES, Skeleton
from demo_generator.timeaxis import day

BASES = ("L2112-2", "L2152-7", "L2113-13", "R2123-1", "L2113-12")
BASE_P_WORKS = (0.88, 0.08, 0.02, 0.0, 0.02)
BASE_P_SERVICES = (0.62, 0.08, 0.14, 0.12, 0.04)
BASE_P_PROGRAMME = (0.94, 0.06, 0.0, 0.0, 0.0)
LOT_LABELS = (
    "Gros œuvre",
    "Terrassement - VRD",
    "Charpente - couverture",
    "Menuiseries extérieures",
    "Plâtrerie - cloisons",
    "Électricité courants forts et faibles",
    "Plomberie - CVC",
    "Peinture - revêtements",
    "Étanchéité",
    "Espaces verts",
    "Désamiantage - démolition",
    "Serrurerie - métallerie",
)
OPERATION_KINDS = (
    "Construction du groupe scolaire",
    "Réhabilitation du gymnase",
    "Construction de la médiathèque",
    "Extension de la crèche",
    "Rénovation du conservatoire",
    "Construction du centre technique municipal",
    "Réhabilitation de la résidence",
    "Construction de logements sociaux, îlot",
)
GPE_LINES = ("Ligne 15 Sud", "Ligne 15 Ouest", "Ligne 15 Est", "Ligne 16", "Ligne 17", "Ligne 18")
JOP_SITES = (
    ("Village des athlètes", "93066"),
    ("Centre aquatique olympique", "93066"),
    ("Village des médias", "93030"),
    ("Franchissement urbain Pleyel", "93066"),
    ("Arena Porte de la Chapelle", "75056"),
    ("Stade nautique de Vaires-sur-Marne", "77479"),
    ("Colline d'Élancourt", "78208"),
    ("Échangeur Pleyel A1/A86", "93066"),
)
ANRU_WORKS = ("démolition", "réhabilitation", "résidentialisation", "aménagement des espaces publics")
SITUATIONS_EXIT = (
    "CDI",
    "CDD_6_MOIS_PLUS",
    "CDD_MOINS_6_MOIS",
    "CONTRAT_AIDE",
    "FORMATION_QUALIFIANTE",
    "AUTRE_SIAE",
    "CREATION_ENTREPRISE",
    "FONCTION_PUBLIQUE",
    "CHOMAGE",
    "INACTIVITE",
    "INCONNU",
)
SITUATIONS_EXIT_P = (0.10, 0.13, 0.17, 0.04, 0.08, 0.07, 0.01, 0.01, 0.27, 0.04, 0.08)
DURABLE = {"CDI", "CDD_6_MOIS_PLUS", "CREATION_ENTREPRISE", "FONCTION_PUBLIQUE"}
TRANSITION = {"CDD_MOINS_6_MOIS", "CONTRAT_AIDE"}
POSITIVE = {"FORMATION_QUALIFIANTE", "AUTRE_SIAE"}
# probability of lasting employment 6 months after exit, by category at exit
P_DURABLE_6M = {"durable": 0.80, "transition": 0.30, "positive": 0.20, "other": 0.08, "unknown": 0.05}


@dataclass
class Entities:
    # marchés (index = global marché number)
    m_source: np.ndarray
    m_programme: np.ndarray
    m_service: np.ndarray
    m_operation: np.ndarray  # -1 = none
    m_notif: np.ndarray
    m_months: np.ndarray
    m_buyer: list  # (siret, name, dep)
    m_base: np.ndarray
    m_cpv: list
    m_objet: list
    m_lot: list
    m_montant: np.ndarray
    m_hours_planned: np.ndarray
    m_hours_done: np.ndarray
    m_titulaire: list  # (siret, name, type_structure)
    m_commune: list
    # operations
    o_source: np.ndarray
    o_programme: np.ndarray
    o_name: list
    o_commune: list
    o_moa: list  # (name, siret)
    o_start: np.ndarray
    o_end: np.ndarray
    o_code: list
    # contracts
    c_marche: np.ndarray
    c_employer: list  # siret
    extra_companies: list  # (marché, siret, name, role, type_structure)
    # exits (per person; -1 = no exit yet)
    exit_contract: np.ndarray
    exit_situation: np.ndarray  # object
    exit_6m: np.ndarray  # object, "" when not known yet


def _chunks(rng, size: int, mean: float) -> np.ndarray:
    """Group labels 0..k for `size` consecutive items, group sizes ~ 1 + geometric(mean - 1)."""
    labels = np.empty(size, np.int64)
    pos, label = 0, 0
    while pos < size:
        k = 1 + int(rng.geometric(1 / max(mean, 1.0001))) - 1 if mean > 1 else 1
        k = max(1, k)
        labels[pos : pos + k] = label
        pos += k
        label += 1
    return labels


def build(preset: Preset, sk: Skeleton, ref: Reference, seed: int) -> Entities:
    rng = np.random.default_rng([seed, 2])
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    specs = sk.sources
    extraction = day(preset.last_year, 12, 31)
    n_c = sk.c_start.size

    # ---- contracts -> marchés: consecutive contracts of a (source, programme, works/services) stream
    service = (sk.c_programme == 0) & (rng.random(n_c) < 0.35)
    order = np.lexsort((sk.c_start, service, sk.c_programme, sk.c_source))
    c_marche = np.empty(n_c, np.int64)
    keys = np.stack([sk.c_source[order], sk.c_programme[order], service[order]], axis=1)
    breaks = np.r_[0, np.flatnonzero(np.any(keys[1:] != keys[:-1], axis=1)) + 1, n_c]
    next_id = 0
    m_src, m_prog, m_serv = [], [], []
    for a, b in zip(breaks[:-1], breaks[1:], strict=True):
        if b <= a:
            continue
        src, prog, serv = keys[a]
        labels = _chunks(rng, b - a, 12.0 if prog else 8.0)
        c_marche[order[a:b]] = next_id + labels
        k = int(labels[-1]) + 1
        m_src += [src] * k
        m_prog += [prog] * k
        m_serv += [serv] * k
        next_id += k
    n_m = next_id
    m_source, m_programme, m_service = np.array(m_src), np.array(m_prog), np.array(m_serv, bool)
    first_start = np.full(n_m, np.iinfo(np.int64).max)
    np.minimum.at(first_start, c_marche, sk.c_start)
    last_end = np.zeros(n_m, np.int64)
    np.maximum.at(last_end, c_marche, sk.c_end)
    m_notif = first_start - rng.integers(15, 120, n_m)
    m_months = np.clip(np.ceil((last_end - m_notif) / 30.44).astype(np.int64) + rng.integers(1, 6, n_m), 1, 180)

    # ---- operations: works marchés of a stream grouped by ~5
    m_operation = np.full(n_m, -1, np.int64)
    o_src, o_prog = [], []
    works = np.flatnonzero(~m_service)
    works = works[np.lexsort((first_start[works], m_programme[works], m_source[works]))]
    next_op = 0
    if works.size:
        wkeys = np.stack([m_source[works], m_programme[works]], axis=1)
        wb = np.r_[0, np.flatnonzero(np.any(wkeys[1:] != wkeys[:-1], axis=1)) + 1, works.size]
        for a, b in zip(wb[:-1], wb[1:], strict=True):
            labels = _chunks(rng, b - a, 6.0 if wkeys[a][1] else 4.0)
            m_operation[works[a:b]] = next_op + labels
            k = int(labels[-1]) + 1
            o_src += [int(wkeys[a][0])] * k
            o_prog += [int(wkeys[a][1])] * k
            next_op += k
    o_source, o_programme = np.array(o_src, np.int64), np.array(o_prog, np.int64)
    n_o = next_op

    # ---- places and buyers
    c = ref.communes
    buyers_by_dep = {dep: [b for b in ref.buyers if b.dep == dep] for dep in IDF_DEPS}
    bailleurs_by_dep = {dep: [b for b in v if b.kind == "bailleur"] or v for dep, v in buyers_by_dep.items()}

    def commune_in(deps: tuple[str, ...], min_pop: int = 0) -> str:
        mask = np.isin(c.dep, deps) & (c.population >= min_pop)
        idx = np.flatnonzero(mask)
        w = c.population[idx].astype(float)
        return str(c.code[idx][rng.choice(idx.size, p=w / w.sum())])

    def deps_of(src: int) -> tuple[str, ...]:
        return specs[src].deps or ("75", "92", "93", "94", "91", "95", "77")

    name_of = dict(zip(c.code.tolist(), c.name.tolist(), strict=True))
    o_name, o_commune, o_moa, o_code = [], [], [], []
    op_count: dict[tuple[int, int], int] = {}
    for o in range(n_o):
        src, prog = int(o_source[o]), PROGRAMMES[int(o_programme[o])]
        seq = op_count[(src, prog)] = op_count.get((src, prog), 0) + 1
        if prog == "GRAND_PARIS_EXPRESS":
            commune = commune_in(("92", "93", "94", "91", "77", "95"), 20_000)
            line = GPE_LINES[int(rng.integers(0, len(GPE_LINES)))]
            what = ("gare", "ouvrage annexe", "tunnel, tronçon")[int(rng.integers(0, 3))]
            o_name.append(f"{line} - {what} {name_of[commune]}")
            o_moa.append(SGP)
            o_code.append(f"GPE-{seq:03d}")
        elif prog == "JOP_2024":
            site, commune = JOP_SITES[int(rng.integers(0, len(JOP_SITES)))]
            o_name.append(f"{site} - secteur {seq}")
            o_moa.append(SOLIDEO)
            o_code.append(f"OLY-{seq:03d}")
        elif prog == "ANRU":
            commune = commune_in(deps_of(src), 15_000)
            dep = commune[:2]
            moa = bailleurs_by_dep[dep][int(rng.integers(0, len(bailleurs_by_dep[dep])))]
            what = ANRU_WORKS[int(rng.integers(0, len(ANRU_WORKS)))]
            o_name.append(f"NPNRU {name_of[commune]} - {what}")
            o_moa.append((moa.name, moa.siret))
            o_code.append(f"NPNRU-{specs[src].deps[0] if len(specs[src].deps) == 1 else 'GC'}-{seq:03d}")
        else:
            commune = commune_in(deps_of(src))
            dep = commune[:2]
            moa = buyers_by_dep[dep][int(rng.integers(0, len(buyers_by_dep[dep])))]
            kind = OPERATION_KINDS[int(rng.integers(0, len(OPERATION_KINDS)))]
            o_name.append(f"{kind} {fake.last_name()} ({name_of[commune]})")
            o_moa.append((moa.name, moa.siret))
            o_code.append(f"OP{seq:05d}")
        o_commune.append(commune)
    o_start = np.full(n_o, np.iinfo(np.int64).max)
    o_end = np.zeros(n_o, np.int64)
    has_op = m_operation >= 0
    np.minimum.at(o_start, m_operation[has_op], m_notif[has_op])
    np.maximum.at(o_end, m_operation[has_op], last_end[has_op] + 30)

    # ---- marché attributes
    works_cpv = known_cpv(CPV_WORKS, ref.cpv_labels)
    serv_cpv = known_cpv(CPV_SERVICES, ref.cpv_labels)
    prog_cpv = {k: known_cpv(v, ref.cpv_labels) for k, v in CPV_PROGRAMME.items()}
    hours_done = np.bincount(c_marche[sk.h_contract], weights=sk.h_hours, minlength=n_m)
    m_base = np.empty(n_m, dtype=object)
    for mask, p in (
        (m_programme > 0, BASE_P_PROGRAMME),
        ((m_programme == 0) & ~m_service, BASE_P_WORKS),
        (m_service, BASE_P_SERVICES),
    ):
        idx = np.flatnonzero(mask)
        m_base[idx] = np.array(BASES, dtype=object)[rng.choice(len(BASES), idx.size, p=p)]
    planned = np.round(np.maximum(hours_done, 35) / rng.uniform(0.75, 1.3, n_m), -1)
    per_hour = np.where(m_service, rng.uniform(150, 320, n_m), rng.uniform(380, 900, n_m))
    m_montant = np.round(np.maximum(planned, 70) * per_hour, -2) + rng.integers(0, 100, n_m) * 0.5
    m_buyer, m_cpv, m_objet, m_lot, m_commune = [], [], [], [], []
    lot_no: dict[int, int] = {}
    for m in range(n_m):
        src, prog, op = int(m_source[m]), PROGRAMMES[int(m_programme[m])], int(m_operation[m])
        if op >= 0:
            moa_name, moa_siret = o_moa[op]
            commune = o_commune[op]
            buyer = (moa_siret, moa_name, commune[:2])
            family = prog_cpv[prog] if prog else works_cpv
            cpv = family[int(rng.integers(0, len(family)))]
            lot_no[op] = lot_no.get(op, 0) + 1
            label = LOT_LABELS[int(rng.integers(0, len(LOT_LABELS)))]
            m_lot.append(f"{lot_no[op]}")
            m_objet.append(f"{o_name[op]} - lot {lot_no[op]} : {label}")
        else:
            commune = commune_in(deps_of(src))
            dep = commune[:2]
            b = buyers_by_dep[dep][int(rng.integers(0, len(buyers_by_dep[dep])))]
            buyer = (b.siret, b.name, dep)
            cpv = serv_cpv[int(rng.integers(0, len(serv_cpv)))]
            m_lot.append("")
            m_objet.append(f"{ref.cpv_labels[cpv]} - {name_of[commune]}")
        m_buyer.append(buyer)
        m_cpv.append(cpv)
        m_commune.append(commune)

    # ---- companies and employers
    structures = {k: [s for s in ref.structures if s.kind == k] for k in ("ACI", "EI", "AI", "ETTI", "GEIQ")}
    pool_size = max(40, n_m // 3)
    real = {s.siret for s in ref.structures} | {b.siret for b in ref.buyers}
    classic_sirets = made_up_sirets(rng, pool_size, real)
    classic_names = [fake.company() for _ in range(pool_size)]
    temp_sirets = made_up_sirets(rng, 25, real | set(classic_sirets))
    ea_sirets = made_up_sirets(rng, 20, real | set(classic_sirets) | set(temp_sirets))
    ea_names = [f"Entreprise adaptée {fake.last_name()}" for _ in range(20)]
    training = made_up_sirets(rng, 15, real | set(classic_sirets) | set(temp_sirets) | set(ea_sirets))

    def pick_structure(kind: str, dep: str):
        pool = [s for s in structures[kind] if s.dep == dep] or structures[kind]
        return pool[int(rng.integers(0, len(pool)))]

    m_titulaire = []
    for m in range(n_m):
        base, dep = m_base[m], m_buyer[m][2]
        if base == "L2113-13":
            s = pick_structure("EI" if rng.random() < 0.6 else "ACI", dep)
            m_titulaire.append((s.siret, s.name, s.kind))
        elif base == "L2113-12":
            k = int(rng.integers(0, len(ea_sirets)))
            m_titulaire.append((ea_sirets[k], ea_names[k], "EA"))
        else:
            k = int(rng.integers(0, pool_size))
            m_titulaire.append((classic_sirets[k], classic_names[k], "CLASSIQUE"))

    c_employer: list[str] = [""] * n_c
    extra: dict[tuple[int, str], tuple] = {}
    mod_names = np.array(MODALITES)[sk.c_modalite]
    u = rng.random(n_c)
    for i in range(n_c):
        m = int(c_marche[i])
        mod, dep = mod_names[i], m_buyer[m][2]
        if mod == "EMBAUCHE_DIRECTE":
            if u[i] < 0.8:
                c_employer[i] = m_titulaire[m][0]
            else:
                k = int(u[i] * 1000) % pool_size
                c_employer[i] = classic_sirets[k]
                extra.setdefault((m, classic_sirets[k]), (classic_names[k], "soustraitant", "CLASSIQUE"))
        elif mod in ("MAD_ETTI", "MAD_AI", "MAD_GEIQ"):
            c_employer[i] = pick_structure({"MAD_ETTI": "ETTI", "MAD_AI": "AI", "MAD_GEIQ": "GEIQ"}[mod], dep).siret
        elif mod in ("SOUS_TRAITANCE_SIAE", "CO_TRAITANCE_SIAE"):
            s = pick_structure("EI" if mod == "CO_TRAITANCE_SIAE" or u[i] < 0.4 else "ACI", dep)
            c_employer[i] = s.siret
            role = "cotraitant" if mod == "CO_TRAITANCE_SIAE" else "soustraitant"
            if s.siret != m_titulaire[m][0]:
                extra.setdefault((m, s.siret), (s.name, role, s.kind))
        elif mod == "MAD_ETT":
            c_employer[i] = temp_sirets[int(u[i] * 1000) % len(temp_sirets)]
        elif mod == "SOUS_TRAITANCE_EA_ESAT":
            k = int(u[i] * 1000) % len(ea_sirets)
            c_employer[i] = ea_sirets[k]
            if ea_sirets[k] != m_titulaire[m][0]:
                extra.setdefault((m, ea_sirets[k]), (ea_names[k], "soustraitant", "EA"))
        else:
            c_employer[i] = training[int(u[i] * 1000) % len(training)]
    extra_companies = [(m, siret, *v) for (m, siret), v in sorted(extra.items())]

    # ---- exits: after the person's last contract, when it ended before the extraction date
    n_p = sk.p_entry.size
    last_contract = np.full(n_p, -1, np.int64)
    last_contract[sk.c_person] = np.arange(n_c)  # contracts are sorted by person then sequence
    open_ended = np.isin(sk.c_type, [TYPES.index(t) for t in OPEN_ENDED])
    exit_contract = np.where(last_contract >= 0, last_contract, -1)
    ended = np.zeros(n_p, bool)
    has = exit_contract >= 0
    ended[has] = sk.c_end[exit_contract[has]] < extraction
    exit_contract = np.where(ended, exit_contract, -1)
    situation = np.full(n_p, "", dtype=object)
    idx = np.flatnonzero(ended)
    situation[idx] = np.array(SITUATIONS_EXIT, dtype=object)[
        rng.choice(len(SITUATIONS_EXIT), idx.size, p=SITUATIONS_EXIT_P)
    ]
    stays = idx[open_ended[exit_contract[idx]] & (rng.random(idx.size) < 0.7)]
    situation[stays] = "CDI"
    six = np.full(n_p, "", dtype=object)
    known = idx[sk.c_end[exit_contract[idx]] + 183 <= extraction]
    cat = np.array([_category(s) for s in situation[known]], dtype=object)
    p_dur = np.array([P_DURABLE_6M[k] for k in cat])
    draw = rng.random(known.size)
    durable_code = np.array(["CDI", "CDD_6_MOIS_PLUS", "CDD_6_MOIS_PLUS", "CREATION_ENTREPRISE"], dtype=object)[
        rng.integers(0, 4, known.size)
    ]
    other = np.array(
        ["CHOMAGE", "CDD_MOINS_6_MOIS", "CONTRAT_AIDE", "FORMATION_QUALIFIANTE", "INACTIVITE", "INCONNU"], dtype=object
    )[rng.choice(6, known.size, p=(0.45, 0.2, 0.05, 0.08, 0.07, 0.15))]
    keep_same = (cat == "durable") & (draw < p_dur)
    six[known] = np.where(keep_same, situation[known], np.where(draw < p_dur, durable_code, other))

    return Entities(
        m_source=m_source,
        m_programme=m_programme,
        m_service=m_service,
        m_operation=m_operation,
        m_notif=m_notif,
        m_months=m_months,
        m_buyer=m_buyer,
        m_base=m_base,
        m_cpv=m_cpv,
        m_objet=m_objet,
        m_lot=m_lot,
        m_montant=m_montant,
        m_hours_planned=planned,
        m_hours_done=hours_done,
        m_titulaire=m_titulaire,
        m_commune=m_commune,
        o_source=o_source,
        o_programme=o_programme,
        o_name=o_name,
        o_commune=o_commune,
        o_moa=o_moa,
        o_start=o_start,
        o_end=o_end,
        o_code=o_code,
        c_marche=c_marche,
        c_employer=c_employer,
        extra_companies=extra_companies,
        exit_contract=exit_contract,
        exit_situation=situation,
        exit_6m=six,
    )


def _category(code: str) -> str:
    if code in DURABLE:
        return "durable"
    if code in TRANSITION:
        return "transition"
    if code in POSITIVE:
        return "positive"
    if code == "INCONNU":
        return "unknown"
    return "other"
