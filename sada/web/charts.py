"""Server-side SVG charts: no JavaScript, no third-party assets.

Colours come from the Okabe-Ito palette (distinguishable with the common
colour-vision deficiencies); every mark carries a <title> with its value and n,
and pages show the same numbers in a table. In right-to-left pages the time
axis runs from right to left and the value axis sits on the right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SENTIMENT_COLOURS = {"positive": "#0072B2", "neutral": "#999999", "negative": "#D55E00"}

W, H = 640, 240
M_START, M_END, M_TOP, M_BOTTOM = 52, 16, 24, 30


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    colour: str
    ns: Sequence[int] | None = None
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None
    dashed: bool = False
    hrefs: Sequence[str | None] | None = None  # each point's drill-down link (the list behind it)


LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate and its closing mark


def iso(text: str) -> str:
    """A number kept in its own left-to-right island: "-50" stays "-50" on a right-to-left
    chart instead of reading "50-" (the minus is neutral and would follow the text direction)."""
    return f"{LRI}{text}{PDI}"


def _nice_scale(value: float, fmt: Callable[[float], str] = str) -> tuple[float, int]:
    """The top of a value axis from zero and its number of steps: each step 1, 2 or 5 times a
    power of ten, at most five of them, so ticks read 0, 2, 4, 6, 8, 10 — never 2.5 and 7.5
    shown rounded to "2" and "8" by a whole-number format. A step the format cannot tell apart
    (0.2 with whole numbers: "0, 0, 0, 1") gives way to the next larger one."""
    if value <= 0:
        return 1.0, 4
    magnitude = 10 ** math.floor(math.log10(value / 5))
    candidates = [m * magnitude * 10**k for k in (0, 1, 2) for m in (1, 2, 5)]
    fitting = [step for step in candidates if step * 5 >= value]
    for step in fitting:
        steps = max(1, math.ceil(round(value / step, 9)))
        ticks = [fmt(round(k * step, 12)) for k in range(steps + 1)]
        if len(set(ticks)) == len(ticks) or step == fitting[-1]:
            return round(steps * step, 12), steps
    return value, 1  # not reached: the last fitting step returns


class _Frame:
    def __init__(self, rtl: bool, count: int, y_min: float, y_max: float) -> None:
        self.rtl = rtl
        self.count = max(count, 1)
        self.y_min, self.y_max = y_min, y_max
        self.plot_w = W - M_START - M_END
        self.plot_h = H - M_TOP - M_BOTTOM

    def x(self, i: float) -> float:
        step = self.plot_w / max(self.count - 1, 1)
        offset = M_START + (i * step if self.count > 1 else self.plot_w / 2)
        return W - offset if self.rtl else offset

    def y(self, v: float) -> float:
        span = (self.y_max - self.y_min) or 1.0
        return M_TOP + self.plot_h * (1 - (v - self.y_min) / span)

    @property
    def axis_x(self) -> float:
        return W - M_START if self.rtl else M_START


def _open(title: str, rtl: bool, desc: str) -> list[str]:
    direction = "rtl" if rtl else "ltr"
    return [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
        f'direction="{direction}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]


def _axes(
    frame: _Frame, ticks: int, y_fmt: Callable[[float], str], labels: Sequence[str]
) -> list[str]:
    out = []
    for t in range(ticks + 1):
        v = frame.y_min + (frame.y_max - frame.y_min) * t / ticks
        y = frame.y(v)
        x0, x1 = (M_END, W - M_START) if frame.rtl else (M_START, W - M_END)
        out.append(
            f'<line class="grid" x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" stroke-width="1"/>'
        )
        tx = frame.axis_x + (6 if frame.rtl else -6)
        out.append(
            f'<text x="{tx:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#444">{escape(iso(y_fmt(v)))}</text>'
        )
    n = len(labels)
    every = max(1, math.ceil(n / 8))
    for i, label in enumerate(labels):
        if i != n - 1 and (i % every or n - 1 - i < every):
            continue
        # The last label sits at the far edge: it ends there instead of overflowing the frame
        # ("end" is the text's end in the chart's direction: its right in LTR, left in RTL).
        anchor = "end" if i == n - 1 and n > 1 else "middle"
        out.append(
            f'<text x="{frame.x(i):.1f}" y="{H - 10}" text-anchor="{anchor}" font-size="11" fill="#444">{escape(iso(label))}</text>'
        )
    return out


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    rtl: bool,
    y_fmt: Callable[[float], str],
    n_label: str = "n",
    y_min: float | None = None,
    y_max: float | None = None,
) -> Markup:
    values = [
        v for s in series for v in [*s.values, *(s.high or []), *(s.low or [])] if v is not None
    ]
    lo = y_min if y_min is not None else min(0.0, min(values, default=0.0))
    ticks = 4
    if y_max is not None:
        hi = y_max
    elif lo == 0:
        hi, ticks = _nice_scale(max(values, default=1.0), y_fmt)
    else:
        hi = _nice_scale(max(values, default=1.0))[0]
    frame = _Frame(rtl, len(labels), lo, hi)
    out = _open(title, rtl, ", ".join(s.name for s in series))
    out += _axes(frame, ticks, y_fmt, labels)
    for s in series:
        if s.low is not None and s.high is not None:
            top = [(frame.x(i), frame.y(h)) for i, h in enumerate(s.high) if h is not None]
            bottom = [(frame.x(i), frame.y(v)) for i, v in enumerate(s.low) if v is not None]
            if top and bottom:
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*top, *reversed(bottom)])
                out.append(
                    f'<polygon points="{pts}" fill="{s.colour}" fill-opacity="0.15" stroke="none"/>'
                )
        segments: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                segments.append([])
            else:
                segments[-1].append((frame.x(i), frame.y(v)))
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        for seg in segments:
            if len(seg) > 1:
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
                out.append(
                    f'<polyline points="{pts}" fill="none" stroke="{s.colour}" stroke-width="2"{dash}/>'
                )
        for i, v in enumerate(s.values):
            if v is None:
                continue
            tip = f"{s.name} · {iso(labels[i])}: {iso(y_fmt(v))}"
            if (
                s.low is not None
                and s.high is not None
                and s.low[i] is not None
                and s.high[i] is not None
            ):
                tip += f" [{iso(y_fmt(s.low[i]))} – {iso(y_fmt(s.high[i]))}]"  # type: ignore[arg-type]
            if s.ns is not None:
                tip += f" ({n_label} = {s.ns[i]})"
            circle = (
                f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(v):.1f}" r="3.5" fill="{s.colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
            href = s.hrefs[i] if s.hrefs is not None and i < len(s.hrefs) else None
            if href and href.startswith("/"):
                circle = f'<a class="drill" href="{escape(href)}">{circle}</a>'
            out.append(circle)
    out.append(_legend(series, rtl))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text piece above is escaped


def _legend(series: Sequence[Series], rtl: bool) -> str:
    if len(series) < 2:
        return ""
    parts = []
    pos = 0.0
    for s in series:
        x = W - M_END - pos if rtl else M_START + pos
        sw = x - 12 if rtl else x
        tx = x - 16 if rtl else x + 16
        parts.append(f'<rect x="{sw:.1f}" y="0" width="12" height="10" fill="{s.colour}"/>')
        parts.append(
            f'<text x="{tx:.1f}" y="9" text-anchor="start" font-size="11" fill="#222">{escape(s.name)}</text>'
        )
        pos += 28 + 7 * len(s.name)
    return "".join(parts)


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    rtl: bool,
    v_fmt: Callable[[float], str],
    colour: str = PALETTE[0],
    tips: Sequence[str] | None = None,
) -> Markup:
    """Horizontal bars (labels at the start side, bars growing toward the end side)."""
    rows = list(items)[:12]
    row_h = 22
    height = max(row_h * len(rows) + 8, 40)
    label_w = 140
    plot_w = W - label_w - 70
    top = max((v for _l, v in rows), default=1.0) or 1.0
    direction = "rtl" if rtl else "ltr"
    out = [
        f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}" '
        f'direction="{direction}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        length = plot_w * value / top
        bar_x = W - label_w - length if rtl else label_w
        label_x = W - label_w + 8 if rtl else label_w - 8
        value_x = bar_x - 6 if rtl else bar_x + length + 6
        tip = tips[i] if tips else f"{label}: {iso(v_fmt(value))}"
        out.append(
            f'<text x="{label_x:.1f}" y="{y + 15}" text-anchor="end" font-size="12" fill="#222">{escape(label)}</text>'
            f'<rect x="{bar_x:.1f}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row_h - 6}" fill="{colour}">'
            f"<title>{escape(tip)}</title></rect>"
            f'<text x="{value_x:.1f}" y="{y + 15}" text-anchor="start" font-size="11" fill="#444">{escape(iso(v_fmt(value)))}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text piece above is escaped
