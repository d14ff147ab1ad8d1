"""Participants' attributes: fake identities (Faker fr_FR name lists) and the calibrated socio-demographics."""

from __future__ import annotations

import unicodedata

import numpy as np
from faker.providers.person.fr_FR import Provider as PersonProvider

from demo_generator.reference import Reference

LAST_NAMES = tuple(PersonProvider.last_names)
FIRST_NAMES = {"M": tuple(PersonProvider.first_names_male), "F": tuple(PersonProvider.first_names_female)}
NIVEAUX = (1, 2, 3, 4, 5, 6, 7)
NIVEAU_P = (0.21, 0.20, 0.36, 0.15, 0.05, 0.02, 0.01)  # 77 % at CAP/BEP or below
PRESCRIPTEURS_YOUNG = (
    ("ML", "FT", "E2C", "EPIDE", "PLIE", "FACILITATEUR", "CANDIDATURE_SPONTANEE", "ASE", "PJJ", "INCONNU"),
    (0.50, 0.20, 0.05, 0.03, 0.07, 0.08, 0.04, 0.01, 0.01, 0.01),
)
PRESCRIPTEURS_ADULT = (
    (
        "FT",
        "PLIE",
        "DEPT",
        "CAP_EMPLOI",
        "FACILITATEUR",
        "CANDIDATURE_SPONTANEE",
        "SPIP",
        "CCAS",
        "CHRS",
        "AUTRE",
        "INCONNU",
    ),
    (0.45, 0.18, 0.08, 0.05, 0.09, 0.05, 0.02, 0.03, 0.02, 0.02, 0.01),
)
EMAIL_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "hotmail.fr", "laposte.net", "yahoo.fr", "sfr.fr")
PUBLICS_ORDER = ("DELD", "MINIMA_RSA", "MINIMA_AUTRES", "TH", "JEUNE_26", "SENIOR_50", "SIAE", "QPV", "AUTRE_VALIDE")


def ascii_slug(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and c.isascii()).lower()


class People:
    """One row per person (skeleton index); arrays of codes and indices, strings built on demand."""

    def __init__(
        self,
        rng: np.random.Generator,
        ref: Reference,
        entry: np.ndarray,
        track: np.ndarray,
        home_deps: list[tuple[str, ...]],
        p_source: np.ndarray,
    ) -> None:
        n = entry.size
        self.n = n
        # sex: fewer women on the large programmes' building sites; overall 15.1 %
        prog_share = float(track.mean()) if n else 0.0
        p_prog = 0.10
        p_gen = (0.151 - prog_share * p_prog) / max(1 - prog_share, 1e-9)
        self.female = rng.random(n) < np.where(track == 1, p_prog, p_gen)
        # age at entry: 30 % under 26
        young = rng.random(n) < 0.30
        age_days = np.where(
            young,
            rng.uniform(18 * 365.25 + 5, 26 * 365.25 - 5, n),
            np.where(
                rng.random(n) < 0.76,
                rng.uniform(26 * 365.25 + 5, 50 * 365.25, n),
                rng.uniform(50 * 365.25, 63 * 365.25, n),
            ),
        ).astype(np.int64)
        self.young = young
        self.birth = entry - age_days
        self.age_years = age_days / 365.25
        # identities, unique on (last name, first name, birth date)
        self.last = rng.integers(0, len(LAST_NAMES), n)
        n_f, n_m = len(FIRST_NAMES["F"]), len(FIRST_NAMES["M"])
        self.first = np.where(self.female, rng.integers(0, n_f, n), rng.integers(0, n_m, n))
        for _ in range(50):
            key = (self.last * 1000 + self.first * 2 + self.female) * 100_000 + (self.birth + 40_000)
            _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
            dup = counts[inverse] > 1
            first_of = np.zeros(n, bool)
            first_of[np.unique(inverse, return_index=True)[1]] = True
            redraw = dup & ~first_of
            if not redraw.any():
                break
            self.birth[redraw] -= rng.integers(1, 30, int(redraw.sum()))
        # residence: mostly the coordination's territory; QPV 15 %
        c = ref.communes
        self.commune = np.empty(n, dtype=object)
        by_deps: dict[tuple[str, ...], np.ndarray] = {}
        for i, deps in enumerate(home_deps):
            idx = np.flatnonzero(p_source == i)
            if idx.size == 0:
                continue
            local = rng.random(idx.size) < (0.8 if deps else 0.0)
            for mask, ds in ((local, deps), (~local, ())):
                sel = idx[mask]
                if sel.size == 0:
                    continue
                if ds not in by_deps:
                    by_deps[ds] = np.flatnonzero(np.isin(c.dep, ds)) if ds else np.arange(c.code.size)
                cand = by_deps[ds]
                w = c.population[cand].astype(float)
                self.commune[sel] = c.code[cand][rng.choice(cand.size, sel.size, p=w / w.sum())]
        self.qpv = np.full(n, "", dtype=object)
        in_qpv = np.flatnonzero(rng.random(n) < 0.15)
        for i in in_qpv:
            dep = str(self.commune[i])[:2]
            options = ref.qpv[dep]
            code, commune = options[int(rng.integers(0, len(options)))]
            self.qpv[i], self.commune[i] = code, commune
        # diploma level (2 % unknown)
        self.niveau = np.array(NIVEAUX)[rng.choice(len(NIVEAUX), n, p=NIVEAU_P)]
        self.niveau_known = rng.random(n) >= 0.02
        # eligibility publics
        senior = self.age_years >= 50
        has_qpv = self.qpv != ""
        flags = {
            "DELD": rng.random(n) < np.where(young, 0.20, 0.50),
            "MINIMA_RSA": rng.random(n) < np.where(young, 0.05, 0.27),
            "MINIMA_AUTRES": rng.random(n) < 0.05,
            "TH": rng.random(n) < 0.06,
            "JEUNE_26": young & (rng.random(n) < 0.85),
            "SENIOR_50": senior & (rng.random(n) < 0.8),
            "SIAE": rng.random(n) < 0.12,
            "QPV": has_qpv & (rng.random(n) < 0.5),
        }
        any_flag = np.zeros(n, bool)
        for v in flags.values():
            any_flag |= v
        flags["AUTRE_VALIDE"] = ~any_flag
        self.flags = flags
        # prescriber
        self.prescripteur = np.empty(n, dtype=object)
        for mask, (codes, p) in ((young, PRESCRIPTEURS_YOUNG), (~young, PRESCRIPTEURS_ADULT)):
            idx = np.flatnonzero(mask)
            self.prescripteur[idx] = np.array(codes, dtype=object)[rng.choice(len(codes), idx.size, p=p)]
        th = flags["TH"] & (rng.random(n) < 0.6)
        self.prescripteur[th] = "CAP_EMPLOI"
        # direct identifiers (exported by some tools only)
        self.has_email = rng.random(n) < 0.55
        self.has_phone = rng.random(n) < 0.8
        self.email_variant = rng.integers(0, 4, n)
        self.email_domain = rng.integers(0, len(EMAIL_DOMAINS), n)
        self.phone = rng.integers(10**8, 10**9, n) + np.where(rng.random(n) < 0.5, 6, 7) * 10**8 * 0
        self.phone_prefix = np.where(rng.random(n) < 0.6, "06", "07")
        self.street_no = rng.integers(1, 180, n)
        self.street_last = rng.integers(0, len(LAST_NAMES), n)
        self.street_kind = rng.integers(0, 4, n)
        self.has_nir = rng.random(n) < 0.35
        self.nir_order = rng.integers(1, 999, n)

    # ---- strings
    def nom(self, i: int) -> str:
        return LAST_NAMES[self.last[i]]

    def prenom(self, i: int) -> str:
        return FIRST_NAMES["F" if self.female[i] else "M"][self.first[i]]

    def publics(self, i: int) -> str:
        return "|".join(code for code in PUBLICS_ORDER if self.flags[code][i])

    def courriel(self, i: int) -> str:
        if not self.has_email[i]:
            return ""
        first, last = ascii_slug(self.prenom(i)), ascii_slug(self.nom(i))
        variant = int(self.email_variant[i])
        local = (f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{last}.{first}{i % 97}")[variant]
        return f"{local}@{EMAIL_DOMAINS[self.email_domain[i]]}"

    def telephone(self, i: int) -> str:
        if not self.has_phone[i]:
            return ""
        digits = f"{int(self.phone[i]) % 10**8:08d}"
        return f"{self.phone_prefix[i]} {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}"

    def adresse(self, i: int) -> str:
        kind = ("rue", "avenue", "boulevard", "allée")[int(self.street_kind[i])]
        return f"{self.street_no[i]} {kind} {LAST_NAMES[self.street_last[i]]}, {self.commune[i]}"

    def nir(self, i: int, birth_date) -> str:
        """A synthetic NIR-shaped string (sex, yy, mm, commune, order, key mod 97) - made up, never a real one."""
        if not self.has_nir[i]:
            return ""
        commune = str(self.commune[i])
        sex = 2 if self.female[i] else 1
        body = f"{sex}{birth_date.year % 100:02d}{birth_date.month:02d}{commune}{self.nir_order[i]:03d}"
        key = 97 - int(body) % 97
        return f"{body}{key:02d}"
