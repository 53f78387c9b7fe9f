"""Server-drawn charts: the time axis's labels stay inside the frame in both directions."""

from __future__ import annotations

import re

import pytest

from sada.web.charts import H, Series, W, line_chart

LABELS = [f"2026-11-{d:02d}" for d in range(1, 31)]


@pytest.mark.parametrize("rtl", [False, True])
def test_the_last_time_label_ends_at_the_far_edge(rtl: bool) -> None:
    svg = str(
        line_chart(
            "t",
            LABELS,
            [Series(name="A", values=[float(i % 7) for i in range(30)], colour="#06c")],
            rtl=rtl,
            y_fmt=lambda v: f"{v:.0f}",
        )
    )
    labels = re.findall(rf'<text x="([\d.]+)" y="{H - 10}" text-anchor="(\w+)"', svg)
    assert len(labels) >= 2
    *inner, (last_x, last_anchor) = labels
    # Centred on the far edge, a date would overflow the frame (cut off in every page's chart).
    assert last_anchor == "end"
    assert all(anchor == "middle" for _x, anchor in inner)
    far = float(last_x)
    assert (far < W / 4) if rtl else (far > 3 * W / 4)


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (8.2, ["0", "2", "4", "6", "8", "10"]),  # not 0, 2.5, 5, 7.5, 10 shown as "2" and "8"
        (37.0, ["0", "10", "20", "30", "40"]),
        (1.0, ["0", "1"]),  # whole numbers cannot show 0.2 steps: one step
    ],
)
def test_value_ticks_are_round_numbers_the_format_can_show(top: float, expected: list[str]) -> None:
    svg = str(
        line_chart(
            "t",
            LABELS[:3],
            [Series(name="A", values=[0.0, top / 2, top], colour="#06c")],
            rtl=False,
            y_fmt=lambda v: f"{v:.0f}",
        )
    )
    ticks = re.findall(
        r'text-anchor="end" font-size="11" fill="#444">\u2066([^\u2069]*)\u2069', svg
    )
    # The value ticks come first; the time axis's last label (also "end") follows them.
    assert ticks[: len(expected)] == expected
    assert len(ticks) == len(expected) + 1
