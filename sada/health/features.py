"""A person's log as numbers, as of one moment: what the health score and the model read.

`snapshot(session, at)` reads every person's interactions before `at` once, in person order,
and returns one row of `FEATURES` per person still a customer at `at` (people who churned
before `at` are left out). Only what happened before `at` counts, so a snapshot in the past
and the churn that followed it make honest training data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import String, Text, select, type_coerce
from sqlalchemy.orm import Session

from sada.cases.models import Case
from sada.health.money import Rates, Unconverted, amount_of, currency_of, rates_of
from sada.interactions.models import VOICE_ORIGINS, Interaction
from sada.metrics.catalogue import SCALES
from sada.people.models import Person
from sada.text.models import TextAnalysis

# Each feature, in the order of a row; the words are in `scoring.FACTOR_WORDS`.
FEATURES: tuple[str, ...] = (
    "recency_days",  # days since the person's last interaction
    "activity_90",  # interactions in the last 90 days
    "spend_180",  # money spent in the last 180 days
    "spend_trend",  # spend of the last 180 days against the 180 before (-1..1)
    "last_rating",  # latest rating on a 0..1 scale (higher is better; 0.5 when none)
    "rating_trend",  # latest rating minus the mean of the earlier ones
    "negative_share_90",  # share of the person's analysed texts of the last 90 days that are negative
    "complaints_90",  # complaints and negative texts in the last 90 days
    "open_cases",  # cases open at the moment
    "tenure_days",  # days since the person's first interaction
)
MONEY_TYPES = ("purchase", "order", "renewal", "subscription")
COMPLAINT_TYPES = ("complaint",)
REFUND_TYPES = ("refund",)


@dataclass
class Snapshot:
    at: datetime
    person_ids: list[int] = field(default_factory=list)
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES))))
    churned_before: set[int] = field(default_factory=set)
    # Lifetime value per person (same order as `person_ids`), net of refunds, converted.
    ltv: list[float] = field(default_factory=list)
    # Amounts left out for want of a rate: the whole snapshot's, and each person's.
    unconverted: Unconverted = field(default_factory=Unconverted)
    unconverted_by_person: dict[int, Unconverted] = field(default_factory=dict)


def _normalised(rating: float, scale: str | None) -> float | None:
    spec = SCALES.get(scale or "")
    if spec is None or spec.high == spec.low:
        return None
    return min(1.0, max(0.0, (rating - spec.low) / (spec.high - spec.low)))


# The whole log read once, kept while a block scores several snapshots (`log_read_once`).
_READ_ONCE: ContextVar[tuple[datetime, list[Any]] | None] = ContextVar(
    "sada_health_log", default=None
)


@contextmanager
def log_read_once(session: Session, until: datetime) -> Iterator[None]:
    """Within the block, every snapshot of all people up to `until` reads the log from
    memory: one read instead of one per snapshot (training takes two, scoring one, the
    actions' report one). The rows are those `load_log` returns, kept in its order, so each
    snapshot is the same as reading again; for a block that writes no interactions or
    analyses (training and scoring write neither)."""
    rows = _read_log(session, until)
    token = _READ_ONCE.set((until, rows))
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


class _LogRow:
    """A row of `load_log` with the same fields and values, decoded here: the timestamp
    from SQLite's naive UTC text, the attributes' JSON text when first read (health reads
    them for money rows only)."""

    __slots__ = (
        "person_id",
        "id",
        "occurred_at",
        "type",
        "rating",
        "rating_scale",
        "origin",
        "_attributes",
        "_decoded",
        "sentiment",
    )

    def __init__(self, values: tuple[Any, ...], json_text: bool) -> None:
        (
            self.person_id,
            self.id,
            occurred_at,
            self.type,
            self.rating,
            self.rating_scale,
            self.origin,
            self._attributes,
            self.sentiment,
        ) = values
        if isinstance(occurred_at, str):  # SQLite: naive UTC text
            occurred_at = datetime.fromisoformat(occurred_at)
        self.occurred_at: datetime = (
            occurred_at.replace(tzinfo=UTC)
            if occurred_at.tzinfo is None
            else occurred_at.astimezone(UTC)
        )
        self._decoded = not json_text

    @property
    def attributes(self) -> Any:
        if not self._decoded:
            self._attributes = json.loads(self._attributes)
            self._decoded = True
        return self._attributes


def _read_log(session: Session, until: datetime) -> list[Any]:
    """`load_log(session, until)` for every person, without SQLAlchemy's per-value result
    processing: the timestamps (and on SQLite the attributes) come back as the driver gives
    them and `_LogRow` decodes them as the column types do, the attributes only when read.
    The ORM's datetime parsing and JSON decoding of 300,000 rows were most of the demo's
    health step."""
    json_text = session.get_bind().dialect.name == "sqlite"
    statement = select(
        Interaction.person_id,
        Interaction.id,
        type_coerce(Interaction.occurred_at, String),
        Interaction.type,
        Interaction.rating,
        Interaction.rating_scale,
        Interaction.origin,
        type_coerce(Interaction.attributes, Text) if json_text else Interaction.attributes,
        TextAnalysis.sentiment,
    )
    rows = session.execute(_log_query(statement, until))
    return [_LogRow(tuple(row), json_text) for row in rows]


def _log_query(statement: Any, until: datetime) -> Any:
    return (
        statement.outerjoin(TextAnalysis, TextAnalysis.interaction_id == Interaction.id)
        .where(Interaction.person_id.is_not(None), Interaction.occurred_at < until)
        .order_by(Interaction.person_id, Interaction.occurred_at)
    )


def load_log(session: Session, until: datetime, person_ids: Sequence[int] | None = None) -> Any:
    """Every person's interactions before `until`, ordered by person then time."""
    kept = _READ_ONCE.get()
    if kept is not None and person_ids is None and until <= kept[0]:
        return [row for row in kept[1] if row.occurred_at < until]
    stmt = _log_query(
        select(
            Interaction.person_id,
            Interaction.id,
            Interaction.occurred_at,
            Interaction.type,
            Interaction.rating,
            Interaction.rating_scale,
            Interaction.origin,
            Interaction.attributes,
            TextAnalysis.sentiment,
        ),
        until,
    )
    if person_ids is not None:
        stmt = stmt.where(Interaction.person_id.in_(list(person_ids)))
    return session.execute(stmt)


def _open_cases(session: Session, at: datetime, person_ids: Sequence[int] | None) -> dict[int, int]:
    stmt = select(Case.person_id, Case.created_at, Case.resolved_at, Case.closed_at).where(
        Case.person_id.is_not(None), Case.created_at < at
    )
    if person_ids is not None:
        stmt = stmt.where(Case.person_id.in_(list(person_ids)))
    out: dict[int, int] = {}
    for person_id, _created, resolved, closed in session.execute(stmt):
        ended = resolved or closed
        if person_id is not None and (ended is None or ended >= at):
            out[person_id] = out.get(person_id, 0) + 1
    return out


def snapshot(
    session: Session,
    at: datetime,
    *,
    churn_types: Iterable[str] = ("cancel", "churn"),
    person_ids: Sequence[int] | None = None,
    rates: Rates | None = None,
) -> Snapshot:
    """Feature rows of every person with history before `at` who had not churned by then;
    money in the reporting currency (`rates`, the workspace's when not given)."""
    churn = set(churn_types)
    rates = rates if rates is not None else rates_of(session)
    cases = _open_cases(session, at, person_ids)
    out = Snapshot(at=at)
    rows: list[list[float]] = []
    current: int | None = None
    acc: _Acc | None = None
    for row in load_log(session, at, person_ids):
        if row.person_id != current:
            if acc is not None and current is not None:
                _flush(out, rows, current, acc, cases)
            current, acc = row.person_id, _Acc()
        assert acc is not None
        acc.add(row, at, churn, rates)
    if acc is not None and current is not None:
        _flush(out, rows, current, acc, cases)
    out.rows = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))
    return out


class _Acc:
    __slots__ = (
        "first",
        "last",
        "activity",
        "spend_now",
        "spend_before",
        "ratings",
        "analysed",
        "negative",
        "churned",
        "ltv",
        "unconverted",
    )

    def __init__(self) -> None:
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.activity = 0
        self.spend_now = 0.0
        self.spend_before = 0.0
        self.ratings: list[float] = []
        self.analysed = 0
        self.negative = 0
        self.churned = False
        self.ltv = 0.0
        self.unconverted: Unconverted | None = None

    def add(self, row: Any, at: datetime, churn: set[str], rates: Rates) -> None:
        when: datetime = row.occurred_at
        if row.type in churn:
            self.churned = True
        if row.origin not in VOICE_ORIGINS:
            return  # agents' replies and Sada's own notes say nothing about the customer
        self.first = self.first or when
        self.last = when
        age = (at - when).total_seconds() / 86400
        if age <= 90:
            self.activity += 1
        if row.type in MONEY_TYPES or row.type in REFUND_TYPES:
            raw = amount_of(row.attributes) * (-1 if row.type in REFUND_TYPES else 1)
            currency = currency_of(row.attributes)
            converted = rates.convert(raw, currency, when)
            if converted is None:
                assert currency is not None
                self.unconverted = self.unconverted or Unconverted()
                self.unconverted.add(currency, raw)
                amount = 0.0
            else:
                amount = converted
            self.ltv += amount
            if age <= 180:
                self.spend_now += amount
            elif age <= 360:
                self.spend_before += amount
        if row.rating is not None:
            value = _normalised(float(row.rating), row.rating_scale)
            if value is not None:
                self.ratings.append(value)
        if age <= 90:
            if row.sentiment is not None:
                self.analysed += 1
            if row.sentiment == "negative" or row.type in COMPLAINT_TYPES:
                self.negative += 1


def _flush(
    out: Snapshot, rows: list[list[float]], person_id: int, acc: _Acc, cases: dict[int, int]
) -> None:
    if acc.churned:
        out.churned_before.add(person_id)
        return
    if acc.unconverted is not None:
        out.unconverted.merge(acc.unconverted)
        out.unconverted_by_person[person_id] = acc.unconverted
    if acc.first is None or acc.last is None:
        return
    at = out.at
    spend_total = acc.spend_now + acc.spend_before
    trend = (acc.spend_now - acc.spend_before) / spend_total if spend_total > 0 else 0.0
    last = acc.ratings[-1] if acc.ratings else 0.5
    earlier = acc.ratings[:-1]
    rating_trend = last - (sum(earlier) / len(earlier)) if earlier else 0.0
    rows.append(
        [
            (at - acc.last).total_seconds() / 86400,
            float(acc.activity),
            acc.spend_now,
            trend,
            last,
            rating_trend,
            min(1.0, acc.negative / acc.analysed) if acc.analysed else 0.0,
            float(acc.negative),
            float(cases.get(person_id, 0)),
            (at - acc.first).total_seconds() / 86400,
        ]
    )
    out.person_ids.append(person_id)
    out.ltv.append(acc.ltv)


def churned_between(
    session: Session, start: datetime, end: datetime, churn_types: Iterable[str]
) -> set[int]:
    """People with a churn interaction in [start, end)."""
    rows = session.execute(
        select(Interaction.person_id).where(
            Interaction.type.in_(list(churn_types)),
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.person_id.is_not(None),
        )
    )
    return {int(r[0]) for r in rows if r[0] is not None}


def inactive_after(
    session: Session, person_ids: Sequence[int], start: datetime, days: int
) -> set[int]:
    """Behavioural churn: people with no voice interaction in [start, start + days)."""
    end = start + timedelta(days=days)
    active = {
        int(r[0])
        for r in session.execute(
            select(Interaction.person_id)
            .where(
                Interaction.occurred_at >= start,
                Interaction.occurred_at < end,
                Interaction.origin.in_(VOICE_ORIGINS),
                Interaction.person_id.is_not(None),
            )
            .distinct()
        )
        if r[0] is not None
    }
    return set(person_ids) - active


def people_names(session: Session, ids: Sequence[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(ids))))}
