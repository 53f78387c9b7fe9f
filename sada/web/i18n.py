"""UI languages, gettext catalogs and the display of numbers and dates per user.

Catalogs are the `.po` files under `translations/`; they are compiled in memory
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
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup

_Date = date  # the Formatter has methods named date and datetime
_DateTime = datetime
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


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


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po_path = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def compile_catalogs() -> list[Path]:
    """Write `.mo` files next to the `.po` files (for tools that want them)."""
    written = []
    for lang in LANGUAGES:
        po_path = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


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
        return moment.astimezone(self.tz)

    def _cal(self, day: date) -> tuple[int, int, int]:
        if self.calendar == "jalali":
            j = jdatetime.date.fromgregorian(date=day)
            return j.year, j.month, j.day
        return day.year, day.month, day.day

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return "–"
        day = self.local(value).date() if isinstance(value, datetime) else value
        y, m, d = self._cal(day)
        return self._d(
            f"{y:04d}/{m:02d}/{d:02d}" if self.calendar == "jalali" else f"{y:04d}-{m:02d}-{d:02d}"
        )

    def short_date(self, day: _Date) -> str:
        _y, m, d = self._cal(day)
        return self._d(f"{m:02d}/{d:02d}")

    def datetime(self, value: _DateTime | None) -> str:
        if value is None:
            return "–"
        moment = self.local(value)
        return f"{self.date(moment.date())} {self._d(moment.strftime('%H:%M'))}"

    def iso(self, value: _DateTime) -> str:
        return self.local(value).isoformat(timespec="minutes")
