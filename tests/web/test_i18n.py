"""Four languages: direction, catalogs complete, numbers and dates per user."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from typing import Any

import pytest

from sada.web.catalog import all_po_paths, missing_translations
from sada.web.i18n import Formatter


@pytest.mark.parametrize(
    ("lang", "direction"), [("fa", "rtl"), ("ar", "rtl"), ("zh", "ltr"), ("en", "ltr")]
)
def test_login_page_root_has_language_and_direction(client: Any, lang: str, direction: str) -> None:
    html = client.get(f"/login?lang={lang}").text
    assert f'<html lang="{lang}" dir="{direction}">' in html


def test_login_page_is_translated(client: Any) -> None:
    assert "ورود به صدا" in client.get("/login?lang=fa").text
    assert "تسجيل الدخول إلى صدى" in client.get("/login?lang=ar").text
    assert "登录 Sada" in client.get("/login?lang=zh").text


def test_chosen_language_sticks_through_a_cookie_and_accept_language_is_honoured(
    client: Any,
) -> None:
    client.get("/login?lang=ar")
    assert '<html lang="ar" dir="rtl">' in client.get("/login").text
    client.cookies.clear()
    html = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert '<html lang="zh" dir="ltr">' in html


def test_every_ui_string_is_translated_in_arabic_persian_and_chinese() -> None:
    missing = missing_translations()
    assert missing == {"ar": [], "fa": [], "zh": []}, (
        f"translate these (python -m sada.web.catalog --update): {missing}"
    )


@pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="msgfmt (Debian gettext) is not installed"
)
@pytest.mark.parametrize("path", all_po_paths(), ids=lambda p: "/".join(p.parts[-5:-2]))
def test_msgfmt_reports_no_untranslated_or_fuzzy_messages(path: Any) -> None:
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.fullmatch(r"\d+ translated messages\.\n", result.stderr), result.stderr


def test_formatter_shows_solar_hijri_dates_and_persian_digits() -> None:
    fa = Formatter(lang="fa", timezone="Asia/Tehran", calendar="jalali", digits="persian")
    # 2025-03-20 21:00 UTC is the first hour of Nowruz 1404 in Tehran (UTC+3:30).
    assert fa.datetime(datetime(2025, 3, 20, 21, 0, tzinfo=UTC)) == "۱۴۰۴/۰۱/۰۱ ۰۰:۳۰"
    assert fa.num(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert fa.pct(0.25) == "۲۵٪"
    ar = Formatter(lang="ar", digits="arabic")
    assert ar.date(date(2025, 1, 2)) == "٢٠٢٥-٠١-٠٢"
    assert Formatter().num(1234.5, 1) == "1,234.5"


def test_user_preferences_change_calendar_and_digits_on_pages(login: Any) -> None:
    from tests.web.conftest import csrf_of

    client = login("viewer")
    page = client.get("/account")
    saved = client.post(
        "/account",
        data={
            "csrf": csrf_of(page.text),
            "name": "نگار",
            "language": "fa",
            "timezone": "Asia/Tehran",
            "calendar": "jalali",
            "digits": "persian",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    html = client.get("/account").text
    assert '<html lang="fa" dir="rtl">' in html
    assert "۱٬۲۳۴٬۵۶۷٫۵" in html  # the example number in Persian digits
    assert re.search(
        "۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", html
    )  # Solar Hijri, Persian digits


def test_each_catalog_holds_its_own_language() -> None:
    """Persian uses ی and ک, Arabic ي and ك; Chinese has no Arabic script at all."""
    import io as _io

    from babel.messages.pofile import read_po

    wrong = {
        "fa": re.compile("[يكة]"),
        "ar": re.compile("[یکپچژگ]"),
        "zh": re.compile("[\u0621-\u064a\u0671-\u06d3]"),  # letters, not digits
    }
    found = []
    for path in all_po_paths():
        lang = path.parts[-3]
        catalog = read_po(_io.BytesIO(path.read_bytes()), locale=lang)
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and any(wrong[lang].search(s or "") for s in strings):
                found.append(f"{path.parts[-5]}/{lang}: {message.id!r} -> {message.string!r}")
    assert not found, "\n".join(found[:50])


def test_currency_names_in_the_readers_language() -> None:
    """Money figures name their currency in the reader's language, not by its ISO code."""
    from sada.web.i18n import Formatter

    assert Formatter(lang="fa").currency("USD") == "دلار آمریکا"
    assert Formatter(lang="ar").currency("sar") == "ريال سعودي"
    assert Formatter(lang="zh").currency("CNY") == "人民币"
    assert Formatter(lang="en").currency("IRR") == "IRR"
    assert Formatter(lang="fa").currency("QQQ") == "QQQ"  # unknown codes stay as given
