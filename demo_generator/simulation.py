"""The skeleton: persons, their employment contracts and monthly hours, calibrated on the preset's targets.

Everything is numpy arrays (one element per person, contract or hours row) so the national preset stays fast.
Calibration runs the skeleton a few times, adjusting entry rates, the number of successive contracts, programme
contract durations and the hours intensity until the calibration year's figures match the targets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from demo_generator.presets import YEAR_SHAPE, Preset
from demo_generator.sources import SOURCES, SourceSpec
from demo_generator.timeaxis import day, month_of, month_start

FULL_TIME = 151.67  # hours per month
MAX_MONTHLY_HOURS = 205.0  # ~48 h/week; the exchange format's bound is 300

PROGRAMMES = ("", "GRAND_PARIS_EXPRESS", "JOP_2024", "ANRU")  # index 0 = ordinary activity ("AUTRE" or none)
MODALITES = (
    "EMBAUCHE_DIRECTE",
    "MAD_ETTI",
    "MAD_GEIQ",
    "MAD_AI",
    "MAD_ETT",
    "SOUS_TRAITANCE_SIAE",
    "CO_TRAITANCE_SIAE",
    "SOUS_TRAITANCE_EA_ESAT",
    "FORMATION",
)
MODALITE_P = (0.31, 0.335, 0.075, 0.07, 0.05, 0.08, 0.02, 0.02, 0.04)
TYPES = (
    "CDI",
    "CDD",
    "CDD_CHANTIER",
    "CDD_USAGE",
    "APPRENTISSAGE",
    "PRO",
    "CUI_PEC",
    "CTTI",
    "MAD_AI",
    "CTT",
    "CDDI",
    "CDD_TREMPLIN",
    "FORMATION",
    "CDI_INCLUSION",
)
TYPE_MEAN_DAYS = dict(
    CDI=130,
    CDD=105,
    CDD_CHANTIER=115,
    CDD_USAGE=60,
    APPRENTISSAGE=300,
    PRO=240,
    CUI_PEC=180,
    CTTI=80,
    MAD_AI=60,
    CTT=60,
    CDDI=160,
    CDD_TREMPLIN=160,
    FORMATION=45,
    CDI_INCLUSION=200,
)
# modalité -> (types, probabilities)
TYPE_BY_MODALITE = {
    "EMBAUCHE_DIRECTE": (
        ("CDI", "CDD", "CDD_CHANTIER", "CDD_USAGE", "APPRENTISSAGE", "PRO", "CUI_PEC"),
        (0.16, 0.30, 0.28, 0.03, 0.09, 0.09, 0.05),
    ),
    "MAD_ETTI": (("CTTI",), (1.0,)),
    "MAD_GEIQ": (("PRO", "APPRENTISSAGE", "CDI_INCLUSION"), (0.8, 0.15, 0.05)),
    "MAD_AI": (("MAD_AI",), (1.0,)),
    "MAD_ETT": (("CTT",), (1.0,)),
    "SOUS_TRAITANCE_SIAE": (("CDDI",), (1.0,)),
    "CO_TRAITANCE_SIAE": (("CDDI",), (1.0,)),
    "SOUS_TRAITANCE_EA_ESAT": (("CDD_TREMPLIN",), (1.0,)),
    "FORMATION": (("FORMATION",), (1.0,)),
}
OPEN_ENDED = {"CDI", "CDI_INCLUSION"}  # exported without date_fin

# Share of programme activity by year: GPE ramps up, JOP ends with the Games, ANRU gets the rest.
PROGRAMME_SHAPE = {
    "GRAND_PARIS_EXPRESS": {
        2018: 0.30,
        2019: 0.33,
        2020: 0.38,
        2021: 0.42,
        2022: 0.46,
        2023: 0.52,
        2024: 0.65,
        2025: 0.75,
    },
    "JOP_2024": {2018: 0.15, 2019: 0.22, 2020: 0.30, 2021: 0.34, 2022: 0.34, 2023: 0.30, 2024: 0.12, 2025: 0.0},
}


@dataclass(frozen=True)
class Knobs:
    gen_rate: float  # ordinary entries per month at year shape 1
    prog_rate: float  # programme entries per month
    gen_extra: float = 0.5  # mean number of further contracts after the first
    prog_extra: float = 0.15
    prog_duration: float = 0.75  # multiplier on programme contract durations
    hours_factor: float = 1.0


@dataclass
class Skeleton:
    # persons
    p_track: np.ndarray  # 0 ordinary, 1 programme
    p_programme: np.ndarray  # index in PROGRAMMES
    p_source: np.ndarray  # index in source list
    p_entry: np.ndarray  # date_entree (days)
    # contracts (sorted by person, then sequence)
    c_person: np.ndarray
    c_source: np.ndarray
    c_programme: np.ndarray
    c_start: np.ndarray
    c_end: np.ndarray  # last day (inclusive) of the assignment on the clause
    c_modalite: np.ndarray
    c_type: np.ndarray
    c_intensity: np.ndarray
    # hours rows (sorted by contract, then month)
    h_contract: np.ndarray
    h_month: np.ndarray
    h_hours: np.ndarray
    sources: tuple[SourceSpec, ...]


def _counts_per_month(months: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Integer counts whose running total follows the expected running total (low-variance, deterministic)."""
    cum = np.floor(np.cumsum(expected) + 0.5).astype(np.int64)
    return np.diff(np.concatenate([[0], cum]))


def _entries(rng, first_month: int, last_month: int, rate: float) -> np.ndarray:
    months = np.arange(first_month, last_month + 1)
    shape = np.array([YEAR_SHAPE.get(int(m // 12), 1.0) for m in months])
    counts = _counts_per_month(months, rate * shape)
    starts = month_start(months)
    lengths = month_start(months + 1) - starts
    per = np.repeat(np.arange(len(months)), counts)
    return (starts[per] + (rng.random(per.size) * lengths[per]).astype(np.int64)).astype(np.int64)


def _choice(rng, options, probabilities, size):
    p = np.asarray(probabilities, dtype=float)
    return rng.choice(len(options), size=size, p=p / p.sum())


def simulate(preset: Preset, knobs: Knobs, seed: int) -> Skeleton:
    rng = np.random.default_rng([seed, 1])
    specs = tuple(SOURCES[name] for name in preset.sources)
    tracking = [i for i, s in enumerate(specs) if s.tracking]
    coordinations = [i for i in tracking if s_is_coordination(specs[i])]
    programme_source = {specs[i].programme: i for i in tracking if specs[i].programme}
    period_start = day(preset.first_year)
    extraction = day(preset.last_year, 12, 31)
    first_month, last_month = (preset.first_year - 1) * 12 + 6, preset.last_year * 12 + 11

    # --- persons
    gen_entry = _entries(rng, first_month, last_month, knobs.gen_rate)
    prog_entry = _entries(rng, first_month, last_month, knobs.prog_rate)
    entry = np.concatenate([gen_entry, prog_entry])
    track = np.concatenate([np.zeros(gen_entry.size, np.int8), np.ones(prog_entry.size, np.int8)])
    n = entry.size
    years = month_of(entry) // 12
    programme = np.zeros(n, np.int8)
    has_anru = any(SOURCES[specs[i].name].anru_share > 0 for i in coordinations)
    prog_idx = np.flatnonzero(track == 1)
    u = rng.random(prog_idx.size)
    w_gpe = np.array([PROGRAMME_SHAPE["GRAND_PARIS_EXPRESS"].get(int(y), 0.5) for y in years[prog_idx]])
    w_jop = np.array([PROGRAMME_SHAPE["JOP_2024"].get(int(y), 0.0) for y in years[prog_idx]])
    if "GRAND_PARIS_EXPRESS" not in programme_source:
        w_gpe[:] = 0
    if "JOP_2024" not in programme_source:
        w_jop[:] = 0
    # JOP works stop after the Games (summer 2024)
    w_jop[entry[prog_idx] > day(2024, 6, 30)] = 0
    w_anru = np.clip(1 - w_gpe - w_jop, 0, None) if has_anru else np.zeros_like(w_gpe)
    total = w_gpe + w_jop + w_anru
    u = u * total
    programme[prog_idx] = np.where(u < w_gpe, 1, np.where(u < w_gpe + w_jop, 2, 3))

    source = np.empty(n, np.int16)
    gen_mask = track == 0
    shares = np.array([specs[i].share for i in coordinations])
    source[gen_mask] = np.array(coordinations)[_choice(rng, coordinations, shares, int(gen_mask.sum()))]
    anru_mask = programme == 3
    anru_shares = np.array([specs[i].anru_share for i in coordinations])
    if anru_mask.any():
        source[anru_mask] = np.array(coordinations)[_choice(rng, coordinations, anru_shares, int(anru_mask.sum()))]
    for code, src in programme_source.items():
        source[programme == PROGRAMMES.index(code)] = src

    # --- contracts
    extra_mean = np.where(track == 1, knobs.prog_extra, knobs.gen_extra)
    n_contracts = 1 + np.minimum(rng.poisson(extra_mean), 5)
    c_person = np.repeat(np.arange(n), n_contracts)
    m = c_person.size
    c_modalite = _choice(rng, MODALITES, MODALITE_P, m).astype(np.int8)
    c_type = np.empty(m, np.int8)
    for mi, mod in enumerate(MODALITES):
        idx = np.flatnonzero(c_modalite == mi)
        options, p = TYPE_BY_MODALITE[mod]
        picks = _choice(rng, options, p, idx.size)
        c_type[idx] = np.array([TYPES.index(o) for o in options])[picks]
    mean_days = np.array([TYPE_MEAN_DAYS[t] for t in TYPES], dtype=float)[c_type]
    c_track = track[c_person]
    mean_days = np.where(c_track == 1, mean_days * knobs.prog_duration, mean_days * 1.3)
    duration = np.maximum(7, (rng.gamma(2.0, 0.5, m) * mean_days)).astype(np.int64)
    gap = rng.integers(0, 75, m)
    gap[np.r_[True, c_person[1:] != c_person[:-1]]] = rng.integers(0, 21, n)  # entry -> first contract
    step = gap + np.r_[0, duration[:-1]]
    step[np.r_[True, c_person[1:] != c_person[:-1]]] = gap[np.r_[True, c_person[1:] != c_person[:-1]]]
    cum = np.cumsum(step)
    first = np.r_[0, np.cumsum(n_contracts)[:-1]]
    offset = cum[first] - step[first]
    c_start = entry[c_person] + cum - np.repeat(offset, n_contracts)
    c_end = c_start + duration - 1
    c_intensity = np.array([1.0, 0.8, 0.6, 0.5])[_choice(rng, range(4), (0.55, 0.15, 0.15, 0.15), m)]
    c_intensity[c_type == TYPES.index("FORMATION")] = 0.75

    keep = c_start <= extraction
    c_source = source[c_person].astype(np.int16)
    # Occasionally a person's later contracts are tracked by another coordination (cross-source duplicates).
    if len(coordinations) > 1:
        later = np.r_[False, c_person[1:] == c_person[:-1]]
        movers = (rng.random(n) < 0.08) & (track == 0)
        moved = later & movers[c_person]
        if moved.any():
            others = np.array(coordinations)
            alt = others[rng.integers(0, len(others), n)]
            alt = np.where(alt == source, others[(np.searchsorted(others, source) + 1) % len(others)], alt)
            c_source = np.where(moved, alt[c_person], c_source).astype(np.int16)
    sel = np.flatnonzero(keep)
    c_person, c_source, c_start, c_end = c_person[sel], c_source[sel], c_start[sel], c_end[sel]
    c_modalite, c_type, c_intensity = c_modalite[sel], c_type[sel], c_intensity[sel]
    c_programme = programme[c_person]

    # --- hours: each month of the assignment within the tracking window
    w0 = np.maximum(c_start, period_start)
    w1 = np.minimum(c_end, extraction)
    valid = w1 >= w0
    m0, m1 = month_of(w0), month_of(w1)
    n_months = np.where(valid, m1 - m0 + 1, 0)
    h_contract = np.repeat(np.arange(c_start.size), n_months)
    first_row = np.r_[0, np.cumsum(n_months)[:-1]]
    h_month = m0[h_contract] + (np.arange(h_contract.size) - np.repeat(first_row, n_months))
    ms = month_start(h_month)
    me = month_start(h_month + 1) - 1
    overlap = np.minimum(me, w1[h_contract]) - np.maximum(ms, w0[h_contract]) + 1
    dim = me - ms + 1
    raw = c_intensity[h_contract] * FULL_TIME * overlap / dim * knobs.hours_factor
    h_hours = np.clip(np.round(raw * 2) / 2, 1.0, MAX_MONTHLY_HOURS)

    return Skeleton(
        p_track=track,
        p_programme=programme,
        p_source=source,
        p_entry=entry,
        c_person=c_person,
        c_source=c_source,
        c_programme=c_programme,
        c_start=c_start,
        c_end=c_end,
        c_modalite=c_modalite,
        c_type=c_type,
        c_intensity=c_intensity,
        h_contract=h_contract,
        h_month=h_month,
        h_hours=h_hours,
        sources=specs,
    )


def s_is_coordination(spec: SourceSpec) -> bool:
    return spec.tracking and spec.programme is None


@dataclass(frozen=True)
class Figures:
    beneficiaries: int
    programme_beneficiaries: int
    programme_contracts: int
    programme_contract_months: float
    hours: float


def measure(sk: Skeleton, year: int) -> Figures:
    in_year = (sk.h_month // 12) == year
    contracts = np.unique(sk.h_contract[in_year])
    persons = np.unique(sk.c_person[contracts])
    prog_contracts = contracts[sk.c_programme[contracts] > 0]
    prog_persons = np.unique(sk.c_person[prog_contracts])
    with_end = prog_contracts[~np.isin(sk.c_type[prog_contracts], [TYPES.index(t) for t in OPEN_ENDED])]
    days = (sk.c_end[with_end] - sk.c_start[with_end] + 1).astype(float)
    return Figures(
        beneficiaries=int(persons.size),
        programme_beneficiaries=int(prog_persons.size),
        programme_contracts=int(prog_contracts.size),
        programme_contract_months=float(days.mean() / (365.25 / 12)) if days.size else 0.0,
        hours=float(sk.h_hours[in_year].sum()),
    )


def calibrate(preset: Preset, seed: int, iterations: int = 8) -> tuple[Skeleton, Knobs, Figures]:
    """Adjust the knobs until the calibration year's figures hit the preset targets; return the final skeleton."""
    t_all, t_prog = preset.beneficiaries, preset.programme_beneficiaries
    knobs = Knobs(gen_rate=(t_all - t_prog) / 17.0, prog_rate=t_prog / 14.0)
    target_ratio = preset.programme_contracts / t_prog
    for _ in range(iterations):
        sk = simulate(preset, knobs, seed)
        f = measure(sk, preset.calibration_year)
        ratio = f.programme_contracts / max(f.programme_beneficiaries, 1)
        knobs = replace(
            knobs,
            gen_rate=knobs.gen_rate * (t_all - t_prog) / max(f.beneficiaries - f.programme_beneficiaries, 1),
            prog_rate=knobs.prog_rate * t_prog / max(f.programme_beneficiaries, 1),
            prog_extra=float(np.clip(knobs.prog_extra * (target_ratio - 1) / max(ratio - 1, 1e-3), 0.01, 2)),
            prog_duration=knobs.prog_duration
            * preset.programme_contract_months
            / max(f.programme_contract_months, 0.1),
            hours_factor=knobs.hours_factor * preset.hours / max(f.hours, 1.0),
        )
    sk = simulate(preset, knobs, seed)
    # Exact hours: scale the calibration year's total onto the target (rounded to half hours, capped).
    f = measure(sk, preset.calibration_year)
    scale = preset.hours / f.hours
    sk.h_hours = np.clip(np.round(sk.h_hours * scale * 2) / 2, 1.0, MAX_MONTHLY_HOURS)
    return sk, knobs, measure(sk, preset.calibration_year)
