"""The shared period of analytic pages: from/to/compare in the query string, presets, Solar
Hijri input, drill-down links that keep the filters, and the RTL/CSP papercuts of charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sada.core.errors import Invalid
from sada.web.charts import PALETTE, Series, bar_chart, line_chart
from sada.web.i18n import Formatter
from sada.web.period import Period, parse_day, parse_period
from tests.web.conftest import ingest, item

TODAY = date(2026, 11, 29)


def test_presets_and_custom_ranges() -> None:
    assert parse_period({}, today=TODAY) == Period(
        TODAY - timedelta(days=29), TODAY, UTC, "30d", False
    )
    quarter = parse_period({"period": "last_quarter"}, today=TODAY)
    assert (quarter.first, quarter.last) == (date(2026, 7, 1), date(2026, 9, 30))
    assert parse_period({"period": "this_quarter"}, today=TODAY).first == date(2026, 10, 1)
    custom = parse_period(
        {"from": "2026-07-01", "to": "2026-09-30", "compare": "previous_period", "period": "7d"},
        today=TODAY,
    )
    # Typed dates win over a preset that rode along in the form.
    assert (custom.first, custom.last, custom.preset, custom.compare) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        None,
        True,
    )
    prev = custom.previous()
    assert prev.last == date(2026, 6, 30) and prev.days == custom.days == 92
    assert custom.query() == {
        "from": "2026-07-01",
        "to": "2026-09-30",
        "compare": "previous_period",
    }
    assert parse_period({"days": "14"}, today=TODAY).first == TODAY - timedelta(days=13)


def test_local_days_become_utc_bounds() -> None:
    per = parse_period({"from": "2026-11-01", "to": "2026-11-01"}, ZoneInfo("Asia/Tehran"))
    assert per.start == datetime(2026, 10, 31, 20, 30, tzinfo=UTC)
    assert per.end - per.start == timedelta(days=1)


def test_solar_hijri_and_local_digits_are_read() -> None:
    # 1405/09/08 is 2026-11-29; Persian and Arabic-Indic digits are the same numbers.
    assert parse_day("1405/09/08") == date(2026, 11, 29)
    assert parse_day("۱۴۰۵/۰۹/۰۸") == date(2026, 11, 29)
    assert parse_day("٢٠٢٦-١١-٢٩") == date(2026, 11, 29)
    fmt = Formatter(lang="fa", calendar="jalali", digits="persian")
    assert fmt.input_date(date(2026, 11, 29)) == "1405/09/08"
    assert fmt.date("2026-11-29T10:00:00+00:00") == "۱۴۰۵/۰۹/۰۸"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"from": "2026-02-30"},
        {"from": "2026-11-29", "to": "2026-11-01"},
        {"from": "2010-01-01", "to": "2026-01-01"},
        {"compare": "last_year"},
    ],
)
def test_bad_periods_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(Invalid):
        parse_period(params, today=TODAY)


def test_rtl_chart_numbers_keep_their_sign() -> None:
    chart = line_chart(
        "NPS",
        ["11/01", "11/02"],
        [Series("NPS", [-50.0, 20.0], PALETTE[0], hrefs=["/feedback?band=low", None])],
        rtl=True,
        y_fmt=lambda v: f"{v:.0f}",
        y_min=-100.0,
        y_max=100.0,
    )
    # The minus sign stays before the digits: each number is its own left-to-right island.
    assert ">\u2066-50\u2069</text>" in chart
    assert ">\u2066-100\u2069</text>" in chart
    assert '<a class="drill" href="/feedback?band=low"><circle' in chart
    bars = bar_chart("x", [("a", 3.0)], rtl=True, v_fmt=lambda v: f"{v:.0f}")
    assert "\u20663\u2069" in bars


def test_durations_stay_in_one_piece() -> None:
    fa = Formatter(lang="fa", digits="persian")
    assert str(fa.duration(12)) == "<bdi>۱۲ دقیقه</bdi>"
    assert "ساعت" in str(fa.duration(150)) and str(fa.duration(None)) == "–"


def test_overview_accepts_from_to_and_compare_and_links_to_the_list_behind(
    db: Any, workspace: Any, login: Any
) -> None:
    ingest(db, workspace.id, [item(i, "slow delivery", channel="chat") for i in range(3)])
    client = login("analyst")
    today = datetime.now(UTC).date()
    first = (today - timedelta(days=6)).isoformat()
    r = client.get(
        "/overview",
        params={"from": first, "to": today.isoformat(), "compare": "previous_period"},
    )
    assert r.status_code == 200, r.text[:500]
    assert "Previous period: 0" in r.text
    assert "compared with" in r.text
    # The total links to the feedback list with the same period (the comparison is not carried).
    link = re.search(r'<a class="drill" href="(/feedback\?[^"]+)">3</a>', r.text)
    assert link, r.text[:2000]
    assert f"from={first}" in link.group(1) and "compare" not in link.group(1)
    listing = client.get(link.group(1).replace("&amp;", "&"))
    assert listing.status_code == 200 and listing.text.count("slow delivery") == 3
    # The custom range fills the date fields, so the view can be bookmarked as it is.
    assert f'value="{first}"' in r.text
    bad = client.get("/overview?from=2026-13-01")
    assert bad.status_code == 422 and "2026-11-29 or 1405/09/08" in bad.text
    fa = client.get("/overview?lang=fa&from=2026-11-29&to=2026-11-01")
    assert fa.status_code == 422 and "اولین روز" in fa.text


def test_viewers_see_figures_without_links_to_verbatims(
    db: Any, workspace: Any, login: Any
) -> None:
    ingest(db, workspace.id, [item(1, "hello")])
    html = login("viewer").get("/overview?period=7d").text
    assert 'class="drill"' not in html


def test_period_picker_shows_solar_hijri_in_persian(db: Any, workspace: Any, login: Any) -> None:
    client = login("viewer")
    # The account's calendar and digits (the preference) drive the picker and the range.
    from sada.tenants.models import User

    with db.transaction() as session:
        user = session.query(User).filter(User.email == client.email).one()
        user.calendar = "jalali"
        user.digits = "persian"
    r = client.get("/overview?lang=fa&from=1405/07/01&to=1405/09/30")
    assert r.status_code == 200, r.text[:500]
    assert 'value="1405/07/01"' in r.text and "۱۴۰۵/۰۹/۳۰" in r.text
    assert "فصل گذشته" in r.text  # the "last quarter" preset, translated
