"""Listening's figures in a scheduled report: the brands against their competitors (mentions,
share of voice, net sentiment, reach), the unusual days and the top authors of the view's period.

Registered as `report_tables` in `sada.domains`: the reports domain calls it for a view saved
on `/listening`, `/listening/compare` or `/listening/posts` and writes the tables to XLSX and
PDF in the recipient's language. The listening page reads `days` (7, 30, 90 or 365) where the
other analytic pages read `period`/`from`/`to`; a view saved with `days` keeps that length.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sada.listening import service
from sada.listening.web import LANGS, PERIODS
from sada.web.i18n import Formatter
from sada.web.labels import labeler

Tables = list[tuple[str, list[str], list[list[Any]]]]


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.0f}"


def report_tables(
    session: Session,
    *,
    first: date,
    last: date,
    params: Mapping[str, str],
    fmt: Formatter,
    gettext: Callable[[str], str],
) -> Tables:
    """Brands, spikes and top authors of the period, in the reader's language."""
    _ = gettext
    label = labeler(_)
    if params.get("days", "").isdigit() and not ({"from", "to", "period"} & set(params)):
        days = int(params["days"])
        first = last - timedelta(days=(days if days in PERIODS else 30) - 1)
    language = params.get("language") or None
    language = language if language in LANGS else None
    data = service.summary(session, first, last, language=language)
    brands: list[list[Any]] = []
    for b in data["brands"]:
        share = b["share_of_voice"]
        net = b["net_sentiment"]
        brands.append(
            [
                b["name"] + (f" ({_('Competitor')})" if b["kind"] == "competitor" else ""),
                b["mentions"],
                "–"
                if share["value"] is None
                else f"{fmt.pct(share['value'])} ({fmt.pct(share['low'])}–{fmt.pct(share['high'])})",
                "–"
                if net["value"] is None
                else f"{_signed(net['value'])} ({_signed(net['low'])}…{_signed(net['high'])})",
                b["reach"],
                b["negative"],
            ]
        )
    tables: Tables = [
        (
            _("Listening overview"),
            [
                _("Brand"),
                _("Mentions"),
                _("Share of voice"),
                _("Net sentiment"),
                _("Reach"),
                _("Negative"),
            ],
            brands,
        )
    ]
    spikes = [
        [
            fmt.date(date.fromisoformat(s["day"])),
            s["brand"],
            _("Mention volume") if s["metric"] == "volume" else _("Negative share"),
            fmt.num(s["value"]) if s["metric"] == "volume" else fmt.pct(s["value"]),
            fmt.num(s["expected"]) if s["metric"] == "volume" else fmt.pct(s["expected"]),
            s["score"],
        ]
        for s in data["spikes"]
    ]
    tables.append(
        (
            _("Spikes"),
            [
                _("Day"),
                _("Brand"),
                _("What"),
                _("Value"),
                _("Usual for this weekday"),
                _("How unusual"),
            ],
            spikes,
        )
    )
    tables.append(
        (
            _("Top authors by reach"),
            [_("Author"), _("Network"), _("Reach"), _("Posts"), _("Engagement")],
            [
                [
                    a["author"],
                    label("channel", a["network"]),
                    a["reach"],
                    a.get("posts", 0),
                    a.get("engagement", 0),
                ]
                for a in data["top_authors"]
            ],
        )
    )
    return tables
