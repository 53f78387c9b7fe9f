"""One catalogue of metrics: bands defined once, read everywhere, never re-typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sada.dashboards.service import SCORE_BANDS
from sada.interactions.service import RATING_RANGES
from sada.metrics import catalogue
from sada.metrics.stats import classify

SADA = Path(__file__).resolve().parents[2] / "sada"

# A rating or score compared with a number, or NPS-style band literals, outside the catalogue.
HAND_BANDS = re.compile(
    r"(rating|score)[\w\]\)]*\s*(<=|>=|<|>)\s*\d|(>=|<=)\s*(9|6)\b(?!\d)|rating_scale IN \('"
)
# Files allowed to hold such literals: the catalogue, and data that is not a metric.
ALLOWED = {"metrics/catalogue.py", "people/service.py"}


@pytest.mark.parametrize(
    ("scale", "rating", "band"),
    [
        ("nps", 6, "low"),
        ("nps", 7, "mid"),
        ("nps", 9, "high"),
        ("csat5", 2, "low"),
        ("csat5", 4, "high"),
        ("csat7", 3, "mid"),
        ("csat7", 6, "high"),
        ("ces7", 3, "low"),
        ("ces7", 4, "mid"),
        ("ces7", 5, "high"),
    ],
)
def test_bands(scale: str, rating: float, band: str) -> None:
    assert catalogue.SCALES[scale].band(rating) == band


def test_every_reader_agrees_with_the_catalogue() -> None:
    # The CES disagreement (easy from 5 in the statistics, from 6 on the dashboards) is gone.
    for key, scale in catalogue.SCALES.items():
        assert SCORE_BANDS[key] == (scale.low_band_max, scale.high_band_min)
        assert RATING_RANGES[key] == (scale.low, scale.high)
    assert classify("ces", 5, 7) == (1, 0, 0)
    assert classify("csat", 6, 7) == (1, 0, 0) and classify("csat", 2, 7) == (0, 0, 1)
    with pytest.raises(ValueError):
        classify("first_response", 3, 7)


def test_every_metric_says_how_it_counts_and_its_interval() -> None:
    for metric in catalogue.METRICS.values():
        assert metric.counts and metric.interval and metric.unit
        for scale in metric.scales:
            assert catalogue.SCALES[scale].metric == metric.key


def test_no_page_or_query_types_its_own_bands() -> None:
    found = []
    for path in SADA.rglob("*.py"):
        rel = path.relative_to(SADA).as_posix()
        if rel in ALLOWED or rel.startswith(("demo/", "text/")) or rel.endswith("demo.py"):
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if HAND_BANDS.search(code) and '"""' not in line and "len(" not in code:
                found.append(f"{rel}:{lineno}: {line.strip()}")
    assert not found, "use sada.metrics.catalogue instead:\n" + "\n".join(found)


def test_sql_band_matches_python_bands(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    scales = tuple(catalogue.SCALES)
    with sqlite_db.reader() as session:
        for key, scale in catalogue.SCALES.items():
            for rating in range(int(scale.low), int(scale.high) + 1):
                for band in ("low", "mid", "high"):
                    cond = catalogue.sql_band(band, ":scale", ":rating", scales)
                    got = session.execute(
                        text(f"SELECT CASE WHEN {cond} THEN 1 ELSE 0 END"),
                        {"scale": key, "rating": rating},
                    ).scalar_one()
                    assert bool(got) == (scale.band(rating) == band), (key, rating, band)
