"""Metric math: NPS, CSAT, CES, eNPS with margins of error and significance tests.

Everything is computed from six sums (n, hi, mid, lo, total, total_sq), which is
what the rollups store, so a figure served from rollups equals the figure from
raw responses exactly.

- NPS/eNPS: each response scores +1 (promoter, 9-10), 0 (passive, 7-8) or -1
  (detractor, 0-6). NPS = 100 (p - d); its variance per response is
  p + d - (p - d)^2, so SE = 100 sqrt(var / n) and the 95% interval is
  NPS +/- 1.96 SE (clipped to -100..100).
- CSAT: % top-2-box (two highest points of the scale) with the Wald interval,
  and the mean score.
- CES (1-7): mean with a 95% interval, and % easy (5-7).
- Differences: NPS via z = (N1 - N2) / sqrt(SE1^2 + SE2^2); CSAT via a pooled
  two-proportion z-test; CES via a two-sample z-test on means (Welch's SE).
  Two-sided p-values; "significant" when p < 0.05.
- Any figure with n < 30 carries `low_sample: true`; a comparison where either
  side is below 30 says so in `note`, whatever its p-value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sada.metrics import catalogue

Z95 = 1.959963984540054
MIN_N = 30
ALPHA = 0.05


def classify(metric: str, score: float, scale_max: float) -> tuple[int, int, int]:
    """(hi, mid, lo) for one score: promoter/passive/detractor, top-2/middle/bottom-2,
    easy/neutral/hard — the bands of the metric catalogue (`sada.metrics.catalogue`)."""
    if metric not in catalogue.METRICS or not catalogue.METRICS[metric].scales:
        raise ValueError(f"unknown metric {metric!r}")
    return catalogue.band_counts(catalogue.scale_for(metric, scale_max).key, score)


@dataclass
class Sums:
    n: int = 0
    hi: int = 0
    mid: int = 0
    lo: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def add(self, other: Sums | tuple[int, int, int, int, float, float]) -> None:
        if isinstance(other, Sums):
            other = (other.n, other.hi, other.mid, other.lo, other.total, other.total_sq)
        self.n += int(other[0])
        self.hi += int(other[1])
        self.mid += int(other[2])
        self.lo += int(other[3])
        self.total += float(other[4])
        self.total_sq += float(other[5])

    def as_tuple(self) -> tuple[int, int, int, int, float, float]:
        return (self.n, self.hi, self.mid, self.lo, self.total, self.total_sq)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def nps_se(s: Sums) -> float | None:
    """Standard error of NPS on the -100..100 scale."""
    if s.n == 0:
        return None
    p, d = s.hi / s.n, s.lo / s.n
    var = max(0.0, p + d - (p - d) ** 2)
    return 100 * math.sqrt(var / s.n)


def nps_figures(s: Sums) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": s.n,
        "promoters": s.hi,
        "passives": s.mid,
        "detractors": s.lo,
        "nps": None,
        "moe": None,
        "ci_low": None,
        "ci_high": None,
        "low_sample": s.n < MIN_N,
    }
    if s.n:
        nps = 100 * (s.hi - s.lo) / s.n
        se = nps_se(s) or 0.0
        moe = Z95 * se
        out.update(
            nps=_r(nps),
            moe=_r(moe),
            ci_low=_r(max(-100.0, nps - moe)),
            ci_high=_r(min(100.0, nps + moe)),
            promoters_pct=_r(100 * s.hi / s.n),
            passives_pct=_r(100 * s.mid / s.n),
            detractors_pct=_r(100 * s.lo / s.n),
        )
    return out


def _mean_and_se(s: Sums) -> tuple[float | None, float | None]:
    if s.n == 0:
        return None, None
    mean = s.total / s.n
    if s.n < 2:
        return mean, None
    var = max(0.0, (s.total_sq - s.n * mean * mean) / (s.n - 1))
    return mean, math.sqrt(var / s.n)


def csat_figures(s: Sums) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": s.n,
        "top2": s.hi,
        "csat": None,
        "moe": None,
        "ci_low": None,
        "ci_high": None,
        "mean": None,
        "low_sample": s.n < MIN_N,
    }
    if s.n:
        p = s.hi / s.n
        moe = 100 * Z95 * math.sqrt(p * (1 - p) / s.n)
        mean, _se = _mean_and_se(s)
        out.update(
            csat=_r(100 * p),
            moe=_r(moe),
            ci_low=_r(max(0.0, 100 * p - moe)),
            ci_high=_r(min(100.0, 100 * p + moe)),
            mean=_r(mean, 3),
        )
    return out


def ces_figures(s: Sums) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": s.n,
        "ces": None,
        "moe": None,
        "ci_low": None,
        "ci_high": None,
        "easy": s.hi,
        "easy_pct": None,
        "low_sample": s.n < MIN_N,
    }
    if s.n:
        mean, se = _mean_and_se(s)
        moe = Z95 * se if se is not None else None
        out.update(
            ces=_r(mean, 3),
            moe=_r(moe, 3),
            ci_low=_r(mean - moe, 3) if moe is not None and mean is not None else None,
            ci_high=_r(mean + moe, 3) if moe is not None and mean is not None else None,
            easy_pct=_r(100 * s.hi / s.n),
        )
    return out


def figures(metric: str, s: Sums) -> dict[str, Any]:
    if metric == "nps":
        return nps_figures(s)
    if metric == "enps":
        out = nps_figures(s)
        out["enps"] = out["nps"]
        return out
    if metric == "csat":
        return csat_figures(s)
    if metric == "ces":
        return ces_figures(s)
    raise ValueError(f"unknown metric {metric!r}")


def two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def compare(metric: str, a: Sums, b: Sums) -> dict[str, Any]:
    """Test whether b differs from a; the verdict says "significant" or "not significant"."""
    result: dict[str, Any] = {
        "metric": metric,
        "a": figures(metric, a),
        "b": figures(metric, b),
        "difference": None,
        "z": None,
        "p_value": None,
        "verdict": "not significant",
        "test": "",
        "low_sample": a.n < MIN_N or b.n < MIN_N,
        "note": "",
    }
    if a.n == 0 or b.n == 0:
        result["note"] = "one side has no responses"
        return result
    if metric in ("nps", "enps"):
        result["test"] = "z-test on the difference of two NPS values (variances of the split)"
        diff = 100 * ((b.hi - b.lo) / b.n - (a.hi - a.lo) / a.n)
        se = math.sqrt((nps_se(a) or 0) ** 2 + (nps_se(b) or 0) ** 2)
    elif metric == "csat":
        result["test"] = "two-proportion z-test on top-2-box"
        pa, pb = a.hi / a.n, b.hi / b.n
        pooled = (a.hi + b.hi) / (a.n + b.n)
        diff = 100 * (pb - pa)
        se = 100 * math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n))
    elif metric == "ces":
        result["test"] = "two-sample z-test on mean effort (Welch standard error)"
        ma, sea = _mean_and_se(a)
        mb, seb = _mean_and_se(b)
        diff = (mb or 0) - (ma or 0)
        se = math.sqrt((sea or 0) ** 2 + (seb or 0) ** 2)
    else:
        raise ValueError(f"unknown metric {metric!r}")
    result["difference"] = _r(diff, 3)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        z = 0.0 if diff == 0 else math.copysign(math.inf, diff)
    else:
        z = diff / se
        p = two_sided_p(z)
    result["z"] = _r(z, 3) if math.isfinite(z) else None
    result["p_value"] = round(p, 4)
    result["verdict"] = "significant" if p < ALPHA else "not significant"
    if result["low_sample"]:
        result["note"] = f"fewer than {MIN_N} responses on one side: treat the verdict with caution"
    return result
