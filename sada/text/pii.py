"""Finding and redacting personal data in Arabic, Persian, Chinese and English text.

Detectors, in the order they claim characters (a span claimed once is not
claimed again):

- ``email``: addresses, including internationalized local parts.
- ``iban``: 15-34 characters, country code + check digits, ISO 13616 mod-97 check.
- ``card``: 12-19 digits (spaces or dashes between groups), Luhn-checked.
- ``national_id``: formats with a checksum: Iranian code melli (10 digits, mod 11),
  Saudi national id / iqama (10 digits starting 1 or 2, Luhn), UAE Emirates id
  (784-YYYY-NNNNNNN-C, Luhn), Chinese resident id (18 characters, ISO 7064
  mod 11-2, with a valid birth date), and US SSN written with dashes.
- ``phone``: international (+ or 00) and national formats of the target
  countries through `phonenumbers`, after Persian/Arabic-Indic digits are read
  as ASCII (one character for one, so offsets hold).

Found items keep their type, offsets and a masked hint (last two or four
characters), never the value itself.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sada.text.normalize import to_ascii_digits

PLACEHOLDER = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "national_id": "[NATIONAL_ID]",
}

# Regions tried for numbers written without a country code.
PHONE_REGIONS = ("IR", "SA", "AE", "EG", "CN", "US", "GB", "IQ", "JO", "KW", "QA", "BH", "OM", "LB")

# ASCII local parts (adjacent Chinese or Arabic letters are not part of an address).
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![A-Za-z0-9])"
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z.,/:+-])\d(?:[ \-.]?\d){9,}(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_PHONE_HINT = re.compile(r"\d[\d\s().\-]{6,}\d")

IBAN_LENGTHS = {
    "AE": 23, "AT": 20, "BE": 16, "BH": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EG": 29, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "IE": 22, "IQ": 23, "IR": 26,
    "IT": 27, "JO": 30, "KW": 30, "LB": 28, "LU": 20, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "SA": 24, "SE": 24, "TR": 26,
}  # fmt: skip


@dataclass(frozen=True)
class PiiItem:
    type: str
    start: int
    end: int
    hint: str  # masked, e.g. "****1234"
    detail: str = ""  # e.g. "IR" for a code melli, the IBAN country

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- checksums
def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    v = re.sub(r"[ -]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", v):
        return False
    expected = IBAN_LENGTHS.get(v[:2])
    if expected is not None and len(v) != expected:
        return False
    rearranged = v[4:] + v[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def iran_national_id_ok(digits: str) -> bool:
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    check = int(digits[9])
    s = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    return check == (s if s < 2 else 11 - s)


def saudi_id_ok(digits: str) -> bool:
    return len(digits) == 10 and digits[0] in "12" and luhn_ok(digits)


def uae_id_ok(digits: str) -> bool:
    return len(digits) == 15 and digits.startswith("784") and luhn_ok(digits)


_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def china_id_ok(value: str) -> bool:
    v = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    if not 1900 <= int(v[6:10]) <= 2100:
        return False
    s = sum(int(d) * w for d, w in zip(v[:17], _CN_WEIGHTS, strict=True)) % 11
    return "10X98765432"[s] == v[17]


# --------------------------------------------------------------- detection
def _hint(value: str, keep: int = 4) -> str:
    compact = re.sub(r"[\s\-().]", "", value)
    keep = min(keep, max(0, len(compact) // 4))
    return "*" * (len(compact) - keep) + (compact[-keep:] if keep else "")


def _free(claimed: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in claimed)


def find_pii(text: str, *, phones: bool = True) -> list[PiiItem]:
    """PII items in `text`, ordered by position, non-overlapping."""
    if not text:
        return []
    ascii_text = to_ascii_digits(text)
    items: list[PiiItem] = []
    claimed: list[tuple[int, int]] = []

    def claim(kind: str, start: int, end: int, detail: str = "", keep: int = 4) -> None:
        items.append(PiiItem(kind, start, end, _hint(ascii_text[start:end], keep), detail))
        claimed.append((start, end))

    if "@" in text:
        for m in _EMAIL.finditer(text):
            local, _, domain = m.group().partition("@")
            items.append(PiiItem("email", m.start(), m.end(), f"{local[:1]}***@{domain}"))
            claimed.append(m.span())
    digit_count = sum(1 for ch in ascii_text if ch.isdigit())
    if digit_count < 7:
        return sorted(items, key=lambda i: i.start)
    for m in _IBAN.finditer(ascii_text):
        if _free(claimed, *m.span()) and iban_ok(m.group()):
            claim("iban", m.start(), m.end(), m.group()[:2].upper())
    for m in _CN_ID.finditer(ascii_text):
        if _free(claimed, *m.span()) and china_id_ok(m.group()):
            claim("national_id", m.start(), m.end(), "CN", keep=2)
    for m in _SSN.finditer(ascii_text):
        if _free(claimed, *m.span()):
            claim("national_id", m.start(), m.end(), "US", keep=2)
    for m in _DIGIT_RUN.finditer(ascii_text):
        if not _free(claimed, *m.span()):
            continue
        # A run may hold several numbers side by side: try windows of whole digit
        # groups, longest first, and claim every valid one.
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in _GROUP.finditer(m.group())]
        windows = []
        for a in range(len(groups)):
            n_digits = 0
            for b in range(a, len(groups)):
                n_digits += groups[b][1] - groups[b][0]
                if n_digits > 19:
                    break
                if n_digits >= 10:
                    windows.append((a, b))
        windows.sort(key=lambda w: -(groups[w[1]][1] - groups[w[0]][0]))
        for a, b in windows:
            start, end = groups[a][0], groups[b][1]
            if not _free(claimed, start, end):
                continue
            kind = _classify_digits(ascii_text[start:end])
            if kind is not None:
                claim(kind[0], start, end, kind[1], keep=4 if kind[0] == "card" else 2)
    if phones and _PHONE_HINT.search(ascii_text):
        # Letters of other scripts touching a number (电话138...) hide it from the matcher.
        spaced = _NON_ASCII.sub(" ", ascii_text)
        for start, end in _find_phones(spaced):
            if _free(claimed, start, end):
                claim("phone", start, end, keep=2)
    return sorted(items, key=lambda i: i.start)


def _classify_digits(raw: str) -> tuple[str, str] | None:
    """("card" | "national_id", detail) for a run of digits that passes a checksum."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 15 and uae_id_ok(digits):
        return ("national_id", "AE")
    if raw[0] != "0" and 12 <= len(digits) <= 19 and luhn_ok(digits):
        return ("card", "")
    if len(digits) == 10 and re.fullmatch(r"\d{3}-?\d{6}-?\d|\d{10}", raw):
        if saudi_id_ok(digits):
            return ("national_id", "SA")
        if iran_national_id_ok(digits) and not digits.startswith("09"):
            return ("national_id", "IR")
    return None


def _find_phones(text: str) -> list[tuple[int, int]]:
    import phonenumbers

    found: list[tuple[int, int]] = []
    leniency = phonenumbers.Leniency.VALID
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
            span = (match.start, match.end)
            if _free(found, *span):
                found.append(span)
    # Numbers with a country code that the metadata does not know as valid
    # (new ranges, fictitious test numbers) are still personal data.
    for m in re.finditer(r"(?<![\w+])(?:\+|00)\d{1,3}[\s.\-]?(?:\(?\d+\)?[\s.\-]?){2,6}\d", text):
        digits = re.sub(r"\D", "", m.group())
        if 9 <= len(digits) <= 16 and _free(found, *m.span()):
            found.append(m.span())
    return found


def redact(text: str, items: list[PiiItem] | None = None) -> tuple[str, list[PiiItem]]:
    """Text with each PII item replaced by its placeholder, and the items."""
    if items is None:
        items = find_pii(text)
    out: list[str] = []
    pos = 0
    for item in items:
        out.append(text[pos : item.start])
        out.append(PLACEHOLDER[item.type])
        pos = item.end
    out.append(text[pos:])
    return "".join(out), items
