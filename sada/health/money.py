"""Money on the log in one currency: amounts, currencies and the rates the admin loads.

An interaction's amount is read from its attributes (`amount`, `revenue`, `value`, `total`)
and its currency from `currency` (ISO 4217, three letters). Every money figure of customer
health (lifetime value, value at stake, revenue at risk) is in the workspace's reporting
currency (`HealthSettings.reporting_currency`): an amount in another currency is converted
with the rate valid on the day of the purchase (the latest rate whose `valid_from` is on or
before that day). Sada never fetches rates: the admin loads them (CSV upload on the health
settings page, or `PUT /api/v1/health/currency-rates`).

An amount in a currency with no valid rate is left out of every sum and counted
(`Unconverted`), so the pages can say "3 purchases in SAR not converted: no rate" instead of
adding rials to dollars. An amount without a currency is taken to be in the reporting
currency (that is how amounts were recorded before currencies were).
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.health.models import DEFAULT_REPORTING, CurrencyRate, HealthSettings

AMOUNT_KEYS = ("amount", "revenue", "value", "total")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_RATES = 20_000


def amount_of(attributes: dict[str, Any] | None) -> float:
    """The interaction's amount (0 when it has none or it is not a number)."""
    if not attributes:
        return 0.0
    for key in AMOUNT_KEYS:
        value = attributes.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                continue
    return 0.0


def currency_of(attributes: dict[str, Any] | None) -> str | None:
    """The amount's currency in upper case, or None when the interaction names none."""
    if not attributes:
        return None
    value = attributes.get("currency")
    if isinstance(value, str) and value.strip():
        return value.strip().upper()[:8]
    return None


@dataclass
class Unconverted:
    """Amounts left out because their currency had no rate on the day: count and sum, per
    currency (the sums stay in their own currency, never added to anything)."""

    counts: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, float] = field(default_factory=dict)

    def add(self, currency: str, amount: float) -> None:
        self.counts[currency] = self.counts.get(currency, 0) + 1
        self.amounts[currency] = self.amounts.get(currency, 0.0) + amount

    def merge(self, other: Unconverted) -> None:
        for currency, n in other.counts.items():
            self.counts[currency] = self.counts.get(currency, 0) + n
            self.amounts[currency] = self.amounts.get(currency, 0.0) + other.amounts[currency]

    def out(self) -> list[dict[str, Any]]:
        return [
            {"currency": c, "count": n, "amount": round(self.amounts[c], 2)}
            for c, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]


class Rates:
    """The workspace's rates, ready to convert: `convert(amount, currency, when)` returns the
    amount in the reporting currency, or None when no rate was valid on that day."""

    def __init__(self, reporting: str, rows: Iterable[tuple[str, date, float]] = ()) -> None:
        self.reporting = reporting
        table: dict[str, list[tuple[date, float]]] = {}
        for currency, valid_from, rate in rows:
            table.setdefault(currency, []).append((valid_from, rate))
        self._days: dict[str, list[date]] = {}
        self._rates: dict[str, list[float]] = {}
        for currency, entries in table.items():
            entries.sort()
            self._days[currency] = [d for d, _ in entries]
            self._rates[currency] = [r for _, r in entries]

    def rate(self, currency: str | None, when: datetime | date) -> float | None:
        if currency is None or currency == self.reporting:
            return 1.0
        days = self._days.get(currency)
        if not days:
            return None
        day = when.date() if isinstance(when, datetime) else when
        i = bisect_right(days, day)
        return None if i == 0 else self._rates[currency][i - 1]

    def convert(self, amount: float, currency: str | None, when: datetime | date) -> float | None:
        rate = self.rate(currency, when)
        return None if rate is None else amount * rate


def reporting_currency(session: Session) -> str:
    found = session.scalar(select(HealthSettings.reporting_currency))
    return found or DEFAULT_REPORTING


def rates_of(session: Session) -> Rates:
    rows = session.execute(
        select(CurrencyRate.currency, CurrencyRate.valid_from, CurrencyRate.rate)
    ).all()
    return Rates(reporting_currency(session), [(c, d, float(r)) for c, d, r in rows])


def list_rates(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(CurrencyRate).order_by(CurrencyRate.currency, CurrencyRate.valid_from)
    )
    return [
        {"currency": r.currency, "rate": r.rate, "valid_from": r.valid_from.isoformat()}
        for r in rows
    ]


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("valid_from must be a date like 2026-01-31")


def validated_rates(items: list[dict[str, Any]], reporting: str) -> list[tuple[str, date, float]]:
    """Rows of (currency, valid_from, rate); every bad row is named in one `Invalid`."""
    if len(items) > MAX_RATES:
        raise Invalid(f"at most {MAX_RATES} rates at once")
    errors: list[str] = []
    out: dict[tuple[str, date], float] = {}
    for index, item in enumerate(items, start=1):
        currency = str(item.get("currency") or "").strip().upper()
        if not CURRENCY.match(currency):
            errors.append(f"row {index}: currency must be three letters (ISO 4217), like SAR")
            continue
        if currency == reporting:
            errors.append(f"row {index}: {currency} is the reporting currency (its rate is 1)")
            continue
        try:
            rate = float(item.get("rate"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors.append(f"row {index}: rate must be a number")
            continue
        if not 0 < rate < 1e9 or rate != rate:
            errors.append(f"row {index}: rate must be a positive number")
            continue
        try:
            day = _day(item.get("valid_from"))
        except ValueError as exc:
            errors.append(f"row {index}: {exc}")
            continue
        out[(currency, day)] = rate
    if errors:
        raise Invalid("; ".join(errors[:20]) + (" ..." if len(errors) > 20 else ""))
    return [(c, d, r) for (c, d), r in sorted(out.items())]


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV with the header `currency,rate,valid_from` (any column order)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    missing = {"currency", "rate", "valid_from"} - header
    if missing:
        raise Invalid("the CSV needs the columns currency, rate, valid_from")
    return [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]


def replace_rates(session: Session, items: list[dict[str, Any]]) -> int:
    """Replace the workspace's rates with these (all or nothing)."""
    rows = validated_rates(items, reporting_currency(session))
    session.execute(delete(CurrencyRate))
    workspace_id = bound_workspace(session)
    now = utcnow()
    for currency, day, rate in rows:
        session.add(
            CurrencyRate(
                workspace_id=workspace_id,
                currency=currency,
                valid_from=day,
                rate=rate,
                created_at=now,
            )
        )
    session.flush()
    return len(rows)
