"""Orchestrates a run: calibrate the skeleton, assemble entities, write every source, DECP and the manifest."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from demo_generator import decp
from demo_generator.assemble import Entities, build
from demo_generator.identifiers import break_luhn
from demo_generator.people import People
from demo_generator.presets import PRESETS, Preset
from demo_generator.reference import ANRU, SGP, SOLIDEO, PostalBook, load_postal_book, load_reference
from demo_generator.simulation import MODALITES, OPEN_ENDED, PROGRAMMES, TYPES, Skeleton, calibrate
from demo_generator.sources import SHEETS, SourceSpec
from demo_generator.timeaxis import DateStrings, day, month_of, month_string, to_date
from demo_generator.vocabulary import VOCABULARIES, Labeller, hours_hm, month_header, variant
from demo_generator.writers import (
    CsvWriter,
    TextFormatter,
    XlsxBook,
    decimal_comma,
    field_names,
    field_types,
    required_fields,
)

GENERATOR_VERSION = "1.1.0"
ID_FORMATS = {  # style -> (participant, contract, marché)
    "abc": ("{k:06d}", "CT{k:07d}", "MA{y}-{k:05d}"),
    "tableur": ("B92-{k:05d}", "C92-{k:06d}", "92/{y}/{k:04d}"),
    "gc": ("GC{k:06d}", "GCC{k:07d}", "GCM{k:05d}"),
    "solideo": ("SOL-{k:05d}", "SOLC-{k:06d}", "SOLM-{k:04d}"),
    "canonical": ("P{k:06d}", "K{k:07d}", "M{k:05d}"),
}
MOA_BY_PROGRAMME = {"GRAND_PARIS_EXPRESS": SGP, "JOP_2024": SOLIDEO, "ANRU": ANRU}

Row = list
Mutation = Callable[[Row], Row]


def _stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream of its own for (source, table, field...): adding one leaves every other draw unchanged."""
    return np.random.default_rng([seed, 6, *(zlib.crc32(n.encode()) for n in names)])


class Uniforms:
    """Uniform draws taken from a generator in blocks (a few Python operations per value)."""

    def __init__(self, rng: np.random.Generator, block: int = 4096) -> None:
        self.rng, self.block, self.buffer = rng, block, []

    def __call__(self) -> float:
        if not self.buffer:
            self.buffer = self.rng.random(self.block).tolist()
        return self.buffer.pop()


class SourceWriter:
    """Writes one source's tables in its tool's vocabulary, applying planted defects, and records what it wrote."""

    def __init__(self, spec: SourceSpec, root: Path, preset: Preset, dates: DateStrings, seed: int) -> None:
        self.spec, self.root, self.preset, self.seed = spec, root / "suivi_clauses" / spec.name, preset, seed
        self.fmt = TextFormatter(dates, group_thousands=spec.style == "abc")
        self.files: list[dict] = []
        self.vocabulary = VOCABULARIES.get(spec.style)
        self.labellers: dict[tuple[str, str], Labeller] = {}
        self.book = (
            XlsxBook(
                self.root / f"Suivi_clauses_92_{preset.last_year}.xlsx",
                f"Suivi des clauses sociales - Hauts-de-Seine - export du 31/12/{preset.last_year}",
            )
            if spec.fmt == "xlsx"
            else None
        )

    def table(
        self,
        table: str,
        rows: Iterator[Row],
        year: int | None = None,
        mutations: dict[int, Mutation] | None = None,
        appended: list[Row] | None = None,
    ) -> None:
        if table == "heures" and self.spec.wide_hours:
            self.wide_hours(rows, year, appended)
            return
        fields = field_names(table)
        pairs = self.spec.headers(table, fields)
        keep = [fields.index(f) for f, _ in pairs]
        types = [field_types(table)[f] for f, _ in pairs]
        mutations = mutations or {}
        # coded fields written in the tool's vocabulary (labels are text, whatever the field's type)
        labels = {j: self.labeller(table, f) for j, (f, _) in enumerate(pairs)}
        labels = {j: lab for j, lab in labels.items() if lab is not None}
        types = ["string" if j in labels else t for j, t in enumerate(types)]
        label_items = list(labels.items())

        def selected() -> Iterator[Row]:
            for i, row in enumerate(rows):
                if i in mutations:
                    row = mutations[i](row)
                out = [row[k] for k in keep]
                for j, lab in label_items:
                    out[j] = lab(out[j])
                yield out
            for row in appended or []:
                out = [row[k] for k in keep]
                for j, lab in label_items:
                    out[j] = lab(out[j])
                yield out

        if self.book is not None and table != "heures":  # monthly hours: CSV files beside the workbook
            name = SHEETS[table]
            count = self.book.add_sheet(name, [h for _, h in pairs], types, selected())
            self.files.append(
                {
                    "path": str(self.book.path.relative_to(self.root.parent.parent)),
                    "sheet": name,
                    "table": table,
                    "rows": count,
                }
            )
            return
        path = self.root / self.spec.file_name(table, year)
        encoding = "utf-8-sig" if self.book is not None else self.spec.encoding
        writer = CsvWriter(path, encoding, [h for _, h in pairs], crlf=encoding == "cp1252")
        columns = [self.fmt.column(t, f) for t, (f, _) in zip(types, pairs, strict=True)]
        if table == "heures" and self.spec.hours_hm:
            j = [f for f, _ in pairs].index("heures")
            columns[j] = self._hours_column(columns[j], table)
        for row in selected():
            writer.write([fmt(v) for fmt, v in zip(columns, row, strict=True)])
        writer.close()
        self.files.append({"path": str(path.relative_to(self.root.parent.parent)), "table": table, "rows": writer.rows})

    def labeller(self, table: str, field: str) -> Labeller | None:
        """The labeller of a coded field in this tool's vocabulary (None: the field is written as is)."""
        vocabulary = self.vocabulary.get(table, field) if self.vocabulary else None
        if vocabulary is None:
            return None
        if (table, field) not in self.labellers:
            required = field in required_fields(table)
            self.labellers[(table, field)] = Labeller(
                vocabulary, _stream(self.seed, self.spec.name, table, field), optional=not required
            )
        return self.labellers[(table, field)]

    def _hours_column(self, decimal, table: str):
        """Hours mostly with a decimal comma, some typed as the tool lets people type them ("151h40")."""
        sep, rate = self.spec.hours_hm
        draw = Uniforms(_stream(self.seed, self.spec.name, table, "heures_hm"))

        def column(value) -> str:
            if value is None or value == "" or draw() >= rate:
                return decimal(value)
            return hours_hm(float(value), sep)

        return column

    def wide_hours(self, rows: Iterator[Row], year: int | None, appended: list[Row] | None) -> None:
        """One line per contract, one column per month of ``year`` ("janv. 2024"...), then a Total column."""
        assert year is not None and not appended, "no planted hours defect in a wide sheet"
        header = self.spec.headers("heures", field_names("heures"))
        assert [f for f, _ in header] == ["id_contrat"], header
        months = [year * 12 + m for m in range(12)]
        by_contract: dict[str, dict[int, float]] = {}
        for contract, month, hours in rows:
            by_contract.setdefault(contract, {})[int(month)] = float(hours)
        sep, rate = self.spec.hours_hm or ("h", 0.0)
        draw = Uniforms(_stream(self.seed, self.spec.name, "heures", str(year)))
        path = self.root / self.spec.file_name("heures", year)
        encoding = "utf-8-sig" if self.book is not None else self.spec.encoding
        writer = CsvWriter(path, encoding, [header[0][1], *(month_header(m) for m in months), "Total"], crlf=False)
        records = 0
        for contract, worked in by_contract.items():
            cells = []
            for m in months:
                hours = worked.get(m)
                if hours is None:
                    cells.append("")
                    continue
                records += 1
                cells.append(hours_hm(hours, sep) if draw() < rate else decimal_comma(hours))
            writer.write([contract, *cells, decimal_comma(sum(worked.values()))])
        writer.close()
        self.files.append(
            {
                "path": str(path.relative_to(self.root.parent.parent)),
                "table": "heures",
                "rows": records,  # exchange-format rows (what the loader reads): one per non-empty month cell
                "lines": writer.rows,
                "layout": "months_as_columns",
            }
        )

    def planted_unknown_labels(self) -> list[dict]:
        return [
            {"source": self.spec.name, "table": table, "field": field, "label": label, "rows": n}
            for (table, field), lab in sorted(self.labellers.items())
            for label, n in sorted(lab.planted.items())
        ]

    def close(self) -> None:
        if self.book is not None:
            self.book.save()

    def described_files(self) -> list[dict]:
        out = []
        for f in self.files:
            f = dict(f, source=self.spec.name, mapping=self.spec.mapped)
            if "sheet" in f:
                f.update(format="xlsx", encoding=None, separator=None, header_row=2)
            else:
                encoding = "utf-8-sig" if self.book is not None else self.spec.encoding
                f.update(format="csv", encoding=encoding, separator=";", header_row=1)
            out.append(f)
        return out


def generate(preset: str | Preset, seed: int, out: Path | str) -> dict:
    started = time.perf_counter()
    preset = PRESETS[preset] if isinstance(preset, str) else preset
    out = Path(out)
    ref = load_reference()
    sk, knobs, figures = calibrate(preset, seed)
    ent = build(preset, sk, ref, seed)
    rng = np.random.default_rng([seed, 4])
    people = People(rng, ref, sk.p_entry, sk.p_track, [s.deps for s in sk.sources], sk.p_source)
    extraction = day(preset.last_year, 12, 31)
    dates = DateStrings(day(1935), day(preset.last_year + 15, 12, 31))

    # Paris residents: arrondissement codes for the sources that export them (a QPV resident: his QPV's)
    arm = ref.communes.arm_code
    arm_w = ref.communes.arm_population / ref.communes.arm_population.sum()
    person_arm = arm[rng.choice(arm.size, sk.p_entry.size, p=arm_w)]
    person_arm = np.array([ref.qpv_arrondissement.get(qpv, a) for qpv, a in zip(people.qpv, person_arm, strict=True)])

    # identifiers per source
    marche_ids: dict[int, str] = {}
    for si, spec in enumerate(sk.sources):
        fmt = ID_FORMATS[spec.style][2]
        ms = np.flatnonzero(ent.m_source == si)
        ms = ms[np.argsort(ent.m_notif[ms], kind="stable")]
        for k, m in enumerate(ms, start=1):
            marche_ids[int(m)] = fmt.format(k=k, y=to_date(int(ent.m_notif[m])).year)
    plan = decp.plan(ent, ref, sk.sources, marche_ids, preset.last_year, seed)

    files: list[dict] = []
    identities: list[dict] = []
    defects: list[dict] = []
    planted_labels: list[dict] = []
    for si, spec in enumerate(sk.sources):
        writer = SourceWriter(spec, out, preset, dates, seed)
        _write_source(
            si, spec, writer, sk, ent, people, person_arm, marche_ids, plan, preset, extraction, identities, defects
        )
        writer.close()
        files += writer.described_files()
        planted_labels += writer.planted_unknown_labels()

    # DECP: per-buyer XML for a few buyers, one consolidated JSON per notification year for the rest
    decp_files = _write_decp(out / "decp", plan.records, preset.decp_xml_buyers)
    files += decp_files

    counts: dict[str, int] = {}
    for f in files:
        counts[f["table"]] = counts.get(f["table"], 0) + f["rows"]
    by_person: dict[tuple, list] = {}
    for ident in identities:
        by_person.setdefault((ident["nom"].upper(), ident["prenom"], ident["date_naissance"]), []).append(
            ident["source"]
        )
    manifest = {
        "generator": "demo_generator",
        "version": GENERATOR_VERSION,
        "preset": preset.name,
        "seed": seed,
        "years": [preset.first_year, preset.last_year],
        "extraction_date": to_date(extraction).strftime("%d/%m/%Y"),
        "calibration_year": preset.calibration_year,
        "calibration_targets": {
            "beneficiaries": preset.beneficiaries,
            "hours": preset.hours,
            "programme_beneficiaries": preset.programme_beneficiaries,
            "programme_contracts": preset.programme_contracts,
            "programme_contract_months": preset.programme_contract_months,
        },
        "calibration_skeleton": figures.__dict__,
        "files": files,
        "counts": counts,
        "identities": identities,
        "cross_source_duplicates": [
            {"nom": k[0], "prenom": k[1], "date_naissance": k[2], "sources": sorted(v)}
            for k, v in sorted(by_person.items())
            if len(set(v)) > 1
        ],
        "decp_links": plan.links,
        "defects": defects,
        # labels in no vocabulary, written on purpose in optional coded fields: value issues, not rejects
        "unknown_labels": planted_labels,
        "generation_seconds": round(time.perf_counter() - started, 2),
    }
    out.mkdir(parents=True, exist_ok=True)
    # generation_seconds varies between runs: keep it out of the deterministic manifest
    timing = manifest.pop("generation_seconds")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    manifest["generation_seconds"] = timing
    return manifest


def _write_decp(root: Path, records: list[dict], xml_buyers: int) -> list[dict]:
    by_buyer: dict[str, list[dict]] = {}
    for rec in records:
        by_buyer.setdefault(rec["acheteur"]["id"], []).append(rec)
    communes = sorted(b for b in by_buyer if b.startswith("21"))
    xml = set(communes[:xml_buyers])
    files = []
    by_year: dict[str, list[dict]] = {}
    for rec in records:
        if rec["acheteur"]["id"] not in xml:
            by_year.setdefault(rec["dateNotification"][:4], []).append(rec)
    for year, recs in sorted(by_year.items()):
        path = root / f"decp_idf_{year}.json"
        files.append(
            {
                "path": f"decp/{path.name}",
                "table": "decp",
                "format": "json",
                "encoding": "utf-8",
                "rows": decp.write_json(path, recs),
            }
        )
    for siret in sorted(xml):
        for year in sorted({r["dateNotification"][:4] for r in by_buyer[siret]}):
            recs = [r for r in by_buyer[siret] if r["dateNotification"][:4] == year]
            path = root / f"DECP-{siret}-{year}.xml"
            files.append(
                {
                    "path": f"decp/{path.name}",
                    "table": "decp",
                    "format": "xml",
                    "encoding": "utf-8",
                    "rows": decp.write_xml(path, recs),
                }
            )
    return files


def _write_source(
    si: int,
    spec: SourceSpec,
    w: SourceWriter,
    sk: Skeleton,
    ent: Entities,
    people: People,
    person_arm: np.ndarray,
    marche_ids: dict[int, str],
    plan: decp.DecpPlan,
    preset: Preset,
    extraction: int,
    identities: list[dict],
    defects: list[dict],
) -> None:
    pid_fmt, cid_fmt, _ = ID_FORMATS[spec.style]
    plant = spec.name in ("coordination_93", "sgp_grand_paris_express")

    def defect(kind: str, table: str, file_rows: int | None, detail: str, year: int | None = None) -> None:
        in_book = w.book is not None and table != "heures"
        path = (w.book.path if in_book else w.root / spec.file_name(table, year)).relative_to(w.root.parent.parent)
        defects.append(
            {
                "kind": kind,
                "source": spec.name,
                "table": table,
                "file": str(path),
                "line": None if file_rows is None else file_rows + 2,
                "detail": detail,
            }
        )

    if spec.tracking:
        # operations
        ops = np.flatnonzero(ent.o_source == si)
        w.table(
            "operations",
            (
                [
                    ent.o_code[o],
                    ent.o_name[o],
                    PROGRAMMES[ent.o_programme[o]] or "AUTRE",
                    ent.o_moa[o][0],
                    ent.o_moa[o][1],
                    ent.o_commune[o],
                    int(ent.o_start[o]),
                    int(ent.o_end[o]),
                ]
                for o in ops
            ),
        )
        # marchés
        ms = sorted(np.flatnonzero(ent.m_source == si).tolist(), key=lambda m: marche_ids[m])
        w.table(
            "marches",
            (
                [
                    marche_ids[m],
                    ent.o_code[ent.m_operation[m]] if ent.m_operation[m] >= 0 else "",
                    ent.m_buyer[m][0],
                    plan.id_decp_by_marche.get(m, ""),
                    ent.m_objet[m],
                    ent.m_cpv[m],
                    float(ent.m_montant[m]),
                    int(ent.m_notif[m]),
                    ent.m_base[m],
                    float(ent.m_hours_planned[m]),
                    ent.m_lot[m],
                ]
                for m in ms
            ),
        )
        # entreprises
        extra_by_m: dict[int, list] = {}
        for m, siret, name, role, kind in ent.extra_companies:
            extra_by_m.setdefault(m, []).append((siret, name, role, kind))

        def companies():
            for m in ms:
                tit = ent.m_titulaire[m]
                yield [marche_ids[m], tit[0], tit[1], "titulaire", tit[2]]
                for siret, name, role, kind in extra_by_m.get(m, []):
                    yield [marche_ids[m], siret, name, role, kind]

        w.table("entreprises", companies())

        # participants (persons with a contract tracked here), by first contract start
        cs = np.flatnonzero(sk.c_source == si)
        persons, first_idx = np.unique(sk.c_person[cs], return_index=True)
        first_start = sk.c_start[cs][first_idx]
        order = np.lexsort((persons, first_start))
        persons, first_start = persons[order], first_start[order]
        pid = {int(p): pid_fmt.format(k=k) for k, p in enumerate(persons, start=1)}
        exported = {f for f, _ in spec.headers("participants", field_names("participants"))}
        postal = "code_postal_residence" in exported
        residence = PostalResidence(load_postal_book(), _stream(w.seed, spec.name, "residence")) if postal else None

        def participant_rows():
            for p, fs in zip(persons.tolist(), first_start.tolist(), strict=True):
                primary = sk.p_source[p] == si
                entry = int(sk.p_entry[p]) if primary else int(fs) - 5
                nom = people.nom(p).upper() if spec.uppercase_names else people.nom(p)
                birth = int(people.birth[p])
                commune = str(people.commune[p])
                if commune == "75056" and (spec.paris_arrondissements or postal):
                    commune = str(person_arm[p])
                postcode, town = residence(commune) if residence is not None else ("", "")
                identities.append(
                    {
                        "source": spec.name,
                        "id_participant": pid[p],
                        "nom": nom,
                        "prenom": people.prenom(p),
                        "date_naissance": w.fmt.dates(birth),
                    }
                )
                yield [
                    pid[p],
                    nom,
                    people.prenom(p),
                    birth,
                    "F" if people.female[p] else "M",
                    commune,
                    people.qpv[p],
                    int(people.niveau[p]) if people.niveau_known[p] else "",
                    people.publics(p),
                    people.prescripteur[p],
                    entry,
                    people.courriel(p),
                    people.telephone(p),
                    people.adresse(p),
                    people.nir(p, to_date(birth)) if spec.exports_nir else "",
                    postcode,
                    town,
                    "oui" if people.qpv[p] else "non",
                ]

        mutations: dict[int, Mutation] = {}
        if plant and spec.name == "coordination_93" and persons.size > 6:
            mutations[5] = lambda r: r[:5] + ["93999"] + r[6:]
            defect("commune_inconnue", "participants", 5, "commune_residence 93999 is not in the COG")
        w.table("participants", participant_rows(), mutations=mutations)

        # contracts
        cid = {int(c): cid_fmt.format(k=k) for k, c in enumerate(cs, start=1)}
        open_types = {TYPES.index(t) for t in OPEN_ENDED}

        def contract_rows():
            for c in cs.tolist():
                fin = "" if sk.c_type[c] in open_types else int(sk.c_end[c])
                yield [
                    cid[c],
                    pid[int(sk.c_person[c])],
                    marche_ids[int(ent.c_marche[c])],
                    ent.c_employer[c],
                    TYPES[sk.c_type[c]],
                    MODALITES[sk.c_modalite[c]],
                    int(sk.c_start[c]),
                    fin,
                ]

        mutations = {}
        if plant and spec.name == "coordination_93" and cs.size > 4:
            mutations[3] = lambda r: r[:3] + [break_luhn(r[3])] + r[4:]
            defect("employeur_siret_luhn", "contrats_travail", 3, "employeur_siret fails the Luhn check")
        if plant and spec.name == "sgp_grand_paris_express" and cs.size > 10:
            mutations[7] = lambda r: r[:7] + [int(r[6]) - 10]
            defect("contrat_dates_inverted", "contrats_travail", 7, "date_fin is 10 days before date_debut")
            mutations[9] = lambda r: r[:4] + ["CDI CHANTIER"] + r[5:]
            defect("nomenclature_inconnue", "contrats_travail", 9, "type_contrat 'CDI CHANTIER' not in nomenclature")
        w.table("contrats_travail", contract_rows(), mutations=mutations)

        # hours, one file per year (coordination_92: CSV files beside its workbook)
        hsel = np.flatnonzero(sk.c_source[sk.h_contract] == si)
        years = sk.h_month[hsel] // 12
        hours = sk.h_hours.copy()
        for year in range(preset.first_year, preset.last_year + 1):
            rows_idx = hsel[years == year]
            appended: list[Row] = []
            if plant and year == preset.calibration_year and rows_idx.size > 20:
                if spec.name == "coordination_93":
                    hours[rows_idx[10]] = 320.0
                    defect("heures_above_300", "heures", 10, "320 hours in one month", year)
                    # a month after the contract ended
                    ended = [
                        c
                        for c in cs.tolist()
                        if sk.c_type[c] not in open_types
                        and month_of(sk.c_end[c] + 0) // 12 == year
                        and month_of(sk.c_end[c]) % 12 <= 9
                    ]
                    if ended:
                        c = ended[0]
                        month = int(month_of(sk.c_end[c])) + 2
                        appended.append([cid[c], month, 35.0])
                        defect(
                            "heures_outside_contract",
                            "heures",
                            rows_idx.size,
                            f"{cid[c]} worked in {month_string(month)}, after its date_fin",
                            year,
                        )
                else:
                    first = rows_idx[0]
                    appended.append([cid[int(sk.h_contract[first])], int(sk.h_month[first]), 12.0])
                    defect(
                        "heures_duplicate_key",
                        "heures",
                        rows_idx.size,
                        "second row for the same (id_contrat, mois)",
                        year,
                    )
                    appended.append(["K9999999", year * 12, 40.0])
                    defect(
                        "heures_orphan_contract",
                        "heures",
                        rows_idx.size + 1,
                        "id_contrat K9999999 is in no contract file",
                        year,
                    )
            w.table(
                "heures",
                ([cid[int(sk.h_contract[h])], int(sk.h_month[h]), float(hours[h])] for h in rows_idx),
                year=year,
                appended=appended,
            )

        # exits (recorded by the source of the person's last contract)
        exits = [p for p in persons.tolist() if ent.exit_contract[p] >= 0 and sk.c_source[ent.exit_contract[p]] == si]
        w.table(
            "sorties",
            ([pid[p], int(sk.c_end[ent.exit_contract[p]]), ent.exit_situation[p], ent.exit_6m[p]] for p in exits),
        )

    if spec.engagements:
        w.table("engagements_moa", _engagements(spec, ent, preset))


class PostalResidence:
    """Residence as a tool that asks for an address writes it: postal code + town name, the name sometimes as
    La Poste writes it (capitals, no accents), sometimes as people type it (accents, hyphens or not)."""

    def __init__(self, book: PostalBook, rng: np.random.Generator) -> None:
        self.book, self.draw = book, Uniforms(rng)

    def __call__(self, commune: str) -> tuple[str, str]:
        options = self.book.by_commune.get(commune, ())
        cog = self.book.cog_name.get(commune, "")
        if commune.startswith("751"):
            cog = "Paris"  # nobody types "Paris 11e Arrondissement"
        if not options:
            return "", cog
        codes = sorted({code for code, _ in options})
        code = codes[int(self.draw() * len(codes))]
        laposte = next(name for c, name in options if c == code)
        u = self.draw()
        if u < 0.55 or not cog:
            return code, laposte
        if u < 0.93:
            return code, cog
        typed = cog.replace("-", " ") if u < 0.97 else variant(cog, (u - 0.97) / 0.03)
        return code, typed


def _engagements(spec: SourceSpec, ent: Entities, preset: Preset) -> Iterator[Row]:
    rng = np.random.default_rng([len(ent.o_code), 5])
    planned_by_op = np.bincount(
        ent.m_operation[ent.m_operation >= 0],
        weights=ent.m_hours_planned[ent.m_operation >= 0],
        minlength=len(ent.o_code),
    )
    for programme in spec.engagements:
        moa_name, moa_siret = MOA_BY_PROGRAMME[programme]
        ops = np.flatnonzero(ent.o_programme == PROGRAMMES.index(programme))
        for o in sorted(ops.tolist(), key=lambda o: ent.o_code[o]):
            y0 = max(to_date(int(ent.o_start[o])).year, preset.first_year)
            y1 = min(to_date(int(ent.o_end[o])).year, preset.last_year)
            years = list(range(y0, y1 + 1)) or [y0]
            per_year = planned_by_op[o] / len(years)
            for year in years:
                yield [
                    programme,
                    moa_name,
                    moa_siret,
                    ent.o_code[o],
                    year,
                    float(round(per_year * rng.uniform(0.9, 1.25), -1)),
                ]
