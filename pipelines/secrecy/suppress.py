"""Primary and secondary suppression of one additive count over a hierarchy of territories (pure numpy).

Why a linear audit rather than « at least two masked cells per group »: the group rule alone misses the
differencing of two overlapping territories (an EPCI and an arrondissement sharing all communes but one give
that commune by subtraction) and chains of totals. Every territory's value is the sum of its parts, so what a
reader can recompute is what the linear system of the shown cells determines: a masked cell is safe when it is
*not* determined, i.e. when some solution of the equations changes it. With the unknowns of a connected block
as columns, a cell is determined exactly when its unit vector lies in the row space of the equations (SVD).
While some masked cell is determined, the smallest shown cell beside it (a sibling, else its total) is masked as well.

Cost: that audit is asked again for every candidate of every exposed cell (up to ``MAX_TRIES`` each, round after
round). ``_State`` answers it in the space of the equations (a few hundred per block) rather than of the cells
(thousands per block at national scale), with one eigendecomposition per block and rank-one updates in between,
and hands any value that is not clear-cut to the reference SVD of the block (``_determined``): same masks.

What this does not cover (said in docs/secrecy.md): bounds a reader can derive from non-negativity (two masked
cells summing to 3 are each at most 3). Tau-Argus's protection intervals would; exact recomputation is what
the Caf's practice and the issue ask to prevent.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Hierarchy:
    """Cells (territories) and the equations ``parent = Σ children`` that tie them.

    ``cells`` lists ``(level, code)``; each equation is the array ``[parent, child, child …]`` of cell indices
    (an EPCI with its communes, an arrondissement with its communes, a département with its communes, France
    with its départements); ``touching[i]`` lists the equations cell ``i`` is in.
    """

    cells: list[tuple[str, str]]
    equations: list[np.ndarray]
    touching: list[list[int]]
    level_rank: np.ndarray  # 0 for communes, higher for larger territories: parts are masked before totals

    @classmethod
    def build(cls, cells: list[tuple[str, str]], parents: dict[tuple[str, str], list[tuple[str, str]]],
              order: tuple[str, ...] = ("commune", "epci", "arrondissement", "departement", "france")):
        index = {cell: i for i, cell in enumerate(cells)}
        equations = []
        for parent, children in parents.items():
            members = [index[c] for c in children if c in index]
            if parent in index and members:
                equations.append(np.array([index[parent], *members], dtype=int))
        touching: list[list[int]] = [[] for _ in cells]
        for e, members in enumerate(equations):
            for m in members:
                touching[m].append(e)
        rank = np.array([order.index(level) if level in order else len(order) for level, _ in cells])
        return cls(cells, equations, touching, rank)


MAX_TRIES = 12  # candidates tried for one exposed cell before taking the first one anyway
FREE = 1e-7  # a cell is free when its squared norm in the null space of its block exceeds this (reference audit)
# The fast audit's values are clear-cut on these hierarchies (0 to 1e-10, or above 0.3, and eigenvalues of a
# Gram matrix 0 to 1e-15 or above 1e-5 of the largest); anything between these bounds is decided by the reference
# audit instead (an SVD of the block, as the module always did), so the masks never depend on the fast path.
CLEAR_DETERMINED, CLEAR_FREE = 1e-8, 1e-5
CLEAR_ZERO, CLEAR_NONZERO = 1e-13, 1e-10
REFRESH_AFTER = 256  # updates of a block's H in place before it is recomputed (rounding never accumulates)


def protect(hierarchy: Hierarchy, values: np.ndarray, known: np.ndarray, masked: np.ndarray,
            maskable: np.ndarray) -> tuple[np.ndarray, int]:
    """Secondary suppression: the masked cells, grown until none of them can be recomputed from the others.

    ``values``: the count per cell (NaN = absent, never masked); ``known``: the reader knows the cell (shown,
    or published by someone else: an absent computed value can be known that way); ``masked``: primary cells;
    ``maskable``: cells this product may mask (its own computed values, never published ones). Returns the
    masks and how many masked cells stay recomputable because nothing beside them can be masked.

    Two passes per round: the common exposure first (a masked cell alone unknown in an equation: a total and
    all its other parts shown), fixed locally; then the linear audit of every block, for what only a
    combination of equations reveals (overlapping territories). Exposed cells are then taken in order: one
    still determined (a cell masked for another one this round may have freed it) gets the first of its
    candidates whose masking frees it (``_State.frees``), else the first candidate.
    """
    masked = masked & maskable
    known = known & ~masked
    if not masked.any():
        return masked, 0
    state = _State(hierarchy, values, known, masked, maskable)
    for _ in range(len(values) + 1):  # each round masks at least one more cell
        state.fix_singletons()
        exposed = state.exposed()
        if not exposed:
            return masked, 0
        added = False
        for cell in exposed:
            if not state.determined(cell):  # freed by a cell masked for another one this round
                continue
            choice = state.complement(cell)
            if choice is not None:
                state.mask(choice)
                added = True
        if not added:
            return masked, len(exposed)
    raise AssertionError("suppression did not converge")


class _Layout:
    """What does not change with the values: equations flattened, each cell's signed column (its equations and
    ±1: + for the total, − for a part) padded to the same width, and the order of the cells' names."""

    def __init__(self, hierarchy: Hierarchy):
        n, m = len(hierarchy.cells), len(hierarchy.equations)
        lengths = np.array([len(e) for e in hierarchy.equations], dtype=int)
        self.flat = np.concatenate(hierarchy.equations).astype(int) if m else np.zeros(0, int)
        self.of = np.repeat(np.arange(m), lengths)
        self.start = np.cumsum(lengths) - lengths
        position = np.arange(len(self.flat)) - np.repeat(self.start, lengths)
        # one entry per (cell, equation), with the sign of its last occurrence (as ``_system`` fills its matrix)
        order = np.lexsort((position, self.of, self.flat))
        cell, equation, position = self.flat[order], self.of[order], position[order]
        last = np.r_[(cell[1:] != cell[:-1]) | (equation[1:] != equation[:-1]), True]
        cell, equation, sign = cell[last], equation[last], np.where(position[last] == 0, 1.0, -1.0)
        per = np.bincount(cell, minlength=n)
        width = max(1, int(per.max(initial=0)))
        slot = np.arange(len(cell)) - np.repeat(np.cumsum(per) - per, per)
        self.rows = np.full((n, width), m)  # equation m: a row of zeros (padding)
        self.rows[cell, slot] = equation
        self.signs = np.zeros((n, width))
        self.signs[cell, slot] = sign
        self.name_rank = np.empty(n, dtype=int)
        self.name_rank[sorted(range(n), key=hierarchy.cells.__getitem__)] = np.arange(n)
        self.n, self.m = n, m


_LAYOUT: list = [None, None]  # the last hierarchy seen and its layout (one per build: every year, every count)


def _layout(hierarchy: Hierarchy) -> _Layout:
    if _LAYOUT[0] is not hierarchy:
        _LAYOUT[:] = [hierarchy, _Layout(hierarchy)]
    return _LAYOUT[1]


def _peeled(layout: _Layout, known: np.ndarray, masked: np.ndarray) -> np.ndarray:
    """The equations ``_useful`` drops (peeling, see there), all at once per layer.

    They stay dropped for the whole of ``protect``: masking a shown cell only adds a masked unknown, which is
    never the private unknown that lets an equation go, and leaves every other unknown's count as it was.
    """
    unknown = ~known[layout.flat]
    alive = np.add.reduceat(unknown.astype(int), layout.start) > 0 if layout.m else np.zeros(0, bool)
    first = alive.copy()
    while True:
        live = alive[layout.of] & unknown
        count = np.bincount(layout.flat[live], minlength=layout.n)
        private = live & ~masked[layout.flat] & (count[layout.flat] == 1)
        if not private.any():
            return first & ~alive
        alive[np.unique(layout.of[private])] = False


class _State:
    """The linear system of one ``protect`` call, kept up to date as cells are masked.

    With ``A`` the equations (rows) over the unknown cells (columns), a cell ``c`` is determined exactly when its
    unit vector lies in the row space of ``A``: when ``a_cᵀ (A Aᵀ)⁺ a_c = 1`` (``a_c``: its column; that is its
    squared norm in the row space, whose projector is ``Aᵀ (A Aᵀ)⁺ A``). Everything lives in the space of the
    equations, few (1 688 for France), not of the cells (36 563): ``G = A Aᵀ`` and ``H = G⁺``, both block-diagonal
    by connected block, each block's ``H`` from an eigendecomposition of its ``G``.

    Masking a shown cell ``k`` adds the column ``a_k``: ``G`` gains ``a_k a_kᵀ``. When ``a_k`` is in the column
    space of ``A`` (``A x = a_k`` solvable), the null space gains ``(−x, 1)`` with ``x = Aᵀ H a_k`` (the smallest
    solution, orthogonal to the old null space), so a determined cell ``c`` becomes free exactly when
    ``x_c = a_cᵀ H a_k`` is not 0 (its squared norm in the null space grows by ``x_c² / (1 + a_kᵀ H a_k)``), and
    ``H`` follows by Sherman–Morrison. Otherwise the null space does not change (nothing is freed) and the block's
    ``H`` is recomputed before its next use; a block updated ``REFRESH_AFTER`` times is recomputed too, so rounding
    never accumulates.

    Equations dropped by peeling (``_peeled``) are left out (their signs are 0); blocks merge when a masked cell
    links them.
    """

    def __init__(self, hierarchy: Hierarchy, values: np.ndarray, known: np.ndarray, masked: np.ndarray,
                 maskable: np.ndarray):
        self.hierarchy, self.values, self.known, self.masked, self.maskable = (
            hierarchy, values, known, masked, maskable)
        layout = self.layout = _layout(hierarchy)
        m = layout.m
        kept = np.r_[~_peeled(layout, known, masked), False]
        self.signs = layout.signs * kept[layout.rows]
        # ranks of (level, value, name): parts before totals, then the smallest value (NaN: see ``_ranked``)
        self.rank = np.empty(layout.n, dtype=int)
        self.rank[np.lexsort((layout.name_rank, values, hierarchy.level_rank))] = np.arange(layout.n)
        self.nan = np.isnan(values)
        unknown = np.flatnonzero(~known)
        rows, signs = layout.rows[unknown], self.signs[unknown]
        pairs = (rows[:, :, None] * (m + 1) + rows[:, None, :]).ravel()
        weights = (signs[:, :, None] * signs[:, None, :]).ravel()
        self.gram = np.bincount(pairs, weights, minlength=(m + 1) ** 2).reshape(m + 1, m + 1)
        self.inverse = np.zeros((m + 1, m + 1))
        # blocks: equations linked by unknown cells (labels spread to the smallest equation of each block)
        where = np.nonzero(signs)
        cells, equations = where[0], rows[where]
        label = np.arange(m + 1)
        while True:
            lowest = np.full(len(unknown), m + 1)
            np.minimum.at(lowest, cells, label[equations])
            spread = label.copy()
            np.minimum.at(spread, equations, lowest[cells])
            while True:  # shortcut chains of labels
                jumped = spread[spread]
                if (jumped == spread).all():
                    break
                spread = jumped
            if (spread == label).all():
                break
            label = spread
        self.label = label
        self.members: dict[int, np.ndarray] = {}
        inside = np.flatnonzero(kept[:m])
        order = inside[np.argsort(label[inside], kind="stable")]
        bounds = np.flatnonzero(np.diff(label[order])) + 1
        for group in np.split(order, bounds) if len(order) else []:
            self.members[int(label[group[0]])] = group
        self.stale = set(self.members)  # blocks whose ``H`` must be recomputed before use
        self.updates = dict.fromkeys(self.members, 0)  # updates in place since the last recomputation
        self.pending: float | None = None  # squared norm in the null space of the cell being protected
        self.exact_checks = 0

    # --- the system -------------------------------------------------------------------------------------------

    def column(self, cell: int) -> tuple[np.ndarray, np.ndarray]:
        keep = self.signs[cell] != 0
        return self.layout.rows[cell][keep], self.signs[cell][keep]

    def ensure(self, equations: np.ndarray) -> None:
        if self.stale:
            for label in set(np.unique(self.label[equations]).tolist()) & self.stale:
                self.refresh(label)

    def refresh(self, label: int) -> None:
        rows = self.members[label]
        lam, vectors = np.linalg.eigh(self.gram[np.ix_(rows, rows)])
        scale = max(1.0, float(lam.max(initial=0)))
        if ((lam > CLEAR_ZERO * scale) & (lam < CLEAR_NONZERO * scale)).any():
            inverse = self._inverse_by_svd(rows)  # rank not clear-cut: the reference SVD decides
        else:
            keep = lam >= CLEAR_NONZERO * scale
            inverse = (vectors[:, keep] / lam[keep]) @ vectors[:, keep].T
        self.inverse[np.ix_(rows, rows)] = inverse
        self.stale.discard(label)
        self.updates[label] = 0

    def _inverse_by_svd(self, rows: np.ndarray) -> np.ndarray:
        self.exact_checks += 1
        unknown = ~self.known
        cells = sorted({int(c) for e in rows for c in self.hierarchy.equations[e][unknown[self.hierarchy.equations[e]]]})
        column = {c: j for j, c in enumerate(cells)}
        matrix = np.zeros((len(rows), len(cells)))
        for i, e in enumerate(rows):
            members = self.hierarchy.equations[e]
            signs = np.concatenate(([1.0], -np.ones(len(members) - 1)))
            keep = unknown[members]
            matrix[i, [column[int(c)] for c in members[keep]]] = signs[keep]
        if not cells:
            return np.zeros((len(rows), len(rows)))
        u, singular, _ = np.linalg.svd(matrix, full_matrices=False)
        rank = int((singular > TOLERANCE * max(1.0, singular.max(initial=0))).sum())
        return (u[:, :rank] / singular[:rank] ** 2) @ u[:, :rank].T

    def mask(self, cell: int) -> None:
        """Mask a shown cell: its column joins ``G`` (the blocks it links merge) and ``H`` follows."""
        rows, signs, along, residual = self._column_terms(cell)
        self.known[cell], self.masked[cell] = False, True
        if not len(rows):
            return
        labels = sorted(set(self.label[rows].tolist()))
        target = labels[0]
        if len(labels) > 1:
            self.members[target] = np.sort(np.concatenate([self.members.pop(x) for x in labels]))
            self.label[self.members[target]] = target
            self.updates[target] = sum(self.updates.pop(x) for x in labels)
        block = self.members[target]
        h, norm = along[block], float(along[rows] @ signs)
        if residual < CLEAR_DETERMINED:  # a_k in the column space: (G + a aᵀ)⁺ = H − H a aᵀ H / (1 + aᵀ H a)
            # H a is 0 outside the block: updating the square spanning it (a view) changes the block only
            low, high = int(block[0]), int(block[-1]) + 1
            span = along[low:high]
            self.inverse[low:high, low:high] -= np.outer(span, span / (1.0 + norm))
        elif residual > CLEAR_FREE:  # outside: the rank grows; with r = a − G H a (orthogonal to the columns),
            # (G + a aᵀ)⁺ = H − (H a rᵀ + r aᵀ H) / |r|² + (1 + aᵀ H a) r rᵀ / |r|⁴ (block inverse in the basis
            # columns of G, r). r is projected twice: once leaves rounding along the columns, which this formula
            # would amplify update after update.
            square = np.ix_(block, block)
            gram, inverse = self.gram[square], self.inverse[square]
            a = np.zeros(len(block))
            a[np.searchsorted(block, rows)] = signs  # blocks list their equations in order
            r = a - gram @ h
            r -= gram @ (inverse @ r)
            rr = float(r @ r)
            self.inverse[square] = inverse + ((1.0 + norm) * np.outer(r, r) / rr - np.outer(h, r) - np.outer(r, h)) / rr
        else:  # not clear-cut: recomputed before next use
            self.stale.add(target)
        self.gram[np.ix_(rows, rows)] += np.outer(signs, signs)
        self.updates[target] += 1

    def null_norm(self, cells: np.ndarray) -> np.ndarray:
        """Squared norm of each cell's unit vector in the null space (0: determined), blocks up to date."""
        rows, signs = self.layout.rows[cells], self.signs[cells]
        inner = self.inverse[rows[:, :, None], rows[:, None, :]]
        return 1.0 - np.einsum("nij,ni,nj->n", inner, signs, signs)

    def _clear(self, norm: float) -> bool | None:
        """Free (True), determined (False), or None when the value is not clear-cut."""
        return True if norm > CLEAR_FREE else False if norm < CLEAR_DETERMINED else None

    # --- the rounds -------------------------------------------------------------------------------------------

    def exposed(self) -> list[int]:
        """Masked cells the shown ones determine."""
        for label in [x for x, n in self.updates.items() if n >= REFRESH_AFTER]:
            self.refresh(label)
        cells = np.flatnonzero(self.masked & (self.signs != 0).any(axis=1))
        self.ensure(self.layout.rows[cells][self.signs[cells] != 0])
        norm = self.null_norm(cells)
        exposed = cells[norm < CLEAR_DETERMINED].tolist()
        for c in cells[(norm >= CLEAR_DETERMINED) & (norm <= CLEAR_FREE)]:
            self.exact_checks += 1
            if _determined(self.hierarchy, self.known, self.masked, int(c)):
                exposed.append(int(c))
        return sorted(exposed)

    def determined(self, cell: int) -> bool:
        """Whether ``cell`` (masked) is determined now; remembers its norm for ``frees``."""
        rows, signs = self.column(cell)
        self.pending = None
        if not len(rows):
            return False
        self.ensure(rows)
        norm = float(self.null_norm(np.array([cell]))[0])
        free = self._clear(norm)
        if free is None:
            self.exact_checks += 1
            return _determined(self.hierarchy, self.known, self.masked, cell)
        if not free:
            self.pending = norm
        return not free

    def complement(self, cell: int) -> int | None:
        """The shown cell to mask so ``cell`` is no longer recomputable.

        Candidates are the shown, maskable cells of the equations holding ``cell``, parts before totals and smallest
        first; the first whose masking frees ``cell`` is taken, else the first one (the next round goes on: the
        exposure came from several equations, e.g. two overlapping territories).
        """
        ranked = self._ranked(cell)
        if ranked is None:
            return None
        for candidate in ranked[:MAX_TRIES]:
            if self.frees(cell, candidate):
                return candidate
        return ranked[0]

    def _ranked(self, cell: int) -> list[int] | None:
        equations = self.hierarchy.equations
        near = [equations[e] for e in self.hierarchy.touching[cell]]
        if not near:
            return None
        members = np.concatenate(near)
        members = members[(members != cell) & self.known[members] & self.maskable[members]]
        if not len(members):
            return None
        if self.nan[members].any():  # NaN compares neither way: the set's order matters, as it always did
            key = self._key
            return sorted({int(m) for m in members.tolist()}, key=key)
        unique = np.unique(members)
        return unique[np.argsort(self.rank[unique])].tolist()

    def _key(self, c: int):
        return (self.hierarchy.level_rank[c], self.values[c], self.hierarchy.cells[c])

    def _smallest(self, candidates: np.ndarray) -> int | None:
        """Parts before totals (a commune before an EPCI), then the smallest value: the least information lost."""
        if not len(candidates):
            return None
        if self.nan[candidates].any():
            return min([int(c) for c in candidates], key=self._key)
        return int(candidates[np.argmin(self.rank[candidates])])

    def _column_terms(self, candidate: int):
        rows, signs = self.column(candidate)
        if not len(rows):
            return rows, signs, None, 0.0
        self.ensure(rows)
        along = signs @ self.inverse[rows]  # H a_k (H and G symmetric: their rows, contiguous)
        residual = float(signs @ signs - (signs @ self.gram[rows]) @ along)  # |a_k − G H a_k|²
        return rows, signs, along, residual

    def frees(self, cell: int, candidate: int) -> bool:
        """Whether masking ``candidate`` now frees ``cell`` (determined, see ``determined``)."""
        if self.pending is None:  # ``cell``'s own value was not clear-cut: reference audit throughout
            return self._frees_exactly(cell, candidate)
        rows, signs, along, residual = self._column_terms(candidate)
        if not len(rows) or residual > CLEAR_FREE:
            return False  # a_k = 0, or a_k outside the column space: the null space does not grow
        if residual > CLEAR_DETERMINED:
            return self._frees_exactly(cell, candidate)
        cell_rows, cell_signs = self.column(cell)
        x = float(along[cell_rows] @ cell_signs)
        free = self._clear(self.pending + x * x / (1.0 + float(along[rows] @ signs)))
        return self._frees_exactly(cell, candidate) if free is None else free

    def _frees_exactly(self, cell: int, candidate: int) -> bool:
        self.exact_checks += 1
        known, masked = self.known.copy(), self.masked.copy()
        known[candidate], masked[candidate] = False, True
        return not _determined(self.hierarchy, known, masked, cell)

    def fix_singletons(self) -> None:
        """Until none is left: an equation whose only unknown is a masked cell gets its smallest shown part masked
        (or its total, when every part is shown but the masked cell is the total itself and no part can be).

        Equations are taken in order, pass after pass, as a loop over all of them would (a cell masked here
        changes what the next equations see); only equations with one unknown are looked at.
        """
        equations, known, masked, maskable = self.hierarchy.equations, self.known, self.masked, self.maskable
        layout = self.layout
        if not layout.m:
            return
        count = np.add.reduceat((~known[layout.flat]).astype(int), layout.start)
        current = np.flatnonzero(count == 1).tolist()  # sorted: a heap already
        while current:
            later: list[int] = []
            while current:
                e = heapq.heappop(current)
                members = equations[e]
                unknown = members[~known[members]]
                if len(unknown) != 1 or not masked[unknown[0]]:
                    continue
                choice = self._smallest(members[known[members] & maskable[members]])
                if choice is None:
                    continue
                self.mask(choice)
                for f in sorted(set(self.hierarchy.touching[choice])):
                    if int((~known[equations[f]]).sum()) == 1:  # its only unknown: the cell just masked
                        (heapq.heappush(current, f) if f > e else later.append(f))
            current = sorted(set(later))


# --- the reference audit: one SVD of the block of the cell (slow on a national block, exact) --------------------
# Used only where a value of the fast audit above is not clear-cut.


def _system(hierarchy: Hierarchy, known: np.ndarray, rows: list[int]) -> tuple[list[int], np.ndarray]:
    """The unknown cells of ``rows`` and the free cells among them (the null space is non-zero there)."""
    unknown = ~known
    cells = sorted({int(m) for e in rows for m in hierarchy.equations[e][unknown[hierarchy.equations[e]]]})
    column = {c: j for j, c in enumerate(cells)}
    matrix = np.zeros((len(rows), len(cells)))
    for i, e in enumerate(rows):
        members = hierarchy.equations[e]
        signs = np.concatenate(([1.0], -np.ones(len(members) - 1)))
        keep = unknown[members]
        matrix[i, [column[int(m)] for m in members[keep]]] = signs[keep]
    if not cells:
        return cells, np.zeros(0, bool)
    # A cell is determined when its unit vector lies in the row space of the equations: its squared norm in an
    # orthonormal basis of that space (the reduced SVD's rows, few: one per equation) is then 1.
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int((singular > TOLERANCE * max(1.0, singular.max(initial=0))).sum())
    free = (vt[:rank] ** 2).sum(axis=0) < 1 - 1e-7
    return cells, free


def _useful(hierarchy: Hierarchy, known: np.ndarray, masked: np.ndarray,
            among: list[int] | None = None) -> np.ndarray:
    """The equations that can tell a reader something about a masked cell (of ``among``: a closed block).

    An equation holding an unknown that no other equation holds and that is not masked (an absent value: a
    source missing for some communes makes their totals absent too) constrains nothing else — that unknown
    takes up whatever the others do — so it is dropped, and so on (peeling). Without this, a warehouse of
    published figures only would make one block of every territory of France. ``among`` must hold every
    equation of its unknowns (``_block``): peeling it alone then gives what peeling everything would.
    """
    unknown = ~known
    among = range(len(hierarchy.equations)) if among is None else among
    free = {e: hierarchy.equations[e][unknown[hierarchy.equations[e]]] for e in among}
    alive = np.zeros(len(hierarchy.equations), bool)
    alive[[e for e, f in free.items() if len(f)]] = True
    count = np.zeros(len(hierarchy.cells), dtype=int)
    for f in free.values():
        np.add.at(count, f, 1)

    def peelable(e: int) -> bool:
        return bool(alive[e]) and any(count[u] == 1 and not masked[u] for u in free[e])

    queue = [e for e in free if peelable(e)]
    while queue:
        e = queue.pop()
        if not peelable(e):
            continue
        alive[e] = False
        for u in free[e]:
            count[u] -= 1
            if count[u] == 1 and not masked[u]:
                queue.extend(other for other in hierarchy.touching[u] if alive[other])
    return alive


def _block(hierarchy: Hierarchy, known: np.ndarray, cell: int, useful: np.ndarray | None = None) -> list[int]:
    """The equations linked to ``cell`` through unknown cells (of the ``useful`` ones, when given)."""
    unknown = ~known
    cells, rows, seen, frontier = {cell}, [], set(), [cell]
    while frontier:
        for e in hierarchy.touching[frontier.pop()]:
            if (useful is None or useful[e]) and e not in seen:
                seen.add(e)
                rows.append(e)
                for m in hierarchy.equations[e][unknown[hierarchy.equations[e]]]:
                    if int(m) not in cells:
                        cells.add(int(m))
                        frontier.append(int(m))
    return rows


def _determined(hierarchy: Hierarchy, known: np.ndarray, masked: np.ndarray, cell: int) -> bool:
    """Whether the shown cells determine ``cell``: its block only (useful equations linked to it by unknowns),
    peeled on its own — a national hierarchy is never walked whole for one cell."""
    useful = _useful(hierarchy, known, masked, among=_block(hierarchy, known, cell))
    rows = _block(hierarchy, known, cell, useful)
    if not rows:
        return False
    order, free = _system(hierarchy, known, rows)
    return not bool(free[order.index(cell)])


