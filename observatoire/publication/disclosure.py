"""Statistical disclosure control (secret statistique): the one place that decides what may be published.

Every published figure about people (beneficiaries, exits) goes through :func:`protect`, applied once when
the open-data aggregates are built; the report, the fiches and the dataviz read only those aggregates.

Rules, for a long table of cells (one row per cell, a count column, optional derived value columns):

1. **Primary suppression.** A count of people from 1 to ``threshold - 1`` (default 11 - 1 = 10, setting
   ``OBSERVATOIRE_SECRECY_THRESHOLD``) is masked.
2. **Zero is published.** A zero cell describes nobody, so it identifies nobody; INSEE and the SSM publish
   zeros in frequency tables, and masking them would hide structural facts (no beneficiary in a commune)
   without protecting anyone. Zeros are therefore never masked and never chosen for secondary suppression
   (masking a zero protects nothing: it adds no uncertainty to the cells it should hide).
3. **Secondary suppression.** Cells that add up (``AdditiveGroup``: a total and the cells summing to it,
   e.g. women + men = all beneficiaries, communes of a département = the département, both directions of a
   sex x age table) must not let a masked cell be recomputed. In every group:

   - never exactly one unknown cell when that cell is masked: the next smallest published, non-zero cell of
     the group is masked too (the total, being the largest, comes last);
   - when the group's total is published, its masked members must together hold at least ``threshold``
     people, so that subtraction can never bound a masked cell below the threshold (1 + 1 masked beside a
     published total would reveal "at most 2");
   - both rules are iterated to a fixpoint (a cell masked in one group may leave another group with a single
     unknown), then the whole system is audited exactly, since groups can combine (in a two-way table, cells
     masked two by two in every row and column can still be solved for): a masked cell is recoverable iff its
     unit vector lies in the row space of the equations restricted to the unknown cells (per set of unknown
     cells linked by equations: rank-revealing QR for small sets, random vectors of the null space computed
     by sparse least squares for large ones, with the QR as fallback). Each recoverable cell sharing no group
     with a cell already handled in the round gets one more suppression (the smallest published non-zero cell
     of its group with the fewest unknowns, else of the nearest group linked to it by unknown cells); the loop
     repeats, auditing again only the sets that changed. Since every masked cell is non-zero, a cell that is
     free in the equations also has a feasible interval of positive width once non-negativity is added (the
     true table is an interior point).

   Dimensions that do not add up (a person may have several eligibility publics) get no group: their cells
   are masked by rule 1 only; each is bounded by the published total, never determined by it.
4. **Derived values are masked with their count**: hours worked, amounts or shares computed on the people of
   a masked cell are set to NULL on the same row. Groups can also be declared additive in such a value column
   (hours add up over months or territories even when distinct people do not): rules 3 then protect the
   masked value the same way.
5. **Hidden cells.** Some quantities are never published but are implied by published totals, e.g. the part
   of an EPT lying in one département (Boucle Nord de Seine straddles the Hauts-de-Seine and the Val-d'Oise).
   Such cells are passed as rows flagged ``hidden``: they take part in the equations, are always unknown, must
   stay unrecoverable when they hold 1 to ``threshold - 1`` people, and are dropped from the result.

The attacker model is the usual one for tables: the published cells, the additivity equations and the
non-negativity of counts. Tables published separately are protected separately; a table must declare every
published total it adds up to (the open-data builder publishes the totals in the same table as the cells).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, sparse
from scipy.sparse import csgraph

SECRET_COLUMN = "secret"
#: relative size below which a diagonal entry of the QR factor counts as zero (the equations have coefficients ±1).
_NULL_TOLERANCE = 1e-9
#: sets of more unknown cells than this are tested with random vectors of the null space (:func:`_sampled_row_space`)
_DENSE_LIMIT = 50
#: random vectors per set, and the bounds of that test: residual ||B z||, |z_j| read as 0, |z_j| read as non-zero
_SAMPLES = 3
_SAMPLED_RESIDUAL = 1e-10
_SAMPLED_ZERO = 1e-7
_SAMPLED_NONZERO = 1e-4
#: guards the conjugate-gradient steps against 0 / 0 once a sample has converged
_TINY = 1e-300


@dataclass(frozen=True)
class AdditiveGroup:
    """Cells that add up: the value of the row labelled ``total`` is the sum of the rows labelled ``members``."""

    total: Hashable
    members: tuple[Hashable, ...]


def additive_groups(
    frame: pd.DataFrame, *, totals: pd.Series, members: pd.Series, on: Sequence[str]
) -> list[AdditiveGroup]:
    """One group per total row: the rows selected by ``members`` that share its values of the ``on`` columns.

    ``totals`` and ``members`` are boolean masks over ``frame``. Example: all beneficiaries by sex within each
    year and territory: ``totals = dimension == 'ensemble'``, ``members = dimension == 'sexe'``,
    ``on = ['annee', 'code_territoire']``. Totals with no member row give no group; member rows whose key has no
    total row raise: their total is not in the table, so the caller's grouping is wrong.
    """
    total_rows = frame.loc[totals.to_numpy(dtype=bool), list(on)]
    member_rows = frame.loc[members.to_numpy(dtype=bool), list(on)]
    if total_rows.duplicated().any():
        duplicated = total_rows[total_rows.duplicated(keep=False)].head(4).to_dict("records")
        raise ValueError(f"several total rows share the same key {list(on)}: {duplicated}")
    total_by_key = dict(zip(map(tuple, total_rows.itertuples(index=False)), total_rows.index, strict=True))
    members_by_key: dict[tuple, list[Hashable]] = {}
    for key, label in zip(map(tuple, member_rows.itertuples(index=False)), member_rows.index, strict=True):
        if key not in total_by_key:
            raise ValueError(f"member row {label!r} has no total row with {dict(zip(on, key, strict=True))}")
        members_by_key.setdefault(key, []).append(label)
    return [AdditiveGroup(total_by_key[key], tuple(labels)) for key, labels in members_by_key.items()]


def margin_groups(
    frame: pd.DataFrame, *, dimensions: Sequence[str], on: Sequence[str], total: Hashable = "ensemble"
) -> list[AdditiveGroup]:
    """The groups of a table holding margins of a cross-table: ``total`` in a ``dimensions`` column stands for all
    its values, so each row is the total of the rows equal to it but for one dimension that is not ``total``
    (within the same ``on`` values). Example: the flows of a Sankey public -> contract -> outcome published as
    the public x contract and contract x outcome tables with their margins: a contract node is the total of the
    flows reaching it and of those leaving it. Only the margins present give groups; rows are in
    :func:`additive_groups`'s terms (a member whose total row is missing raises)."""
    groups: list[AdditiveGroup] = []
    for dimension in dimensions:
        others = [other for other in dimensions if other != dimension]
        is_total = frame[dimension] == total
        groups += additive_groups(frame, totals=is_total, members=~is_total, on=[*on, *others])
    return groups


def protect(
    frame: pd.DataFrame,
    *,
    count: str,
    threshold: int,
    groups: Mapping[str, Iterable[AdditiveGroup]] | None = None,
    derived: Sequence[str] = (),
    hidden: str | None = None,
) -> pd.DataFrame:
    """``frame`` with masked counts and derived values set to NULL and a boolean ``secret`` column.

    - ``count``: the column of people counted (non-negative integers, no NULL);
    - ``threshold``: counts from 1 to ``threshold - 1`` are masked (rule 1);
    - ``groups``: for each column name (``count`` or a derived column), the groups of rows additive in that
      column (checked: a group whose members do not sum to its total raises);
    - ``derived``: columns masked together with the count;
    - ``hidden``: name of a boolean column flagging rows that are never published (rule 5); they are dropped.

    The index must be unique; group members and totals are index labels. Rows keep their order.
    """
    if threshold < 1:
        raise ValueError(f"secrecy threshold must be at least 1, got {threshold}")
    if not frame.index.is_unique:
        raise ValueError("protect() needs a frame with a unique index: group members are index labels")
    for column in (count, *derived, *(groups or {}), *([hidden] if hidden else [])):
        if column not in frame.columns:
            raise ValueError(f"column {column!r} is not in the table (columns: {list(frame.columns)})")
    counts = _counts(frame, count)
    is_hidden = frame[hidden].fillna(False).to_numpy(dtype=bool) if hidden else np.zeros(len(frame), dtype=bool)
    compiled = _compile_groups(frame, count, groups or {})
    secret = _suppress(counts, is_hidden, compiled, threshold)

    result = frame.copy()
    for column in (count, *derived):
        values = result[column]
        if not isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
            values = values.convert_dtypes()
        result[column] = values.mask(secret)
    result[SECRET_COLUMN] = secret
    if hidden:
        result = result.loc[~is_hidden].drop(columns=hidden)
    return result


@dataclass(frozen=True)
class _Group:
    cells: np.ndarray  # positions, total first
    on_count: bool  # additive in the count column (rule 3b applies)

    @property
    def total(self) -> int:
        return int(self.cells[0])

    @property
    def members(self) -> np.ndarray:
        return self.cells[1:]


def _counts(frame: pd.DataFrame, count: str) -> np.ndarray:
    values = frame[count]
    if values.isna().any():
        rows = list(frame.index[values.isna()][:5])
        raise ValueError(f"count column {count!r} has NULL values (rows {rows}): a count of people is never unknown")
    numbers = values.to_numpy(dtype=float)
    if (numbers < 0).any() or (numbers != np.round(numbers)).any():
        rows = list(frame.index[(numbers < 0) | (numbers != np.round(numbers))][:5])
        raise ValueError(f"count column {count!r} must hold non-negative integers (rows {rows})")
    return numbers.astype(np.int64)


def _compile_groups(frame: pd.DataFrame, count: str, groups: Mapping[str, Iterable[AdditiveGroup]]) -> list[_Group]:
    compiled: list[_Group] = []
    for column, column_groups in groups.items():
        values = frame[column].astype("Float64").fillna(0).to_numpy(dtype=float)
        for group in column_groups:
            labels = (group.total, *group.members)
            missing = [label for label in labels if label not in frame.index]
            if missing:
                raise ValueError(f"group of total {group.total!r} names rows that are not in the table: {missing}")
            cells = frame.index.get_indexer(labels)
            if len(set(cells.tolist())) != len(cells):
                raise ValueError(f"group of total {group.total!r} names a row twice: {list(labels)}")
            total, parts = values[cells[0]], values[cells[1:]].sum()
            if not np.isclose(total, parts, rtol=1e-9, atol=1e-6):
                raise ValueError(
                    f"group of total {group.total!r} does not add up in {column!r}: total {total} but its "
                    f"{len(cells) - 1} members sum to {parts}; fix the grouping or the aggregation"
                )
            compiled.append(_Group(cells=np.asarray(cells, dtype=np.int64), on_count=column == count))
    return compiled


def _suppress(counts: np.ndarray, hidden: np.ndarray, groups: list[_Group], threshold: int) -> np.ndarray:
    """Masked published cells (primary and secondary) as a boolean array."""
    sensitive = (counts >= 1) & (counts < threshold)
    secret = sensitive & ~hidden
    groups_of_cell: dict[int, list[int]] = {}
    for index, group in enumerate(groups):
        for cell in group.cells.tolist():
            groups_of_cell.setdefault(cell, []).append(index)
    system = _Equations(groups, counts.size)
    pending = list(range(len(groups)))
    # cells whose set of linked unknown cells must be audited: the newly masked ones and those still recoverable
    suspect = np.ones(counts.size, dtype=bool)
    while True:
        for cell in _secondary_fixpoint(counts, hidden, sensitive, secret, groups, threshold, groups_of_cell, pending):
            suspect[cell] = True
        unknown = secret | hidden
        recoverable = np.flatnonzero(system.determined(unknown, suspect) & (secret | sensitive))
        if recoverable.size == 0:
            return secret
        # one more suppression for each recoverable cell sharing no group with a cell handled in this round
        # (a suppression often frees its neighbours too); the sets of linked unknown cells that hold neither a
        # new suppression nor a recoverable cell are as they were, unrecoverable, and are not audited again
        suspect[:] = False
        suspect[recoverable] = True
        pending = []
        blocked: set[int] = set()
        for cell in recoverable.tolist():
            if blocked.intersection(groups_of_cell[cell]):
                continue
            blocked.update(groups_of_cell[cell])
            chosen = _nearest_candidate(cell, counts, unknown, groups, groups_of_cell)
            if chosen is not None:
                secret[chosen] = unknown[chosen] = suspect[chosen] = True
                pending.extend(groups_of_cell[chosen])
        if not pending:
            # impossible for a consistent table: with every non-zero cell linked to it unknown, the equations
            # could only fix a cell to 0, and masked cells are not 0
            raise RuntimeError(f"cells at positions {recoverable.tolist()[:5]} are determined by zero cells only")


def _secondary_fixpoint(
    counts: np.ndarray,
    hidden: np.ndarray,
    sensitive: np.ndarray,
    secret: np.ndarray,
    groups: list[_Group],
    threshold: int,
    groups_of_cell: dict[int, list[int]],
    pending: list[int],
) -> list[int]:
    """Rules 3a and 3b on the ``pending`` groups, then on the groups of every cell they mask, until no group needs
    another suppression. Updates ``secret``; returns the cells it masked."""
    queue, queued, masked = deque(pending), set(pending), []
    while queue:
        index = queue.popleft()
        queued.discard(index)
        group = groups[index]
        unknown = secret[group.cells] | hidden[group.cells]
        unknown_count = int(unknown.sum())
        if unknown_count == 0:
            continue
        if unknown_count == 1:
            cell = int(group.cells[unknown][0])
            needs_more = bool(secret[cell] or sensitive[cell])
        else:
            masked_members = group.members[secret[group.members] | hidden[group.members]]
            needs_more = (
                group.on_count
                and not (secret[group.total] or hidden[group.total])
                and bool(sensitive[masked_members].any())
                and int(counts[masked_members].sum()) < threshold
            )
        chosen = _next_smallest(counts, group, unknown) if needs_more else None
        if chosen is None:
            continue
        secret[chosen] = True
        masked.append(chosen)
        for other in groups_of_cell[chosen]:
            if other not in queued:
                queue.append(other)
                queued.add(other)
    return masked


def _next_smallest(counts: np.ndarray, group: _Group, unknown: np.ndarray) -> int | None:
    """The published, non-zero cell of the group with the smallest count (first in group order on ties);
    ``unknown`` flags the group's cells that are masked or hidden."""
    cells = group.cells[~unknown & (counts[group.cells] > 0)]
    if cells.size == 0:
        return None
    return int(cells[np.argmin(counts[cells])])  # argmin returns the first minimum


def _nearest_candidate(
    cell: int, counts: np.ndarray, unknown: np.ndarray, groups: list[_Group], groups_of_cell: dict[int, list[int]]
) -> int | None:
    """The cell to mask so that ``cell`` may no longer be recomputed: the smallest published non-zero cell of its
    group with the fewest unknown cells, else of the nearest group linked to it through unknown cells."""
    seen_cells, seen_groups, level = {cell}, set(), [cell]
    while level:
        level_groups = sorted(
            {index for current in level for index in groups_of_cell.get(current, [])} - seen_groups,
            key=lambda index: (int(unknown[groups[index].cells].sum()), index),
        )
        seen_groups.update(level_groups)
        for index in level_groups:
            found = _next_smallest(counts, groups[index], unknown[groups[index].cells])
            if found is not None:
                return found
        level = []
        for index in level_groups:
            for other in groups[index].cells[unknown[groups[index].cells]].tolist():
                if other not in seen_cells:
                    seen_cells.add(other)
                    level.append(other)
    return None


class _Equations:
    """The groups as linear equations (total - members = 0) over all cells, to find the unknown cells they fix."""

    def __init__(self, groups: list[_Group], size: int) -> None:
        sizes = np.array([group.cells.size for group in groups], dtype=np.int64)
        rows = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
        cols = np.concatenate([group.cells for group in groups]).astype(np.int64) if groups else rows
        signs = -np.ones(rows.size)
        signs[np.cumsum(sizes) - sizes] = 1.0  # each group's total, first
        self.matrix = sparse.csr_matrix((signs, (rows, cols)), (len(groups), size))
        self.incidence = abs(self.matrix).astype(np.int64).tocsr()
        self.size = size

    def determined(self, unknown: np.ndarray, suspect: np.ndarray) -> np.ndarray:
        """Unknown cells fixed by the published cells and the equations: first those alone in an equation,
        repeatedly; then, in each set of remaining unknown cells linked by equations that holds a ``suspect``
        cell, those whose unit vector lies in the row space of the equations."""
        determined = np.zeros(self.size, dtype=bool)
        remaining = unknown.copy()
        while True:
            alone = np.flatnonzero(self.incidence @ remaining.astype(np.int64) == 1)
            if alone.size == 0:
                break
            fixed = np.unique(self.incidence[alone].multiply(remaining).tocsr().indices)
            determined[fixed] = True
            remaining[fixed] = False
        positions = np.flatnonzero(remaining)
        if positions.size == 0:
            return determined
        equations = self.matrix[:, positions]
        equations = equations[np.flatnonzero(equations.getnnz(axis=1))]
        linked = abs(equations).astype(bool).astype(np.int8)
        count = equations.shape[0]
        _, component_of = csgraph.connected_components(
            sparse.bmat([[sparse.csr_matrix((count, count)), linked], [linked.T, None]]).tocsr(), directed=False
        )
        equation_component, cell_component = component_of[:count], component_of[count:]
        for label in np.unique(cell_component[suspect[positions]]).tolist():
            cells = np.flatnonzero(cell_component == label)
            block = equations[np.flatnonzero(equation_component == label)][:, cells].tocsr()
            if block.shape[0]:
                determined[positions[cells[_in_row_space(block)]]] = True
        return determined


def _in_row_space(block: sparse.csr_matrix) -> np.ndarray:
    """For each column j of ``block``, whether the unit vector e_j lies in its row space (x_j is then fixed by
    ``block @ x = b``).

    Equations holding two or more unknowns found in no other equation are set aside first, with those unknowns:
    such an unknown is free (it can move against the other one), and the equation can always be met by moving
    it, so it constrains nothing else; this is repeated, and typically removes the many small communes of a
    département. What remains is tested exactly by a dense decomposition when small (:func:`_dense_row_space`),
    else with random vectors of the null space (:func:`_sampled_row_space`, whose cost grows with the number of
    non-zero coefficients, not with the cube of the set), falling back to the dense test when that one cannot
    decide."""
    nonzero = (block != 0).astype(np.int64).tocsr()
    active = np.ones(block.shape[0], dtype=bool)
    while True:
        leaf = (active.astype(np.int64) @ nonzero) == 1
        set_aside = active & (nonzero @ leaf.astype(np.int64) >= 2)
        if not set_aside.any():
            break
        active &= ~set_aside
    core = (active.astype(np.int64) @ nonzero) > 0
    fixed = np.zeros(block.shape[1], dtype=bool)
    if not core.any():
        return fixed
    equations = block[np.flatnonzero(active)][:, np.flatnonzero(core)].tocsr()
    sampled = _sampled_row_space(equations) if core.sum() > _DENSE_LIMIT else None
    fixed[core] = _dense_row_space(equations.toarray()) if sampled is None else sampled
    return fixed


def _dense_row_space(block: np.ndarray) -> np.ndarray:
    """:func:`_in_row_space`'s exact test: e_j is in the row space iff row j of an orthonormal basis of the row
    space has norm 1; the basis comes from a rank-revealing QR decomposition (column pivoting) of the transpose."""
    q, r, _ = linalg.qr(block.T, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int((diagonal > _NULL_TOLERANCE * max(q.shape) * (diagonal[0] if diagonal.size else 0)).sum())
    return np.einsum("ij,ij->i", q[:, :rank], q[:, :rank]) > 1 - 1e-6


def _sampled_row_space(block: sparse.csr_matrix) -> np.ndarray | None:
    """:func:`_in_row_space`'s test for large sets, or None when it cannot decide (the caller then runs the dense one).

    e_j lies in the row space of B iff z_j = 0 for every z of its null space. A random z of the null space is
    z = r - B^T y for a random r, y solving min ||B^T y - r|| (least squares by conjugate gradients, CGLS, on
    ``_SAMPLES`` random vectors at once: sparse products only); a free x_j then has z_j != 0 with probability 1,
    so a few samples decide. It is never wrong in the unsafe direction: if e_j = B^T w, then z_j = w . (B z), so
    |z_j| <= ||w||_1 ||B z||_inf; every sample's ||B z||_inf is checked below ``_SAMPLED_RESIDUAL`` and a cell is
    declared free only when some |z_j| exceeds ``_SAMPLED_NONZERO``, which for a determined cell would need
    every combination of the equations giving it to have coefficients summing to more than 10^6 (those that
    solve additive tables are sums and differences of groups). A cell whose samples are all between
    ``_SAMPLED_ZERO`` and ``_SAMPLED_NONZERO``, or a solve short of that residual, gives None. The seed is
    fixed, so the result is reproducible."""
    transpose = block.T.tocsr()
    samples = np.random.default_rng(0).standard_normal((block.shape[1], _SAMPLES))  # r, then r - B^T y
    gradient = block @ samples  # B z: minus the gradient of the least squares in y
    direction = gradient.copy()
    norms = np.einsum("ij,ij->j", gradient, gradient)
    for _ in range(2 * sum(block.shape)):
        if np.abs(gradient).max() <= _SAMPLED_RESIDUAL / 100:
            break
        step = transpose @ direction
        samples -= norms / np.maximum(np.einsum("ij,ij->j", step, step), _TINY) * step
        gradient = block @ samples
        previous, norms = norms, np.einsum("ij,ij->j", gradient, gradient)
        direction = gradient + norms / np.maximum(previous, _TINY) * direction
    if np.abs(gradient).max() > _SAMPLED_RESIDUAL:
        return None
    largest = np.abs(samples).max(axis=1)
    if ((largest > _SAMPLED_ZERO) & (largest < _SAMPLED_NONZERO)).any():
        return None
    return largest <= _SAMPLED_ZERO
