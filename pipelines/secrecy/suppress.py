"""Primary and secondary suppression of one additive count over a hierarchy of territories (pure numpy).

Why a linear audit rather than « at least two masked cells per group »: the group rule alone misses the
differencing of two overlapping territories (an EPCI and an arrondissement sharing all communes but one give
that commune by subtraction) and chains of totals. Every territory's value is the sum of its parts, so what a
reader can recompute is what the linear system of the shown cells determines: a masked cell is safe when it is
*not* determined, i.e. when some solution of the equations changes it. With the unknowns of a connected block
as columns, a cell is determined exactly when its unit vector lies in the row space of the equations (SVD).
While some masked cell is determined, the smallest shown cell beside it (a sibling, else its total) is masked as well.

What this does not cover (said in docs/secrecy.md): bounds a reader can derive from non-negativity (two masked
cells summing to 3 are each at most 3). Tau-Argus's protection intervals would; exact recomputation is what
the Caf's practice and the issue ask to prevent.
"""

from __future__ import annotations

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


def protect(hierarchy: Hierarchy, values: np.ndarray, known: np.ndarray, masked: np.ndarray,
            maskable: np.ndarray) -> tuple[np.ndarray, int]:
    """Secondary suppression: the masked cells, grown until none of them can be recomputed from the others.

    ``values``: the count per cell (NaN = absent, never masked); ``known``: the reader knows the cell (shown,
    or published by someone else: an absent computed value can be known that way); ``masked``: primary cells;
    ``maskable``: cells this product may mask (its own computed values, never published ones). Returns the
    masks and how many masked cells stay recomputable because nothing beside them can be masked.

    Two passes per round: the common exposure first (a masked cell alone unknown in an equation: a total and
    all its other parts shown), fixed locally; then the linear audit of every block, for what only a
    combination of equations reveals (overlapping territories).
    """
    masked = masked & maskable
    known = known & ~masked
    if not masked.any():
        return masked, 0
    for _ in range(len(values) + 1):  # each round masks at least one more cell
        _fix_singletons(hierarchy, values, known, masked, maskable)
        exposed = _exposed(hierarchy, known, masked)
        if not exposed:
            return masked, 0
        added = False
        for cell in exposed:
            if not _determined(hierarchy, known, masked, cell):  # freed by a cell masked for another one this round
                continue
            choice = _complement(hierarchy, cell, values, known, masked, maskable)
            if choice is not None:
                masked[choice], known[choice], added = True, False, True
        if not added:
            return masked, len(exposed)
    raise AssertionError("suppression did not converge")


def _fix_singletons(hierarchy: Hierarchy, values, known, masked, maskable) -> None:
    """Until none is left: an equation whose only unknown is a masked cell gets its smallest shown part masked
    (or its total, when every part is shown but the masked cell is the total itself and no part can be)."""
    pending = True
    while pending:
        pending = False
        for members in hierarchy.equations:
            unknown = members[~known[members]]
            if len(unknown) != 1 or not masked[unknown[0]]:
                continue
            choice = _smallest(hierarchy, [int(m) for m in members if known[m] and maskable[m]], values)
            if choice is not None:
                masked[choice], known[choice], pending = True, False, True


def _smallest(hierarchy: Hierarchy, candidates: list[int], values) -> int | None:
    """Parts before totals (a commune before an EPCI), then the smallest value: the least information lost."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (hierarchy.level_rank[c], values[c], hierarchy.cells[c]))


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


def _useful(hierarchy: Hierarchy, known: np.ndarray, masked: np.ndarray) -> np.ndarray:
    """The equations that can tell a reader something about a masked cell.

    An equation holding an unknown that no other equation holds and that is not masked (an absent value: a
    source missing for some communes makes their totals absent too) constrains nothing else — that unknown
    takes up whatever the others do — so it is dropped, and so on (peeling). Without this, a warehouse of
    published figures only would make one block of every territory of France.
    """
    unknown = ~known
    free = [hierarchy.equations[e][unknown[hierarchy.equations[e]]] for e in range(len(hierarchy.equations))]
    alive = np.array([len(f) > 0 for f in free])
    count = np.zeros(len(hierarchy.cells), dtype=int)
    for f in free:
        np.add.at(count, f, 1)

    def peelable(e: int) -> bool:
        return bool(alive[e]) and any(count[u] == 1 and not masked[u] for u in free[e])

    queue = [e for e in range(len(free)) if peelable(e)]
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


def _blocks(hierarchy: Hierarchy, known: np.ndarray, masked: np.ndarray) -> list[list[int]]:
    """Useful equations grouped when they share an unknown (union-find on cells); only blocks with a masked cell."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    rows = []
    for e in np.flatnonzero(_useful(hierarchy, known, masked)):
        members = hierarchy.equations[e]
        unknown = members[~known[members]]
        if len(unknown):
            rows.append((e, unknown))
            first = find(int(unknown[0]))
            for m in unknown[1:]:
                parent[find(int(m))] = first
    blocks: dict[int, list[int]] = {}
    holds_masked: set[int] = set()
    for e, unknown in rows:
        root = find(int(unknown[0]))
        blocks.setdefault(root, []).append(int(e))
        if masked[unknown].any():
            holds_masked.add(root)
    return [rows_ for root, rows_ in blocks.items() if root in holds_masked]


def _exposed(hierarchy: Hierarchy, known: np.ndarray, masked: np.ndarray) -> list[int]:
    """Masked cells the shown ones determine: one SVD per block."""
    exposed = []
    for rows in _blocks(hierarchy, known, masked):
        cells, free = _system(hierarchy, known, rows)
        exposed += [c for c, f in zip(cells, free) if masked[c] and not f]
    return sorted(exposed)


def _determined(hierarchy: Hierarchy, known: np.ndarray, masked: np.ndarray, cell: int) -> bool:
    """Whether the shown cells determine ``cell`` (its block only: useful equations linked to it by unknowns)."""
    unknown = ~known
    useful = _useful(hierarchy, known, masked)
    cells, rows, seen, frontier = {cell}, [], set(), [cell]
    while frontier:
        for e in hierarchy.touching[frontier.pop()]:
            if useful[e] and e not in seen:
                seen.add(e)
                rows.append(e)
                for m in hierarchy.equations[e][unknown[hierarchy.equations[e]]]:
                    if int(m) not in cells:
                        cells.add(int(m))
                        frontier.append(int(m))
    if not rows:
        return False
    order, free = _system(hierarchy, known, rows)
    return not bool(free[order.index(cell)])


def _complement(hierarchy: Hierarchy, cell: int, values: np.ndarray, known: np.ndarray, masked: np.ndarray,
                maskable: np.ndarray) -> int | None:
    """The shown cell to mask so ``cell`` is no longer recomputable.

    Candidates are the shown, maskable cells of the equations holding ``cell``, parts before totals and smallest
    first; the first whose masking frees ``cell`` is taken, else the first one (the next round goes on: the
    exposure came from several equations, e.g. two overlapping territories).
    """
    candidates = {int(m) for e in hierarchy.touching[cell] for m in hierarchy.equations[e]
                  if m != cell and known[m] and maskable[m]}
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: (hierarchy.level_rank[c], values[c], hierarchy.cells[c]))
    for candidate in ranked[:MAX_TRIES]:
        trial, also = known.copy(), masked.copy()
        trial[candidate], also[candidate] = False, True
        if not _determined(hierarchy, trial, also, cell):
            return candidate
    return ranked[0]
