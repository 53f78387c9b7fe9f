"""Metric math against hand-computed values."""

from __future__ import annotations

import math

from sada.metrics.stats import Sums, classify, compare, figures


def sums(metric: str, scores: list[int], scale_max: int = 10) -> Sums:
    s = Sums()
    for x in scores:
        hi, mid, lo = classify(metric, x, scale_max)
        s.add((1, hi, mid, lo, x, x * x))
    return s


def test_nps_margin_of_error_from_the_split() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS 30, var = .5+.2-.3^2 = .61
    s = sums("nps", [10] * 50 + [7] * 30 + [3] * 20)
    f = figures("nps", s)
    assert (f["n"], f["promoters"], f["passives"], f["detractors"]) == (100, 50, 30, 20)
    assert f["nps"] == 30.0
    moe = 1.959963984540054 * 100 * math.sqrt(0.61 / 100)
    assert f["moe"] == round(moe, 2)
    assert f["ci_low"] == round(30 - moe, 2) and f["ci_high"] == round(30 + moe, 2)
    assert f["low_sample"] is False


def test_nps_edges_and_small_samples() -> None:
    f = figures("nps", sums("nps", [10] * 5))
    assert f["nps"] == 100 and f["moe"] == 0 and f["ci_high"] == 100 and f["low_sample"] is True
    empty = figures("nps", Sums())
    assert empty["nps"] is None and empty["n"] == 0 and empty["low_sample"] is True


def test_csat_top2_and_mean_on_both_scales() -> None:
    f = figures("csat", sums("csat", [5, 4, 3, 2, 1], 5))
    assert f["csat"] == 40.0 and f["mean"] == 3.0
    f7 = figures("csat", sums("csat", [7, 6, 5, 1], 7))
    assert f7["csat"] == 50.0


def test_ces_mean_and_easy() -> None:
    f = figures("ces", sums("ces", [7, 6, 5, 4, 1], 7))
    assert f["ces"] == 4.6 and f["easy_pct"] == 60.0 and f["moe"] > 0


def test_nps_difference_significance() -> None:
    a = sums("nps", [10] * 200 + [8] * 100 + [2] * 100)  # NPS 25
    b = sums("nps", [10] * 120 + [8] * 130 + [2] * 150)  # NPS -7.5
    r = compare("nps", a, b)
    assert r["difference"] == -32.5
    se = math.sqrt(
        (100 * math.sqrt((0.5 + 0.25 - 0.0625) / 400)) ** 2
        + (100 * math.sqrt((0.3 + 0.375 - 0.075**2) / 400)) ** 2
    )
    assert abs(r["z"] - (-32.5 / se)) < 1e-3
    assert r["verdict"] == "significant" and r["p_value"] < 0.001
    same = compare("nps", a, sums("nps", [10] * 199 + [8] * 101 + [2] * 100))
    assert same["verdict"] == "not significant" and same["p_value"] > 0.5


def test_csat_two_proportion_z_test() -> None:
    # 80/100 vs 70/100 top-2: pooled p .75, se = sqrt(.75*.25*.02) = .0612, z = 1.633, p = .102
    a = sums("csat", [5] * 80 + [1] * 20, 5)
    b = sums("csat", [5] * 70 + [1] * 30, 5)
    r = compare("csat", a, b)
    assert r["test"].startswith("two-proportion")
    assert abs(r["z"] + 1.633) < 0.001 and abs(r["p_value"] - 0.1025) < 0.001
    assert r["verdict"] == "not significant"


def test_small_samples_are_flagged_in_comparisons() -> None:
    r = compare("nps", sums("nps", [10] * 10), sums("nps", [0] * 10))
    assert r["low_sample"] is True and "fewer than 30" in r["note"]
