"""Spike detection on daily mention volume and negative share, with weekly seasonality.

Each day is compared with the same weekday of the weeks before it (a Saturday with
Saturdays). Volume: the expected value is their median; the spread their median absolute
deviation (scaled to a standard deviation), never below the Poisson noise of that level.
Negative share: the expected share is the pooled share of those weekdays (taken one standard
error high, as it is an estimate); how unusual the day is comes from the exact binomial tail of
its negative count, and no more than the weeks' own scatter of shares allows. The robust z-score says how unusual the day is; a spike needs z >= `threshold`,
enough posts to matter, and (for volume) a real ratio.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from scipy.stats import binom, norm

WEEKS = 8
MIN_WEEKS = 3
THRESHOLD = 4.0
MIN_COUNT = 8
MIN_RATIO = 1.5
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Spike:
    day: date
    metric: str  # volume | negative
    value: float
    expected: float
    score: float  # robust z-score
    ratio: float  # value / expected
    mentions: int
    history_weeks: int

    def to_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "metric": self.metric,
            "value": round(self.value, 4),
            "expected": round(self.expected, 4),
            "score": round(self.score, 2),
            "ratio": round(self.ratio, 2) if math.isfinite(self.ratio) else None,
            "mentions": self.mentions,
            "history_weeks": self.history_weeks,
        }


def _history(
    counts: Mapping[date, tuple[int, int]], day: date, first: date, weeks: int
) -> list[tuple[int, int]]:
    found = []
    for k in range(1, weeks + 1):
        d = day - timedelta(days=7 * k)
        if d < first:
            break
        found.append(counts.get(d, (0, 0)))
    return found


def _mad(values: list[float], center: float) -> float:
    return statistics.median(abs(v - center) for v in values) * MAD_TO_SD


def _volume(
    day: date, total: int, history: list[tuple[int, int]], threshold: float
) -> Spike | None:
    volumes = [float(h[0]) for h in history]
    expected = statistics.median(volumes)
    # Poisson noise of the larger of median and mean (few weeks make the median jumpy).
    level = max(expected, statistics.fmean(volumes), 1.0)
    spread = max(_mad(volumes, expected), math.sqrt(level))
    z = (total - expected) / spread
    ratio = total / expected if expected > 0 else math.inf
    if z >= threshold and total >= MIN_COUNT and ratio >= MIN_RATIO:
        return Spike(day, "volume", total, expected, z, ratio, total, len(history))
    return None


def _negative(
    day: date, total: int, negative: int, history: list[tuple[int, int]], threshold: float
) -> Spike | None:
    if total < MIN_COUNT or negative < MIN_COUNT // 2:
        return None
    shares = [h[1] / h[0] for h in history if h[0] > 0]
    if len(shares) < MIN_WEEKS:
        return None
    share = negative / total
    hist_n = max(sum(h[0] for h in history), 1)
    pooled = sum(h[1] for h in history) / hist_n
    # The history's share is itself an estimate: judge against its upper standard error.
    level = pooled + math.sqrt(max(pooled * (1 - pooled), 0.01) / hist_n)
    level = min(max(level, statistics.median(shares), 0.02), 0.98)
    # A normal approximation first: when even it finds nothing unusual, neither will the
    # exact tail (the binomial's right tail is the heavier one), so most days stop here.
    if (share - level) / math.sqrt(level * (1 - level) / total) < threshold - 0.5:
        return None
    # Exact binomial tail (small counts are skewed), as a z-score; and the weeks' own
    # scatter of shares, so a naturally jumpy brand needs a bigger jump.
    tail = float(binom.sf(negative - 1, total, level))
    z = float(norm.isf(max(tail, 1e-300)))
    scatter = _mad(shares, statistics.median(shares))
    if scatter > 0:
        z = min(z, (share - level) / scatter)
    if z < threshold:
        return None
    ratio = share / pooled if pooled > 0 else math.inf
    return Spike(day, "negative", share, pooled, z, ratio, total, len(history))


def detect(
    counts: Mapping[date, tuple[int, int]],
    days: Iterable[date],
    *,
    first: date | None = None,
    weeks: int = WEEKS,
    threshold: float = THRESHOLD,
) -> list[Spike]:
    """Spikes among `days`, given (mentions, negative) per day; `first` = when data starts."""
    if not counts:
        return []
    start = first or min(counts)
    out: list[Spike] = []
    for day in sorted(days):
        history = _history(counts, day, start, weeks)
        if len(history) < MIN_WEEKS:
            continue
        total, negative = counts.get(day, (0, 0))
        for spike in (
            _volume(day, total, history, threshold),
            _negative(day, total, negative, history, threshold),
        ):
            if spike is not None:
                out.append(spike)
    return out
