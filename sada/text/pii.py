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
  as ASCII (one character for one, so offsets hold). A number introduced as an
  order, tracking, invoice or reference number, or a valid EAN/UPC barcode
  standing alone, is not a phone.
- ``address``: postal addresses (`sada.text.pii_addresses`): Iranian, Gulf and
  other Arabic, Chinese and Western forms.
- ``name``: person names (`sada.text.pii_names`): gazetteer and context cues in
  four scripts.

Checksums come from `python-stdnum` where it has them (IBAN with each country's
format, Luhn, EAN, Chinese resident id, US SSN); the Iranian code melli (mod 11)
has no stdnum module and is checked here.

Found items keep their type, offsets and a masked hint (last two or four
characters), never the value itself.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from stdnum import ean, iban, luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_11_2
from stdnum.us import ssn

from sada.text.normalize import to_ascii_digits, to_simplified
from sada.text.pii_addresses import find_addresses
from sada.text.pii_names import find_names

PLACEHOLDER = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "national_id": "[NATIONAL_ID]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}

# Regions tried for numbers written without a country code.
PHONE_REGIONS = ("IR", "SA", "AE", "EG", "CN", "US", "GB", "IQ", "JO", "KW", "QA", "BH", "OM", "LB")

# ASCII local parts (adjacent Chinese or Arabic letters are not part of an address).
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![A-Za-z0-9])"
)
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?=[ -]?[A-Za-z0-9])")
_IBAN_CHAR = re.compile(r"[ -]?([A-Za-z0-9])")
# Letters may follow a run ("4111111111111111thanks"); before it only after "card".
_DIGIT_RUN = re.compile(r"(?:(?<![0-9A-Za-z.,/+-])|(?<=[Cc]ard))\d(?:[ \-.]?\d){9,}(?![0-9])")
# A card named within the 30 characters before a number ("my card is", «کارتم», «بطاقتي»).
_CARD_CUE = re.compile(r"(?i)card|visa|mastercard|amex|کارت|بطاق|卡")
# Words that introduce a number that is not a phone: order, tracking, invoice,
# reference, barcode / SKU numbers (four languages).
_NOT_PHONE_CUE = re.compile(
    r"(?i)(?:order|ord|tracking|track|invoice|inv|ref|reference|ticket|case|booking|"
    r"confirmation|barcode|ean|upc|sku|serial|imei|awb|shipment|parcel|receipt|transaction|txn|"
    r"سفارش|رهگیری|پیگیری|فاکتور|بارکد|کد کالا|سریال|مرسوله|تراکنش|رسید|"
    r"الطلب|طلب|رقم الطلب|الشحنة|شحنة|التتبع|تتبع|الفاتورة|فاتورة|الباركود|باركود|المرجع|مرجع|"
    r"الحجز|حجز|العملية|"
    r"订单|单号|运单|快递单|物流单|条码|条形码|发票|流水号|编号|序列号)"
    r"(?:\s*(?:no\.?|number|num|id|#|nr|code|شماره|کد|رقم|号|号码|编号))?\s*[:：#.]?\s*$"
)
_PHONE_CUE = re.compile(
    r"(?i)(?:call|phone|tel|mobile|cell|whatsapp|sms|text me|تلفن|موبایل|شماره تماس|تماس|"
    r"همراه|واتساپ|جوال|هاتف|اتصل|رقمي|واتس|电话|手机|联系方式|微信)\W{0,3}\s*$"
)
_GROUP = re.compile(r"\d+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_PHONE_HINT = re.compile(r"\d[\d\s().\-]{6,}\d")


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
    return digits.isdigit() and luhn.is_valid(digits)


# Countries whose IBANs python-stdnum's registry does not list (Iran's شبا among them).
EXTRA_IBAN_LENGTHS = {"IR": 26}


def iban_ok(value: str) -> bool:
    """ISO 13616: the country's length and format, and the mod-97 check (python-stdnum)."""
    number = re.sub(r"[ -]", "", value).upper()
    if iban.is_valid(number):
        return True
    length = EXTRA_IBAN_LENGTHS.get(number[:2])
    return (
        length == len(number)
        and number[4:].isdigit()
        and iban.calc_check_digits(number) == number[2:4]
    )


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


def china_id_ok(value: str) -> bool:
    """Chinese resident identity card number: ISO 7064 mod 11-2 and a birth date (stdnum).

    The region code is not checked against stdnum's place table: that table lags
    behind new codes, and a wrong number with a valid check digit is rare.
    """
    number = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number) or not mod_11_2.is_valid(number):
        return False
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        return False
    return 1900 <= born.year <= 2100


def ssn_ok(value: str) -> bool:
    return ssn.is_valid(value)


# --------------------------------------------------------------- detection
def _hint(value: str, keep: int = 4) -> str:
    compact = re.sub(r"[\s\-().]", "", value)
    keep = min(keep, max(0, len(compact) // 4))
    return "*" * (len(compact) - keep) + (compact[-keep:] if keep else "")


def _free(claimed: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in claimed)


def find_pii(
    text: str, *, phones: bool = True, names: bool = True, addresses: bool = True
) -> list[PiiItem]:
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
    han = to_simplified(text) if any("\u4e00" <= ch <= "\u9fff" for ch in text) else text
    if addresses:
        for start, end in find_addresses(han):
            if _free(claimed, start, end):
                claim("address", start, end, keep=0)
    if names:
        for start, end in find_names(han):
            if _free(claimed, start, end):
                items.append(PiiItem("name", start, end, "***"))
                claimed.append((start, end))
    digit_count = sum(1 for ch in ascii_text if ch.isdigit())
    if digit_count < 7:
        return sorted(items, key=lambda i: i.start)
    for start, end in _find_ibans(ascii_text):
        if _free(claimed, start, end):
            claim("iban", start, end, ascii_text[start : start + 2])
    for m in _CN_ID.finditer(ascii_text):
        if _free(claimed, *m.span()) and china_id_ok(m.group()):
            claim("national_id", m.start(), m.end(), "CN", keep=2)
    for m in _SSN.finditer(ascii_text):
        if _free(claimed, *m.span()) and ssn_ok(m.group()):
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
            if kind is not None and kind[0] == "card" and _barcode_or_order(ascii_text, start, end):
                continue
            if kind is not None:
                claim(kind[0], start, end, kind[1], keep=4 if kind[0] == "card" else 2)
    if phones and _PHONE_HINT.search(ascii_text):
        # Letters of other scripts touching a number (电话138...) hide it from the matcher.
        spaced = _NON_ASCII.sub(" ", ascii_text)
        for start, end in _find_phones(spaced):
            if _free(claimed, start, end) and not _not_a_phone(ascii_text, start, end):
                claim("phone", start, end, keep=2)
    return sorted(items, key=lambda i: i.start)


def _find_ibans(text: str) -> list[tuple[int, int]]:
    """IBANs, each cut at the length its check digits validate (words after it stay out)."""
    found: list[tuple[int, int]] = []
    for m in _IBAN_START.finditer(text):
        chars: list[str] = []
        ends: list[int] = []
        pos = m.start()
        while len(chars) < 34:
            c = _IBAN_CHAR.match(text, pos)
            if c is None:
                break
            chars.append(c.group(1))
            ends.append(c.end())
            pos = c.end()
        for length in range(len(chars), 14, -1):
            if iban_ok("".join(chars[:length])):
                found.append((m.start(), ends[length - 1]))
                break
    return found


def _barcode_or_order(text: str, start: int, end: int) -> bool:
    """A Luhn-valid run that is an order number or a barcode rather than a card: introduced
    as one (and not as a card), or an EAN/UPC length that passes the EAN check."""
    before = text[max(0, start - 30) : start]
    if _CARD_CUE.search(before):
        return False
    if _NOT_PHONE_CUE.search(before):
        return True
    digits = re.sub(r"\D", "", text[start:end])
    return len(digits) in (12, 13, 14) and ean.is_valid(digits)


def _not_a_phone(text: str, start: int, end: int) -> bool:
    """Introduced as an order / tracking / reference number, or a bare EAN/UPC barcode."""
    # "invoice 2023-000123456": the cue stands before the whole token, not the digits found
    before = re.sub(r"[0-9A-Za-z]+[-/]$", "", text[max(0, start - 30) : start])
    if _PHONE_CUE.search(before):
        return False
    if _NOT_PHONE_CUE.search(before):
        return True
    raw = text[start:end]
    digits = re.sub(r"\D", "", raw)
    bare = raw == digits and not text[max(0, start - 1) : start].strip("+")
    return (
        bare
        and len(digits) in (8, 12, 13, 14)
        and not digits.startswith("0")
        and ean.is_valid(digits)
    )


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
