"""Deterministic random draws: one stream per département and purpose, drawn for all départements at once.

A département's data must not depend on which other départements are generated with it, so each
has its own generator per purpose (``stream``). ``Streams`` asks every département's generator for
its share of a draw and lays the parts end to end, in the order of the scope's départements: the
computations that follow are then vectorised over the whole scope while every number still comes
from its own département's stream. Values that belong to a territory rather than to a département
(a revision of a published EPCI rate) come from ``keyed_uniform``, a hash of the territory's code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

# Any seed gives a calibrated demo; the priority picture (which EPCI a rule set flags, and why) is
# left to the draws. This seed's Saône-et-Loire shows every case the app's pages are tested on,
# e.g. a communauté de communes not prioritaire in 2020 and EPCI leaving priority when a threshold
# is lowered.
DEFAULT_SEED = 79


def stream(seed: int, departement: str, purpose: str) -> np.random.Generator:
    """One independent generator per (seed, département, purpose)."""
    return np.random.default_rng([seed, *f"{departement}/{purpose}".encode()])


class Streams:
    """The generators of one purpose, one per département, and draws split by département sizes.

    ``sizes[i]`` is how many values the i-th département needs; a draw returns their
    concatenation along the last axis (``rows`` adds a leading axis, e.g. one row per year).
    """

    def __init__(self, seed: int, departements: Sequence[str], purpose: str):
        self._rngs = [stream(seed, d, purpose) for d in departements]

    def random(self, sizes, rows: int | None = None) -> np.ndarray:
        """Uniform in [0, 1)."""
        return self._joined(sizes, rows, lambda rng, shape: rng.random(shape))

    def normal(self, sizes, rows: int | None = None) -> np.ndarray:
        """Standard normal."""
        return self._joined(sizes, rows, lambda rng, shape: rng.standard_normal(shape))

    def binomial(self, trials: np.ndarray, p: np.ndarray, sizes) -> np.ndarray:
        """Binomial draws for arrays laid out by département along their last axis."""
        cuts = np.cumsum(sizes)[:-1]
        parts = zip(self._rngs, np.split(trials, cuts, axis=-1), np.split(p, cuts, axis=-1))
        return np.concatenate([rng.binomial(n, q) for rng, n, q in parts], axis=-1)

    def _joined(self, sizes, rows, draw) -> np.ndarray:
        parts = [draw(rng, int(n) if rows is None else (rows, int(n))) for rng, n in zip(self._rngs, sizes)]
        return np.concatenate(parts, axis=-1)


def noise(z: np.ndarray, sigma) -> np.ndarray:
    """Multiplicative noise with median 1 from standard normal draws ``z``."""
    return np.exp(sigma * z)


def keyed_uniform(seed: int, purpose: str, keys: Sequence[str]) -> np.ndarray:
    """A uniform in [0, 1) per key, fixed by (seed, purpose, key) alone, whatever else is drawn."""
    digests = (hashlib.blake2b(f"{seed}/{purpose}/{key}".encode(), digest_size=8).digest() for key in keys)
    top_53_bits = (int.from_bytes(d, "big") >> 11 for d in digests)  # exact in a double, so never 1.0
    return np.fromiter(top_53_bits, dtype=np.float64, count=len(keys)) / 2.0 ** 53
