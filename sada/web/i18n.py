"""UI languages, gettext catalogs and the display of numbers and dates per user.

Catalogs are the `.po` files under each domain's `translations/` folder, merged and compiled in memory
with Babel when first needed, so neither `msgfmt` nor committed `.mo` files are
required to run Sada.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_currency_name
from markupsafe import Markup

_Date = date  # the Formatter has methods named date and datetime
_DateTime = datetime


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself
    dir: str  # "ltr" or "rtl"


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "ltr"),
    "ar": Language("ar", "العربية", "rtl"),
    "fa": Language("fa", "فارسی", "rtl"),
    "zh": Language("zh", "中文", "ltr"),
}
DEFAULT_LANGUAGE = "en"
CALENDARS = ("gregorian", "jalali")
DIGITS = ("latin", "persian", "arabic")

_DIGIT_TABLES = {
    "latin": None,
    "persian": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "arabic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker
    """Mark a string for extraction; it is translated where it is shown."""
    return message


SADA_DIR = Path(__file__).resolve().parent.parent  # the sada package


def catalog_paths(lang: str) -> list[Path]:
    """Every domain's catalog for `lang`: `sada/<domain>/translations/<lang>/LC_MESSAGES/messages.po`.

    Each domain keeps the strings of its own pages, so domains never edit one shared file.
    The shell's catalog (`sada/web/...`) comes first and wins when two catalogs disagree.
    """
    found = sorted(SADA_DIR.glob(f"*/translations/{lang}/LC_MESSAGES/messages.po"))
    return sorted(found, key=lambda path: path.parent.parent.parent.parent.name != "web")


def merged_catalog(lang: str) -> Catalog:
    """The union of every domain's catalog for `lang` (first translation of a message wins)."""
    merged = Catalog(locale=lang, project="Sada", charset="utf-8")
    for path in catalog_paths(lang):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            strings = message.string
            translated = all(strings) if isinstance(strings, tuple | list) else bool(strings)
            if not translated:
                continue
            if message.id in merged and merged[message.id].string:
                continue
            merged.add(message.id, message.string, context=message.context)
    return merged


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    catalog = merged_catalog(lang)
    if not len(catalog):
        return gettext.NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def parse_accept_language(header: str) -> str | None:
    best: tuple[float, str] | None = None
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and (best is None or quality > best[0]):
            best = (quality, code)
    return best[1] if best else None


def zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse_when(text: str) -> _Date | _DateTime | None:
    """ISO text from an API answer: a datetime (naive is UTC) or a plain date."""
    try:
        if len(text) <= 10:
            return _Date.fromisoformat(text)
        moment = _DateTime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


N_("%(n)s min")
N_("%(n)s h")
N_("%(n)s d")


@dataclass
class Formatter:
    """Numbers and dates the way one reader wants them."""

    lang: str = DEFAULT_LANGUAGE
    timezone: str = "UTC"
    calendar: str = "gregorian"
    digits: str = "latin"

    @property
    def tz(self) -> tzinfo:
        return zone(self.timezone)

    def _d(self, text: str) -> str:
        table = _DIGIT_TABLES.get(self.digits)
        return text.translate(table) if table else text

    def digits_only(self, text: object) -> str:
        return self._d(str(text))

    def num(self, value: float | int | None, decimals: int = 0) -> str:
        if value is None:
            return "–"
        text = f"{value:,.{decimals}f}"
        if self.digits != "latin":
            text = text.replace(",", "\u066c").replace(".", "\u066b")
        return self._d(text)

    def currency(self, code: str | None) -> str:
        """A currency's name in the reader's language (CLDR, through Babel): "دلار امریکا",
        "美元"; the ISO code itself for English readers and for codes CLDR does not know."""
        if not code:
            return ""
        if self.lang == "en":
            return code
        try:
            return get_currency_name(code.upper(), locale=self.lang)
        except (ValueError, LookupError):
            return code

    def pct(self, share: float | None, decimals: int = 0) -> str:
        if share is None:
            return "–"
        sign = "٪" if self.digits != "latin" else "%"
        return self.num(share * 100, decimals) + sign

    def signed(self, value: float, decimals: int = 0) -> str:
        text = self.num(abs(value), decimals)
        return ("+" if value > 0 else "−" if value < 0 else "") + text

    def ltr(self, text: str) -> Markup:
        """Numbers with signs or ranges keep their order inside right-to-left text."""
        return Markup('<bdi dir="ltr">{}</bdi>').format(text)

    def signed_pct(self, share: float) -> str:
        sign = "+" if share > 0 else "−" if share < 0 else ""
        return sign + self.pct(abs(share))

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(self.tz)
        except OverflowError:  # year 1 west of UTC, 9999 east of it: shown in UTC
            return moment.astimezone(UTC)

    def _cal(self, day: date) -> tuple[int, int, int]:
        if self.calendar == "jalali":
            try:
                j = jdatetime.date.fromgregorian(date=day)
            except (ValueError, OverflowError):  # outside the Solar Hijri era: Gregorian
                return day.year, day.month, day.day
            return j.year, j.month, j.day
        return day.year, day.month, day.day

    def date(self, value: date | datetime | str | None) -> str:
        """A day in the reader's calendar and digits (ISO text is accepted too)."""
        if value is None or value == "":
            return "–"
        if isinstance(value, str):
            parsed = _parse_when(value)
            if parsed is None:
                return value
            value = parsed
        day = self.local(value).date() if isinstance(value, datetime) else value
        y, m, d = self._cal(day)
        return self._d(
            f"{y:04d}/{m:02d}/{d:02d}" if self.calendar == "jalali" else f"{y:04d}-{m:02d}-{d:02d}"
        )

    def short_date(self, day: _Date) -> str:
        _y, m, d = self._cal(day)
        return self._d(f"{m:02d}/{d:02d}")

    def input_date(self, day: _Date) -> str:
        """A day as typed in a date field: ISO for Gregorian, `1405/09/08` for Solar Hijri
        (Latin digits: what `sada.web.period.parse_day` reads back)."""
        if self.calendar == "jalali":
            y, m, d = self._cal(day)
            return f"{y:04d}/{m:02d}/{d:02d}"
        return day.isoformat()

    def datetime(self, value: _DateTime | str | None) -> str:
        """Date and time in the reader's zone, calendar and digits (ISO text is accepted too)."""
        if value is None or value == "":
            return "–"
        parsed = _parse_when(value) if isinstance(value, str) else value
        if parsed is None:
            return str(value)
        if not isinstance(parsed, _DateTime):
            return self.date(parsed)
        moment = self.local(parsed)
        return f"{self.date(moment.date())} {self._d(moment.strftime('%H:%M'))}"

    def duration(self, minutes: float | None) -> Markup:
        """A duration in minutes, hours or days, with a translated unit, kept in one
        direction-isolated piece so "12 min" never turns into "min 12" in right-to-left text."""
        if minutes is None:
            return Markup("–")
        _ = translations(self.lang).gettext
        if minutes < 90:
            text = _("%(n)s min") % {"n": self.num(minutes)}
        elif minutes < 48 * 60:
            text = _("%(n)s h") % {"n": self.num(minutes / 60, 1)}
        else:
            text = _("%(n)s d") % {"n": self.num(minutes / 1440, 1)}
        return Markup("<bdi>{}</bdi>").format(text)

    def iso(self, value: _DateTime) -> str:
        return self.local(value).isoformat(timespec="minutes")
