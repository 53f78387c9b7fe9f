"""SLA policies: business calendars, due times, pauses, warnings and breach records.

Business time is counted in the team's own time zone, on its working days and
hours, skipping its holidays (weekends differ: Saturday-Sunday, Friday, or
Friday-Saturday). Time a conversation spends pending on the customer does not
count against the resolution target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import Case, Conversation, SlaEvent, SlaPolicy, Team
from sada.core.errors import Invalid, NotFound
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow

DEFAULT_HOURS = ("09:00", "17:00")
SOCIAL = "social"
DAY_MINUTES = 24 * 60
HOLIDAY_YEARS = (1970, 2200)

Shift = tuple[int, int]  # (open minute, close minute) of a local day; close may be 24:00


def _parse_hhmm(value: object, field: str = "hours") -> int:
    text = str(value).strip() if isinstance(value, str) else None
    try:
        if text is None:
            raise ValueError(value)
        hh, mm = text.split(":")
        hours, minutes = int(hh), int(mm)
    except (ValueError, AttributeError) as exc:
        raise Invalid(
            f"{field}: invalid time {value!r}; use HH:MM", details={"field": field}
        ) from exc
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > DAY_MINUTES:
        raise Invalid(f"{field}: invalid time {value!r}", details={"field": field})
    return hours * 60 + minutes


def _is_time(value: object) -> bool:
    return isinstance(value, str) and ":" in value and "-" not in value


def parse_shifts(value: object, field: str = "hours", *, strict: bool = True) -> tuple[Shift, ...]:
    """The working intervals of one day, sorted.

    Accepted forms: `["09:00", "17:00"]` (one interval: how teams were stored before split
    shifts), `[["09:00", "13:00"], ["14:00", "18:00"]]`, `["09:00-13:00", "14:00-18:00"]` or
    the text `"09:00-13:00, 14:00-18:00"`; empty means closed. With `strict`, an interval that
    ends before it starts or overlaps another is refused (`Invalid` naming `field`); without it
    (reading stored rows) such intervals are skipped, as the single-interval reader did.
    """
    if value is None or value == "" or value == []:
        return ()
    items: list[object]
    if isinstance(value, str):
        items = [part for part in re.split(r"[,،，;]+", value.strip()) if part]
    elif isinstance(value, list | tuple):
        items = (
            [list(value)] if len(value) == 2 and all(_is_time(v) for v in value) else list(value)
        )
    else:
        raise Invalid(f"{field}: give a list of intervals", details={"field": field})
    shifts: list[Shift] = []
    for item in items:
        if isinstance(item, str):
            pair: object = [part.strip() for part in item.split("-")]
        else:
            pair = item
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise Invalid(
                f"{field}: each interval is a start and an end (HH:MM-HH:MM), not {item!r}",
                details={"field": field},
            )
        start, end = _parse_hhmm(pair[0], field), _parse_hhmm(pair[1], field)
        if end <= start:
            if strict:
                raise Invalid(
                    f"{field}: the interval {pair[0]}-{pair[1]} ends before it starts",
                    details={"field": field},
                )
            continue
        shifts.append((start, end))
    shifts.sort()
    kept: list[Shift] = []
    for shift in shifts:
        if kept and shift[0] < kept[-1][1]:
            if strict:
                raise Invalid(
                    f"{field}: the intervals {_hhmm(kept[-1])} and {_hhmm(shift)} overlap",
                    details={"field": field},
                )
            continue
        kept.append(shift)
    return tuple(kept)


def _hhmm(shift: Shift) -> str:
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in shift)


def format_shifts(shifts: tuple[Shift, ...]) -> str:
    """`09:00-13:00, 14:00-18:00` (what the team form shows)."""
    return ", ".join(_hhmm(s) for s in shifts)


def shifts_json(shifts: tuple[Shift, ...]) -> list[list[str]]:
    return [_hhmm(s).split("-") for s in shifts]


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    # weekday -> working intervals (open minute, close minute), sorted and disjoint;
    # missing weekdays are closed.
    windows: dict[int, tuple[Shift, ...]]
    holidays: frozenset[date]

    @classmethod
    def always(cls) -> BusinessCalendar:
        return cls(ZoneInfo("UTC"), {d: ((0, DAY_MINUTES),) for d in range(7)}, frozenset())

    @classmethod
    def build(
        cls,
        timezone: str = "UTC",
        weekend_days: list[int] | None = None,
        hours: dict[str, Any] | None = None,
        holidays: list[str] | None = None,
        *,
        strict: bool = False,
    ) -> BusinessCalendar:
        """A calendar from a team's columns; `strict` (saving a team) refuses what reading
        tolerates: unknown weekdays, intervals that end before they start or overlap."""
        try:
            tz = ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Invalid(
                f"timezone: unknown time zone {timezone!r}", details={"field": "timezone"}
            ) from exc
        weekend_list = weekend_days if weekend_days is not None else [5, 6]
        if strict and (
            not isinstance(weekend_list, list)
            or any(
                not isinstance(d, int) or isinstance(d, bool) or d not in range(7)
                for d in weekend_list
            )
        ):
            raise Invalid(
                "weekend_days: weekday numbers from 0 (Monday) to 6 (Sunday)",
                details={"field": "weekend_days"},
            )
        weekend = set(weekend_list)
        hours = hours or {}
        if not isinstance(hours, dict):
            raise Invalid("hours: an object of weekday -> intervals", details={"field": "hours"})
        if strict:
            for key in hours:
                if key != "default" and key not in {str(d) for d in range(7)}:
                    raise Invalid(
                        f"hours.{key}: use the weekday numbers 0 (Monday) to 6 (Sunday) "
                        'or "default"',
                        details={"field": f"hours.{key}"},
                    )
        default = parse_shifts(hours.get("default", DEFAULT_HOURS), "hours.default", strict=strict)
        windows: dict[int, tuple[Shift, ...]] = {}
        for day in range(7):
            if day in weekend:
                continue
            if str(day) in hours:
                shifts = parse_shifts(hours[str(day)], f"hours.{day}", strict=strict)
            else:
                shifts = default
            if shifts:
                windows[day] = shifts
        if strict and not isinstance(holidays or [], list):
            raise Invalid("holidays: a list of dates (YYYY-MM-DD)", details={"field": "holidays"})
        parsed: set[date] = set()
        for index, item in enumerate(holidays or []):
            try:
                holiday = date.fromisoformat(str(item))
                # A Solar Hijri date typed as such (1405-01-01) parses as a Gregorian year 1405.
                if strict and not HOLIDAY_YEARS[0] <= holiday.year <= HOLIDAY_YEARS[1]:
                    raise ValueError(item)
                parsed.add(holiday)
            except ValueError as exc:
                raise Invalid(
                    f"holidays[{index}]: invalid date {item!r}; use YYYY-MM-DD "
                    f"(Gregorian, {HOLIDAY_YEARS[0]}-{HOLIDAY_YEARS[1]})",
                    details={"field": f"holidays[{index}]"},
                ) from exc
        return cls(tz, windows, frozenset(parsed))

    @classmethod
    def for_team(cls, team: Team | None) -> BusinessCalendar:
        if team is None:
            return cls.build()
        return cls.build(team.timezone, team.weekend_days, team.hours, team.holidays)

    def _windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants (DST days get their real offsets)."""
        if day in self.holidays or day.weekday() not in self.windows:
            return []
        out = []
        for start, end in self.windows[day.weekday()]:
            out.append((self._instant(day, start), self._instant(day, end)))
        return out

    def _instant(self, day: date, minute: int) -> datetime:
        if minute >= DAY_MINUTES:
            day, minute = day + timedelta(days=1), minute - DAY_MINUTES
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.tz)
        return local.astimezone(UTC)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of business time after `start`."""
        if not self.windows:
            raise Invalid("this calendar has no working hours")
        remaining = timedelta(minutes=minutes)
        current = start.astimezone(UTC)
        day = current.astimezone(self.tz).date()
        for _ in range(3700):
            for opens, closes in self._windows(day):
                if current < opens:
                    current = opens
                if current < closes:
                    available = closes - current
                    if remaining <= available:
                        return current + remaining
                    remaining -= available
                    current = closes
            day += timedelta(days=1)
        raise Invalid("no business time within ten years (every day is a holiday?)")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes in [start, end)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        last = end.astimezone(self.tz).date() + timedelta(days=1)
        while day <= last:
            for opens, closes in self._windows(day):
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60


# ---------------------------------------------------------------- policies


def _matches(values: list[str], value: str | None, *, social: frozenset[str] = frozenset()) -> bool:
    if not values:
        return True
    if value is None:
        return False
    if value in values:
        return True
    return SOCIAL in values and (value in social or value.startswith("social:"))


def match_policy(
    session: Session,
    *,
    channel: str | None,
    priority: str | None,
    audience: str | None,
    segment: str | None,
) -> SlaPolicy | None:
    from sada.interactions.schemas import SOCIAL_CHANNELS

    policies = session.execute(
        select(SlaPolicy)
        .where(SlaPolicy.enabled.is_(True))
        .order_by(SlaPolicy.position, SlaPolicy.id)
    ).scalars()
    for policy in policies:
        if (
            _matches(policy.channels, channel, social=SOCIAL_CHANNELS)
            and _matches(policy.priorities, priority)
            and _matches(policy.audiences, audience)
            and _matches(policy.segments, segment)
        ):
            return policy
    return None


def calendar_of(session: Session, policy: SlaPolicy | None) -> BusinessCalendar:
    if policy is None or not policy.business_hours:
        return BusinessCalendar.always()
    team = session.get(Team, policy.team_id) if policy.team_id else None
    return BusinessCalendar.for_team(team)


def _person_slice(session: Session, person_id: int | None) -> tuple[str | None, str | None]:
    if person_id is None:
        return None, None
    from sada.people.models import Person

    row = session.execute(
        select(Person.audience, Person.segment).where(Person.id == person_id)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def apply_to_conversation(session: Session, conv: Conversation) -> SlaPolicy | None:
    """(Re)compute the due times of a conversation from the policy that matches it."""
    audience, segment = _person_slice(session, conv.person_id)
    policy = match_policy(
        session, channel=conv.channel, priority=conv.priority, audience=audience, segment=segment
    )
    conv.sla_policy_id = policy.id if policy else None
    if policy is None:
        conv.first_response_due_at = conv.resolution_due_at = None
        return None
    cal = calendar_of(session, policy)
    conv.first_response_due_at = (
        cal.add(conv.opened_at, policy.first_response_minutes)
        if policy.first_response_minutes is not None
        else None
    )
    conv.resolution_due_at = (
        cal.add(conv.opened_at, policy.resolution_minutes + (conv.paused_minutes or 0.0))
        if policy.resolution_minutes is not None
        else None
    )
    return policy


def apply_to_case(session: Session, case: Case, channel: str | None) -> SlaPolicy | None:
    """Contact and resolution due times of a case (the stricter of policy and `due_at`)."""
    audience, segment = _person_slice(session, case.person_id)
    policy = match_policy(
        session, channel=channel, priority=case.priority, audience=audience, segment=segment
    )
    case.sla_policy_id = policy.id if policy else None
    if policy is None:
        return None
    cal = calendar_of(session, policy)
    start = case.created_at or utcnow()
    if policy.first_response_minutes is not None:
        case.contact_due_at = cal.add(start, policy.first_response_minutes)
    if policy.resolution_minutes is not None:
        due = cal.add(start, policy.resolution_minutes)
        case.due_at = min(case.due_at, due) if case.due_at else due
    return policy


def pause(conv: Conversation, now: datetime) -> None:
    if conv.paused_at is None:
        conv.paused_at = now


def resume(session: Session, conv: Conversation, now: datetime) -> None:
    """Leaving 'pending': the waiting time moves the resolution due time back."""
    if conv.paused_at is None:
        return
    policy = session.get(SlaPolicy, conv.sla_policy_id) if conv.sla_policy_id else None
    cal = calendar_of(session, policy)
    conv.paused_minutes = (conv.paused_minutes or 0.0) + cal.minutes_between(conv.paused_at, now)
    conv.paused_at = None
    if policy is not None and policy.resolution_minutes is not None:
        conv.resolution_due_at = cal.add(
            conv.opened_at, policy.resolution_minutes + conv.paused_minutes
        )


# ---------------------------------------------------------------- checks


@dataclass
class SlaHit:
    subject: str
    metric: str
    kind: str
    due_at: datetime
    conversation_id: int | None
    case_id: int | None
    assignee_id: int | None
    policy_id: int | None


def _record(session: Session, hit: SlaHit, at: datetime) -> bool:
    statement = insert_ignoring_conflicts(
        session, SlaEvent.__table__, ["workspace_id", "subject", "metric", "kind"]
    ).returning(SlaEvent.__table__.c.id)
    row = session.execute(
        statement.values(
            workspace_id=bound_workspace(session),
            subject=hit.subject,
            conversation_id=hit.conversation_id,
            case_id=hit.case_id,
            policy_id=hit.policy_id,
            metric=hit.metric,
            kind=hit.kind,
            due_at=hit.due_at,
            at=at,
            assignee_id=hit.assignee_id,
        )
    ).first()
    return row is not None


def _judge(
    due: datetime | None, done: datetime | None, warn: timedelta, now: datetime
) -> tuple[str | None, datetime]:
    """('breach'|'warning'|None, when)."""
    if due is None:
        return None, now
    if done is not None:
        return ("breach", done) if done > due else (None, now)
    if now >= due:
        return "breach", now
    if warn and now >= due - warn:
        return "warning", now
    return None, now


def check(session: Session, now: datetime | None = None) -> list[SlaHit]:
    """Record new warnings and breaches; return them (each is recorded once)."""
    now = now or utcnow()
    warn_by_policy = dict(
        session.execute(select(SlaPolicy.id, SlaPolicy.warn_before_minutes)).all()
    )
    hits: list[SlaHit] = []
    convs = session.execute(
        select(Conversation).where(
            Conversation.sla_policy_id.is_not(None),
            Conversation.status.in_(("open", "pending", "solved")),
        )
    ).scalars()
    for conv in convs:
        warn = timedelta(minutes=warn_by_policy.get(conv.sla_policy_id or 0, 0) or 0)
        checks = [("first_response", conv.first_response_due_at, conv.first_response_at)]
        if conv.paused_at is None:
            checks.append(("resolution", conv.resolution_due_at, conv.solved_at))
        for metric, due, done in checks:
            kind, at = _judge(due, done, warn, now)
            if kind is None or due is None:
                continue
            hit = SlaHit(
                f"conversation:{conv.id}",
                metric,
                kind,
                due,
                conv.id,
                None,
                conv.assignee_id,
                conv.sla_policy_id,
            )
            if _record(session, hit, at):
                hits.append(hit)
    cases = session.execute(
        select(Case).where(
            Case.status.in_(("open", "in_progress", "resolved")),
            (Case.due_at.is_not(None)) | (Case.contact_due_at.is_not(None)),
        )
    ).scalars()
    for case in cases:
        warn = timedelta(minutes=warn_by_policy.get(case.sla_policy_id or 0, 0) or 0)
        for metric, due, done in (
            ("first_response", case.contact_due_at, case.contacted_at),
            ("resolution", case.due_at, case.resolved_at),
        ):
            kind, at = _judge(due, done, warn, now)
            if kind is None or due is None:
                continue
            hit = SlaHit(
                f"case:{case.id}",
                metric,
                kind,
                due,
                case.conversation_id,
                case.id,
                case.owner_id,
                case.sla_policy_id,
            )
            if _record(session, hit, at):
                hits.append(hit)
    return hits


def list_events(
    session: Session, *, kind: str | None = None, since: datetime | None = None, limit: int = 200
) -> list[SlaEvent]:
    query = select(SlaEvent).order_by(SlaEvent.at.desc(), SlaEvent.id.desc()).limit(limit)
    if kind:
        query = query.where(SlaEvent.kind == kind)
    if since:
        query = query.where(SlaEvent.at >= since)
    return list(session.execute(query).scalars())


# ---------------------------------------------------------------- admin


def do_create_policy(session: Session, data: dict[str, Any]) -> SlaPolicy:
    if data.get("team_id") is not None and session.get(Team, data["team_id"]) is None:
        raise NotFound(f"no team {data['team_id']}")
    policy = SlaPolicy(workspace_id=bound_workspace(session), **data)
    session.add(policy)
    session.flush()
    return policy


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(
        session.execute(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)).scalars()
    )
