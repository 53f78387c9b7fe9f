"""Statistics for journeys: intervals, tests, relative importance.

Small and dependency-light (numpy, scipy); every function says what it assumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (good at small n and near 0 or 1)."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_ci(
    promoters: int, detractors: int, n: int, z: float = Z95
) -> tuple[float, float, float] | None:
    """NPS (-100..100) and its normal-approximation interval (multinomial variance)."""
    if n <= 0:
        return None
    p, d = promoters / n, detractors / n
    score = p - d
    var = (p + d - score * score) / n
    half = z * math.sqrt(max(var, 0.0))
    return 100 * score, 100 * max(-1.0, score - half), 100 * min(1.0, score + half)


def mean_ci(total: float, total_sq: float, n: int) -> tuple[float, float, float] | None:
    """Mean with a t interval from sums (n >= 2 for an interval)."""
    if n <= 0:
        return None
    mean = total / n
    if n < 2:
        return mean, mean, mean
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    half = float(sps.t.ppf(0.975, n - 1)) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def two_proportions(k1: int, n1: int, k2: int, n2: int) -> dict[str, Any]:
    """Difference of two rates: z test, or Fisher's exact test when a cell is small."""
    if n1 <= 0 or n2 <= 0:
        return {"difference": None, "p_value": None, "relative_risk": None, "test": None}
    p1, p2 = k1 / n1, k2 / n2
    cells = (k1, n1 - k1, k2, n2 - k2)
    if min(cells) < 5:
        _, p_value = sps.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]])
        test = "fisher"
    else:
        pooled = (k1 + k2) / (n1 + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p_value = 1.0 if se == 0 else float(2 * sps.norm.sf(abs(p1 - p2) / se))
        test = "z"
    return {
        "difference": p1 - p2,
        "p_value": float(p_value),
        "relative_risk": (p1 / p2) if p2 > 0 else None,
        "test": test,
    }


def quantile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL percentile_cont)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * p
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (pos - lo) * (xs[hi] - xs[lo])


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's (2000) relative weights: each predictor's share of R².

    Predictors are replaced by their closest orthogonal counterparts; the weights
    add up to the model's R² and, unlike standardized betas, stay meaningful when
    predictors are correlated. Constant columns get weight 0.
    """
    n, k = x.shape
    if n < 3 or k == 0:
        return np.zeros(k), 0.0
    sx = x.std(axis=0)
    keep = sx > 0
    weights = np.zeros(k)
    if not keep.any() or y.std() == 0:
        return weights, 0.0
    xs = (x[:, keep] - x[:, keep].mean(axis=0)) / sx[keep]
    ys = (y - y.mean()) / y.std()
    rxx = (xs.T @ xs) / n
    rxy = (xs.T @ ys) / n
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 1e-12, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam**2) @ (beta**2)
    weights[keep] = raw
    return weights, float(raw.sum())


@dataclass
class DriverFit:
    weights: np.ndarray
    r2: float
    low: np.ndarray
    high: np.ndarray


def bootstrap_weights(x: np.ndarray, y: np.ndarray, reps: int = 200, seed: int = 7) -> DriverFit:
    """Relative weights with percentile bootstrap 95% intervals (resampling respondents)."""
    weights, r2 = relative_weights(x, y)
    n = len(y)
    rng = np.random.default_rng(seed)
    samples = np.zeros((reps, x.shape[1]))
    for r in range(reps):
        idx = rng.integers(0, n, n)
        samples[r], _ = relative_weights(x[idx], y[idx])
    low = np.percentile(samples, 2.5, axis=0) if reps else weights
    high = np.percentile(samples, 97.5, axis=0) if reps else weights
    return DriverFit(weights=weights, r2=r2, low=low, high=high)
