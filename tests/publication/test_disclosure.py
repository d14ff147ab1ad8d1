"""Statistical disclosure control: hand-computed small tables, then random tables (hypothesis) where every masked
cell is checked unrecoverable by linear programming (scipy linprog) over the published cells and the additivity
equations, independently of how ``protect`` decides."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.optimize import linprog

from observatoire.publication import disclosure
from observatoire.publication.disclosure import AdditiveGroup, additive_groups, margin_groups, protect
from observatoire.publication.open_data import _Geography, _with_qpv_rows
from observatoire.settings import load_settings

# ---------------------------------------------------------------------------------------------------------------
# Hand-computed examples


def masked(frame: pd.DataFrame, key: str = "cell") -> set[str]:
    return set(frame.loc[frame["secret"], key])


def test_one_way_table_masks_the_small_cell_and_the_next_smallest() -> None:
    # 30 = 3 + 12 + 15: 3 is below 11; alone it would be 30 - 12 - 15, so 12 (next smallest) goes too.
    frame = pd.DataFrame({"cell": ["total", "a", "b", "c"], "n": [30, 3, 12, 15], "hours": [300.0, 31.5, 120.0, 148.5]})
    result = protect(frame, count="n", threshold=11, groups={"n": [AdditiveGroup(0, (1, 2, 3))]}, derived=["hours"])
    assert masked(result) == {"a", "b"}
    assert result["n"].isna().tolist() == [False, True, True, False]
    assert result["hours"].isna().tolist() == [False, True, True, False]
    assert result.loc[3, "n"] == 15 and result.loc[3, "hours"] == 148.5 and result.loc[0, "n"] == 30


def test_zero_is_published_and_never_chosen_for_secondary_suppression() -> None:
    # 15 = 0 + 15: nothing to mask. 19 = 4 + 0 + 15: 4 masked, the zero is skipped, 15 goes with it.
    no_secret = pd.DataFrame({"cell": ["total", "F", "M"], "n": [15, 0, 15]})
    assert masked(protect(no_secret, count="n", threshold=11, groups={"n": [AdditiveGroup(0, (1, 2))]})) == set()
    frame = pd.DataFrame({"cell": ["total", "a", "b", "c"], "n": [19, 4, 0, 15]})
    result = protect(frame, count="n", threshold=11, groups={"n": [AdditiveGroup(0, (1, 2, 3))]})
    assert masked(result) == {"a", "c"}
    assert result.loc[2, "n"] == 0


def test_masked_members_of_a_published_total_hold_at_least_the_threshold() -> None:
    # 40 = 1 + 1 + 38: the two 1s masked would be known to sum to 2 ("at most 2 people each"): 38 goes too.
    frame = pd.DataFrame({"cell": ["total", "a", "b", "c"], "n": [40, 1, 1, 38]})
    result = protect(frame, count="n", threshold=11, groups={"n": [AdditiveGroup(0, (1, 2, 3))]})
    assert masked(result) == {"a", "b", "c"}


def test_two_way_table_with_margins_is_protected_in_both_directions() -> None:
    # women/men x young/old; F-young = 2. Row F: F-old must go; columns young and old: M-young and M-old too.
    cells = {("F", "young"): 2, ("F", "old"): 20, ("M", "young"): 30, ("M", "old"): 40}
    rows = []
    for sex in ("all", "F", "M"):
        for age in ("all", "young", "old"):
            value = sum(v for (s, a), v in cells.items() if sex in ("all", s) and age in ("all", a))
            rows.append({"cell": f"{sex}|{age}", "sex": sex, "age": age, "n": value})
    frame = pd.DataFrame(rows)
    groups = additive_groups(frame, totals=frame["age"] == "all", members=frame["age"] != "all", on=["sex"])
    groups += additive_groups(frame, totals=frame["sex"] == "all", members=frame["sex"] != "all", on=["age"])
    assert len(groups) == 6
    result = protect(frame, count="n", threshold=11, groups={"n": groups})
    assert masked(result) == {"F|young", "F|old", "M|young", "M|old"}
    assert result.set_index("cell").loc[["all|all", "F|all", "M|all", "all|young", "all|old"], "n"].tolist() == [
        92,
        22,
        70,
        32,
        60,
    ]


def test_a_cell_determined_by_several_groups_together_is_caught_by_the_audit() -> None:
    # a + b = 23, a + c = 33, b + c = 50 (all published): every group keeps two unknowns once b and c are masked,
    # yet a = (23 + 33 - 50) / 2 = 3. The audit masks the smallest published cell of a group of a: t1 = 23.
    frame = pd.DataFrame({"cell": ["t1", "t2", "t3", "a", "b", "c"], "n": [23, 33, 50, 3, 20, 30]})
    groups = [AdditiveGroup(0, (3, 4)), AdditiveGroup(1, (3, 5)), AdditiveGroup(2, (4, 5))]
    result = protect(frame, count="n", threshold=11, groups={"n": groups})
    assert masked(result) == {"a", "b", "c", "t1"}


def test_margin_groups_link_each_sankey_node_to_the_flows_reaching_and_leaving_it() -> None:
    # public (a, b) -> contract (x) -> outcome (u, v): flows a>x 3, b>x 20, x>u 8, x>v 15; nodes and total 23.
    rows = [
        ("a", "x", "*", 3), ("b", "x", "*", 20), ("*", "x", "u", 8), ("*", "x", "v", 15),
        ("a", "*", "*", 3), ("b", "*", "*", 20), ("*", "x", "*", 23), ("*", "*", "u", 8), ("*", "*", "v", 15),
        ("*", "*", "*", 23),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["public", "contract", "outcome", "n"])
    frame["cell"] = frame["public"] + ">" + frame["contract"] + ">" + frame["outcome"]
    groups = margin_groups(frame, dimensions=["public", "contract", "outcome"], on=[], total="*")
    as_cells = {(frame.loc[g.total, "cell"], frozenset(frame.loc[list(g.members), "cell"])) for g in groups}
    assert ("*>x>*", frozenset({"a>x>*", "b>x>*"})) in as_cells  # the contract node from the flows reaching it
    assert ("*>x>*", frozenset({"*>x>u", "*>x>v"})) in as_cells  # ... and from those leaving it
    assert ("*>*>*", frozenset({"*>*>u", "*>*>v"})) in as_cells and len(groups) == 9
    # a>x (3) and its node a (3) are masked; b>x and b (20) then go with them, else 23 - 20 = 3; x>u (8) masked,
    # and x>v (15) and the outcome nodes u and v with it (the node x, 23, still published).
    result = protect(frame, count="n", threshold=11, groups={"n": groups})
    assert masked(result) == {"a>x>*", "b>x>*", "a>*>*", "b>*>*", "*>x>u", "*>x>v", "*>*>u", "*>*>v"}


def test_hidden_cell_is_protected_and_dropped() -> None:
    # Hauts-de-Seine (34) = T2 (30, published) + its piece of Boucle Nord (4, never published, hidden): 34 - 30
    # would reveal the 4. T2 (smaller than the département) is masked; the hidden rows are not returned.
    frame = pd.DataFrame(
        {
            "cell": ["92", "T2", "92|T5", "T5", "95|T5"],
            "n": [34, 30, 4, 29, 25],
            "hidden": [False, False, True, False, True],
        }
    )
    groups = [AdditiveGroup(0, (1, 2)), AdditiveGroup(3, (2, 4))]
    result = protect(frame, count="n", threshold=11, groups={"n": groups}, hidden="hidden")
    assert list(result["cell"]) == ["92", "T2", "T5"] and "hidden" not in result.columns
    assert masked(result) == {"T2"}


def test_groups_additive_in_a_derived_column_protect_it() -> None:
    # People do not add up over months (same person), hours do: 12 month cells of a year, one with 3 people.
    months = pd.DataFrame({"cell": [f"m{i}" for i in range(1, 13)], "n": [3] + [20] * 11})
    months["hours"] = [30.0] + [200.0 + i for i in range(11)]
    year = pd.DataFrame({"cell": ["year"], "n": [40], "hours": [months["hours"].sum()]})
    frame = pd.concat([year, months], ignore_index=True)
    groups = {"hours": [AdditiveGroup(0, tuple(range(1, 13)))]}
    result = protect(frame, count="n", threshold=11, groups=groups, derived=["hours"])
    assert masked(result) == {"m1", "m2"}  # m2: first of the smallest published counts (20)
    assert result.loc[result["secret"], "hours"].isna().all()


def test_wrong_grouping_and_bad_counts_are_refused_with_the_row_named() -> None:
    frame = pd.DataFrame({"n": [10, 3, 5]}, index=["total", "a", "b"])
    with pytest.raises(ValueError, match="group of total 'total' does not add up in 'n': total 10.0 but"):
        protect(frame, count="n", threshold=11, groups={"n": [AdditiveGroup("total", ("a", "b"))]})
    with pytest.raises(ValueError, match=r"count column 'n' has NULL values \(rows \['a'\]\)"):
        protect(frame.astype({"n": "Int64"}).assign(n=[10, None, 5]), count="n", threshold=11)
    with pytest.raises(ValueError, match="names rows that are not in the table: \\['c'\\]"):
        protect(frame, count="n", threshold=11, groups={"n": [AdditiveGroup("total", ("a", "c"))]})


def test_threshold_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBSERVATOIRE_SECRECY_THRESHOLD", raising=False)
    assert load_settings().secrecy_threshold == 11
    monkeypatch.setenv("OBSERVATOIRE_SECRECY_THRESHOLD", "5")
    assert load_settings().secrecy_threshold == 5
    monkeypatch.setenv("OBSERVATOIRE_SECRECY_THRESHOLD", "onze")
    with pytest.raises(ValueError, match="OBSERVATOIRE_SECRECY_THRESHOLD='onze'"):
        load_settings()


# ---------------------------------------------------------------------------------------------------------------
# Random tables


@dataclass
class Table:
    frame: pd.DataFrame  # columns: n (count), hours (derived), hidden
    groups: list[tuple[int, tuple[int, ...]]]  # (total, members) by position: what the attacker knows
    #: the groups given to protect() when they are not ``groups`` (built by the code under test)
    protected_groups: list[tuple[int, tuple[int, ...]]] | None = None


def count() -> st.SearchStrategy[int]:
    """Mostly small counts, so that masking is frequent, with zeros and large values."""
    return st.one_of(st.integers(0, 12), st.integers(0, 3), st.integers(10, 60))


def build(values: list[int], groups: list[tuple[int, tuple[int, ...]]], hidden: set[int] = frozenset()) -> Table:
    frame = pd.DataFrame({"n": values, "hidden": [i in hidden for i in range(len(values))]})
    frame["hours"] = frame["n"] * 35.5
    return Table(frame, groups)


@st.composite
def one_way(draw: st.DrawFn) -> Table:
    cells = draw(st.lists(count(), min_size=2, max_size=7))
    return build([sum(cells), *cells], [(0, tuple(range(1, len(cells) + 1)))])


@st.composite
def two_way(draw: st.DrawFn) -> Table:
    """rows x columns with row and column margins and the grand total (all published cells)."""
    n_rows, n_cols = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    inner = [[draw(count()) for _ in range(n_cols)] for _ in range(n_rows)]
    values: list[int] = [sum(map(sum, inner))]
    col_total = [len(values) + j for j in range(n_cols)]
    values += [sum(row[j] for row in inner) for j in range(n_cols)]
    row_total, cell = [], {}
    for i, row in enumerate(inner):
        row_total.append(len(values))
        values.append(sum(row))
        for j, value in enumerate(row):
            cell[i, j] = len(values)
            values.append(value)
    groups = [(0, tuple(col_total)), (0, tuple(row_total))]
    groups += [(row_total[i], tuple(cell[i, j] for j in range(n_cols))) for i in range(n_rows)]
    groups += [(col_total[j], tuple(cell[i, j] for i in range(n_rows))) for j in range(n_cols)]
    return build(values, groups)


@st.composite
def hierarchy(draw: st.DrawFn) -> Table:
    """region -> départements -> communes, all published; or, with pieces, région -> départements -> hidden pieces
    -> communes plus an EPT made of the first piece of two départements (it straddles them, like Boucle Nord de
    Seine): the pieces are never published but implied by the totals."""
    with_pieces = draw(st.booleans())
    tree = draw(
        st.lists(
            st.lists(st.lists(count(), min_size=1, max_size=4), min_size=2 if with_pieces else 1, max_size=3),
            min_size=2,
            max_size=4,
        )
    )
    values: list[int] = [sum(c for pieces in tree for communes in pieces for c in communes)]
    groups: list[tuple[int, tuple[int, ...]]] = []
    hidden: set[int] = set()
    departements, first_pieces = [], []

    def add(value: int) -> int:
        values.append(value)
        return len(values) - 1

    for pieces in tree:
        departement = add(sum(c for communes in pieces for c in communes))
        departements.append(departement)
        if with_pieces:
            positions = []
            for communes in pieces:
                piece = add(sum(communes))
                hidden.add(piece)
                groups.append((piece, tuple(add(c) for c in communes)))
                positions.append(piece)
            groups.append((departement, tuple(positions)))
            first_pieces.append(positions[0])
        else:
            groups.append((departement, tuple(add(c) for communes in pieces for c in communes)))
    groups.append((0, tuple(departements)))
    if with_pieces:
        ept = add(values[first_pieces[0]] + values[first_pieces[1]])
        groups.append((ept, (first_pieces[0], first_pieces[1])))
    return build(values, groups, hidden)


@st.composite
def sankey(draw: st.DrawFn, nodes: int = 3) -> Table:
    """Paths public -> contract -> outcome published as a Sankey: the public x contract and contract x outcome
    tables with every margin (nodes, total; zeros published too, as the absent rows of the open data are), in one
    or two territories and, with two, their region. protect() gets the groups of ``margin_groups`` and of the
    territories adding up to the region; the attacker, independently, knows each published row as the sum of
    the people's paths (public, contract, outcome) of its territories: hidden rows, never published. ``nodes``:
    the largest number of nodes in a column."""
    sizes = [draw(st.integers(1, nodes)) for _ in range(3)]
    territories = draw(st.integers(1, 2))
    keys = list(itertools.product(*(range(size) for size in sizes)))
    paths = [
        dict(zip(keys, draw(st.lists(count(), min_size=len(keys), max_size=len(keys))), strict=True))
        for _ in range(territories)
    ]
    places = [(territory,) for territory in range(territories)] + ([(0, 1)] if territories == 2 else [])
    stages = ["public", "contract", "outcome"]
    rows, path_rows = [], {}
    for territory, counts in enumerate(paths):  # the hidden paths, first
        for key, value in counts.items():
            path_rows[territory, key] = len(rows)
            rows.append((territory, *map(str, key), value, True))
    published = []
    for place, within in enumerate(places):
        for pattern in [(), (0,), (1,), (2,), (0, 1), (1, 2)]:
            cells: dict[tuple[str, ...], list[int]] = {}
            for (territory, key), position in path_rows.items():
                if territory in within:
                    cell = tuple(str(key[d]) if d in pattern else "all" for d in range(3))
                    cells.setdefault(cell, []).append(position)
            for cell, members in cells.items():
                published.append((len(rows), tuple(members)))
                rows.append((place, *cell, sum(rows[m][4] for m in members), False))
    frame = pd.DataFrame(rows, columns=["territory", *stages, "n", "hidden"])
    visible = frame[~frame["hidden"]]
    groups = margin_groups(visible, dimensions=stages, on=["territory"], total="all")
    if territories == 2:
        groups += additive_groups(
            visible, totals=visible["territory"] == 2, members=visible["territory"] < 2, on=stages
        )
    table = build(frame["n"].tolist(), published, set(frame.index[frame["hidden"]]))
    table.protected_groups = [(group.total, group.members) for group in groups]
    return table


@st.composite
def qpv_residents(draw: st.DrawFn) -> Table:
    """beneficiaires_par_qpv with the QPV residents of beneficiaires_par_territoire it adds up to: QPV cells (one
    per QPV x commune, and the unknown QPV of a commune) in communes of départements, with or without hidden pieces
    (two départements split between an EPT straddling them and the rest, like Boucle Nord de Seine), and the
    QPV-resident totals of the region, the départements, the EPT and the pieces. protect() gets the groups the
    open-data builder makes (open_data._with_qpv_rows, and the geography of the territories); the attacker knows,
    independently, every territory total as the sum of the QPV cells of its communes, and the region as the sum of
    the départements."""
    with_pieces = draw(st.booleans())
    departements = [f"D{d}" for d in range(draw(st.integers(2, 3)))]
    communes, cells = [], []
    for departement in departements:
        pieces = [f"{departement}|E", f"{departement}|hors"] if with_pieces and departement != "D2" else [None]
        for piece in pieces:
            for _ in range(draw(st.integers(1, 2))):
                commune = f"C{len(communes)}"
                communes.append((commune, departement, "E" if piece and piece.endswith("|E") else None, piece))
                for qpv in [*(f"Q{q}" for q in range(draw(st.integers(1, 3)))), "inconnu"]:
                    cells.append(
                        {"annee": 2024, "code_qpv": qpv, "code_commune": commune, "beneficiaires": draw(count())}
                    )
    # text columns as DuckDB gives them to the open-data builder (object dtype)
    places = pd.DataFrame(communes, columns=["commune_code", "departement_code", "ept_code", "piece"], dtype=object)
    geography = _Geography(places, frozenset(places["piece"].dropna()), {})
    qpv = (
        pd.DataFrame(cells)
        .astype({"code_qpv": object, "code_commune": object})
        .assign(code_departement=lambda f: f["code_commune"].map(places.set_index("commune_code")["departement_code"]))
    )
    placed = qpv.merge(places, left_on="code_commune", right_on="commune_code")
    totals = [("region", "11", placed)]
    totals += [("departement", code, rows) for code, rows in placed.groupby("departement_code")]
    totals += [("ept", code, rows) for code, rows in placed.groupby("ept_code")]
    totals += [("morceau", code, rows) for code, rows in placed.groupby("piece")]
    territories = pd.DataFrame(
        [(2024, level, code, "residence_qpv", "QPV", int(rows["beneficiaires"].sum())) for level, code, rows in totals],
        columns=["annee", "niveau_territoire", "code_territoire", "dimension", "modalite", "beneficiaires"],
    )
    territories = geography.annotate(territories.astype({"niveau_territoire": object, "code_territoire": object}))
    frame, qpv_groups = _with_qpv_rows(territories, qpv, geography)
    geographic = geography.groups(territories, within=["annee", "dimension", "modalite"])
    # the attacker's equations, from the true structure
    position = {
        (level, code): i
        for i, (level, code) in enumerate(zip(frame["niveau_territoire"], frame["code_territoire"], strict=True))
        if not frame.loc[i, "_qpv"]
    }
    cell_rows = frame.index[frame["_qpv"]]
    commune_of = dict(zip(places["commune_code"], places.itertuples(index=False), strict=True))
    groups = [(position["region", "11"], tuple(position["departement", code] for code in departements))]
    for (level, code), total in position.items():
        column = {"departement": "departement_code", "ept": "ept_code", "morceau": "piece"}.get(level)
        if column:
            members = [i for i in cell_rows if getattr(commune_of[frame.loc[i, "code_commune"]], column) == code]
            groups.append((total, tuple(members)))
    table = build(frame["beneficiaires"].tolist(), groups, set(frame.index[frame["hidden"]]))
    table.protected_groups = [(group.total, group.members) for group in [*geographic, *qpv_groups]]
    return table


def apply(table: Table, threshold: int) -> pd.DataFrame:
    given = table.groups if table.protected_groups is None else table.protected_groups
    groups = [AdditiveGroup(total, members) for total, members in given]
    return protect(
        table.frame,
        count="n",
        threshold=threshold,
        groups={"n": groups},
        derived=["hours"],
        hidden="hidden" if table.frame["hidden"].any() else None,
    )


def feasible_interval(table: Table, published: dict[int, int], cell: int) -> tuple[float, float]:
    """Min and max of ``cell`` over non-negative tables agreeing with the published cells and the groups."""
    unknown = [i for i in range(len(table.frame)) if i not in published]
    column = {position: k for k, position in enumerate(unknown)}
    rows, rhs = [], []
    for total, members in table.groups:
        row = np.zeros(len(unknown))
        constant = 0.0
        for position, sign in [(total, 1.0), *[(m, -1.0) for m in members]]:
            if position in column:
                row[column[position]] += sign
            else:
                constant -= sign * published[position]
        if row.any():
            rows.append(row)
            rhs.append(constant)
    objective = np.zeros(len(unknown))
    objective[column[cell]] = 1.0
    bounds = [(0, None)] * len(unknown)
    low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
    assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def check(table: Table, threshold: int) -> None:
    result = apply(table, threshold)
    visible = table.frame.loc[~table.frame["hidden"]]
    assert list(result.index) == list(visible.index)
    # 1. no published count (nor its hours) in 1..threshold-1; published values are the true ones; zeros published
    shown = result.loc[~result["secret"]]
    assert not shown["n"].between(1, threshold - 1).any()
    assert (shown["n"] == visible.loc[shown.index, "n"]).all()
    assert (shown["hours"] == visible.loc[shown.index, "hours"]).all()
    assert result.loc[result["secret"], ["n", "hours"]].isna().all().all()
    assert not (visible.loc[result["secret"], "n"] == 0).any()
    # 2. no masked cell, nor hidden cell of 1..threshold-1 people, is recoverable
    published = {int(i): int(v) for i, v in shown["n"].items()}
    values = table.frame["n"]
    hidden_sensitive = table.frame.index[table.frame["hidden"] & values.between(1, threshold - 1)]
    for cell in [*result.index[result["secret"]], *hidden_sensitive]:
        low, high = feasible_interval(table, published, int(cell))
        assert low <= values[cell] <= high
        assert high - low > 1e-6, f"cell {cell} (value {values[cell]}) recoverable: {low} .. {high}"
    # 3. under a published total, masked members holding someone below the threshold hold at least the threshold
    for total, members in table.groups:
        hidden_or_masked = [m for m in members if m not in published]
        if total in published and any(1 <= values[m] < threshold for m in hidden_or_masked):
            assert sum(values[m] for m in hidden_or_masked) >= threshold


#: Random tables per property test: 120 in `make test`; `make test-fast` (the quick loop) asks for fewer.
EXAMPLES = int(os.environ.get("OBSERVATOIRE_PROPERTY_EXAMPLES", "120"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(table=one_way(), threshold=st.integers(2, 15))
def test_random_one_way_tables(table: Table, threshold: int) -> None:
    check(table, threshold)


@PROPERTY
@given(table=two_way(), threshold=st.integers(2, 15))
def test_random_two_way_tables_with_margins(table: Table, threshold: int) -> None:
    check(table, threshold)


@PROPERTY
@given(table=hierarchy(), threshold=st.integers(2, 15))
def test_random_territorial_hierarchies(table: Table, threshold: int) -> None:
    check(table, threshold)


@PROPERTY
@given(table=sankey(), threshold=st.integers(2, 15))
def test_random_sankey_flows_with_their_nodes(table: Table, threshold: int) -> None:
    check(table, threshold)


@PROPERTY
@given(table=qpv_residents(), threshold=st.integers(2, 15))
def test_random_qpv_cells_with_the_qpv_residents_of_their_territories(table: Table, threshold: int) -> None:
    check(table, threshold)


@settings(
    max_examples=max(EXAMPLES // 3, 1),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(table=sankey(nodes=5), share=st.floats(0.2, 0.9), seed=st.integers(0, 2**32 - 1))
def test_the_sampled_audit_finds_the_cells_an_exact_rank_test_finds(table: Table, share: float, seed: int) -> None:
    """Larger Sankey tables (the paths, hidden, and every published cell as their sum, with the groups protect()
    gets), a random share of the cells unknown: the audit forced onto random vectors of the null space
    (no dense test) fixes exactly the unknown cells an exact test fixes (scipy's SVD null space: a cell is fixed
    iff every null vector of the unknown columns is 0 on it)."""
    groups = [*table.groups, *(table.protected_groups or [])]
    size = len(table.frame)
    unknown = np.random.default_rng(seed).random(size) < share
    unknown |= table.frame["hidden"].to_numpy(dtype=bool)
    matrix = np.zeros((len(groups), size))
    for row, (total, members) in enumerate(groups):
        matrix[row, total] = 1.0
        matrix[row, list(members)] -= 1.0
    columns = np.flatnonzero(unknown)
    expected = np.zeros(size, dtype=bool)
    expected[columns] = np.linalg.norm(null_space(matrix[:, columns]), axis=1) < 1e-8

    decisions = []
    sampled = disclosure._sampled_row_space

    def spy(block):  # noqa: ANN001, ANN202
        decisions.append(sampled(block))
        return decisions[-1]

    compiled = [disclosure._Group(np.array([total, *members]), on_count=True) for total, members in groups]
    with mock.patch.object(disclosure, "_DENSE_LIMIT", 0), mock.patch.object(disclosure, "_sampled_row_space", spy):
        found = disclosure._Equations(compiled, size).determined(unknown, np.ones(size, dtype=bool))
    assert all(decision is not None for decision in decisions), "the sampled test fell back to the dense one"
    assert (found[unknown] == expected[unknown]).all(), columns[found[unknown] != expected[unknown]]


@PROPERTY
@given(table=sankey(), threshold=st.integers(2, 15))
def test_random_sankey_flows_protected_with_the_sampled_audit_only(table: Table, threshold: int) -> None:
    """The whole protection, every set of unknown cells audited by random null-space vectors (as large tables
    are), still passes the independent linear-programming check."""
    with mock.patch.object(disclosure, "_DENSE_LIMIT", 0):
        check(table, threshold)
