"""The metric catalogue: every measure Sada shows, defined once.

A rating scale says its range and its bands (low / middle / high: detractor / passive /
promoter for NPS, bottom-2 / middle / top-2 box for CSAT, hard / neutral / easy for CES).
A metric says which scale(s) feed it, which way is better, its unit, which interactions
count, and how its interval is computed. Every page, export and API answer reads these
definitions; `tests/metrics/test_catalogue.py` fails on band thresholds written elsewhere.

This module imports nothing from Sada, so every layer may use it (the import-boundary
contract lists it as shared definitions).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    key: str
    low: float  # lowest possible rating
    high: float  # highest possible rating
    low_band_max: float  # ratings <= this are "low" (detractor, bottom-2, hard)
    high_band_min: float  # ratings >= this are "high" (promoter, top-2, easy)
    metric: str  # the metric it feeds

    def band(self, rating: float) -> str:
        if rating >= self.high_band_min:
            return "high"
        if rating <= self.low_band_max:
            return "low"
        return "mid"


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str  # "score" (-100..100), "percent", "mean", "minutes", "share"
    higher_is_better: bool
    scales: tuple[str, ...] = ()
    counts: str = ""  # which interactions count
    interval: str = ""  # how its 95% interval is computed
    min_n: int = 30  # below this, figures carry low_sample


SCALES: dict[str, Scale] = {
    s.key: s
    for s in (
        Scale("nps", 0, 10, 6, 9, "nps"),
        Scale("enps", 0, 10, 6, 9, "enps"),
        Scale("csat5", 1, 5, 2, 4, "csat"),
        Scale("csat7", 1, 7, 2, 6, "csat"),
        Scale("ces7", 1, 7, 3, 5, "ces"),
        Scale("stars5", 1, 5, 2, 4, "stars"),
        Scale("scale10", 0, 10, 6, 9, "scale10"),
    )
}

VOICE = "ratings and texts from the outside party (origins customer and import), live or history"

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "nps",
            "Net Promoter Score",
            "score",
            True,
            ("nps",),
            VOICE + ", on the 0-10 'would you recommend' scale",
            "100 (p - d) +/- 1.96 * 100 sqrt((p + d - (p - d)^2) / n)",
        ),
        Metric(
            "enps",
            "Employee Net Promoter Score",
            "score",
            True,
            ("enps",),
            "employees' ratings on the 0-10 scale",
            "as NPS",
        ),
        Metric(
            "csat",
            "Customer satisfaction (top-2 box)",
            "percent",
            True,
            ("csat5", "csat7"),
            VOICE + ", on 1-5 or 1-7 satisfaction scales",
            "Wald interval of the top-2-box proportion",
        ),
        Metric(
            "ces",
            "Customer effort (mean, 1-7; % easy)",
            "mean",
            True,
            ("ces7",),
            VOICE + ", on the 1-7 'easy to get help' scale",
            "mean +/- 1.96 s / sqrt(n)",
        ),
        Metric(
            "stars",
            "Star rating (mean, 1-5)",
            "mean",
            True,
            ("stars5",),
            "reviews and star ratings from the outside party",
            "mean +/- 1.96 s / sqrt(n)",
        ),
        Metric(
            "first_response",
            "First response time",
            "minutes",
            False,
            counts="conversations opened by the customer; first agent reply, business hours "
            "of the conversation's SLA calendar where one applies",
            interval="median and 90th percentile (no interval)",
        ),
        Metric(
            "resolution",
            "Resolution time",
            "minutes",
            False,
            counts="conversations from opening to solved",
            interval="median and 90th percentile (no interval)",
        ),
        Metric(
            "sla_attainment",
            "SLA attainment",
            "share",
            True,
            counts="SLA targets that came due in the period: met / (met + breached)",
            interval="Wilson interval",
        ),
        Metric(
            "negative_share",
            "Negative sentiment share",
            "share",
            False,
            counts="analysed texts of the outside party",
            interval="Wilson interval",
        ),
        Metric(
            "complaint_rate",
            "Complaint rate",
            "share",
            False,
            counts="interactions of type complaint among the outside party's",
            interval="Wilson interval",
        ),
    )
}

# Rating ranges per scale (what ingest accepts).
RANGES: dict[str, tuple[float, float]] = {k: (s.low, s.high) for k, s in SCALES.items()}
# (highest low rating, lowest high rating) per scale, for filters and SQL.
BANDS: dict[str, tuple[float, float]] = {
    k: (s.low_band_max, s.high_band_min) for k, s in SCALES.items()
}


def scales_of(metric: str) -> tuple[str, ...]:
    return METRICS[metric].scales


def band_counts(scale: str, rating: float) -> tuple[int, int, int]:
    """(high, mid, low) as 0/1 for one rating: promoter/passive/detractor and the like."""
    band = SCALES[scale].band(rating)
    return (int(band == "high"), int(band == "mid"), int(band == "low"))


def scale_for(metric: str, scale_max: float) -> Scale:
    """The scale of `metric` whose top is `scale_max` (CSAT on 5 or 7 points)."""
    for key in METRICS[metric].scales:
        if SCALES[key].high == scale_max:
            return SCALES[key]
    return SCALES[METRICS[metric].scales[0]]


def sql_band(band: str, scale_col: str, rating_col: str, scales: tuple[str, ...]) -> str:
    """A SQL condition: the rating is in `band` of its scale (for hand-written SQL)."""
    parts = []
    for key in scales:
        s = SCALES[key]
        cond = {
            "high": f"{rating_col} >= {s.high_band_min:g}",
            "low": f"{rating_col} <= {s.low_band_max:g}",
            "mid": f"{rating_col} > {s.low_band_max:g} AND {rating_col} < {s.high_band_min:g}",
        }[band]
        parts.append(f"({scale_col} = '{key}' AND {cond})")
    return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"


def sql_scale_in(scale_col: str, scales: tuple[str, ...]) -> str:
    return f"{scale_col} IN ({', '.join(repr(s) for s in scales)})"
