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
