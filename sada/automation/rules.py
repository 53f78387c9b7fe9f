"""The rules engine: when (trigger) + conditions -> actions, with dry runs and loop protection.

A rule is data (JSON), so it can be edited in the UI and the API:

    {"name": "Detractor follow-up",
     "triggers": ["interaction.ingested", "response.received"],
     "conditions": [{"field": "interaction.rating_scale", "op": "eq", "value": "nps"},
                    {"field": "interaction.rating", "op": "lte", "value": 6}],
     "actions": [{"type": "create_case", "title": "Detractor: {person.name}", "due_hours": 48,
                  "assign": "account_owner"}]}

Conditions (all must hold; {"any": [...]} for "or", {"all": [...]} to group):
- field comparisons on interaction.*, person.*, case.*, conversation.*, sentiment.*,
  topic.* (for `listening.spike`: brand, metric, value, expected, score, ratio, day)
  (interaction.band is low / mid / high as the metric catalogue bands its rating)
  (ops: eq ne lt lte gt gte in not_in contains exists not_exists)
- {"type": "audience", "in": [...]}, {"type": "segment", "in": [...]} (the legacy label)
- {"type": "in_segment", "in": ["<segment key>", ...]} / {"type": "not_in_segment", ...}: the
  person is (not) a member of a defined segment (`sada.people.segments`); rules can also
  trigger on `segment.entered` / `segment.left`
- {"type": "count", "where": {"type": "complaint"}, "days": 30, "op": "gte", "value": 3}
  (the person's interactions in a window; where-keys: type, channel, direction,
  rating_scale, rating_lte, rating_gte, sentiment)
- {"type": "silence", "days": 90}: no inbound interaction for that long
- {"type": "topic_rise", "days": 7, "baseline_days": 28, "factor": 2, "min_count": 5}:
  a negative topic mentioned much more than usual (workspace-level, needs text analyses)

Actions: create_case, assign, tag, notify (email and in-app), send_survey, webhook,
notify_customer (a templated, multilingual message to the person on their best channel or a
chosen one, with consent, opt-outs, quiet hours and a throttle: `sada.automation.customer`).

Loop protection: an event caused by a rule carries the chain of rules that led
to it; a rule never fires on an event its own action caused, chains stop at
MAX_DEPTH, each (rule, event) fires at most once (unique dedupe key), rules can
have a cooldown per person, and interactions Sada writes itself do not trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.automation.models import Rule, RuleFiring
from sada.core.errors import Invalid, NotFound
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import catalogue, publish
from sada.feedback import invitations
from sada.feedback import service as feedback_service
from sada.metrics import catalogue as catalogue_bands
from sada.people.membership import in_segments
from sada.settings import get_settings
from sada.tenants.models import Membership, Role

# "case.changed" and "conversation.changed" match every event of a case or conversation;
# a catalogue name ("conversation.solved", "case.resolved", "sla.breached") matches that one.
TRIGGERS = (
    "interaction.ingested",
    "response.received",
    "sentiment.computed",
    "case.changed",
    "conversation.changed",
    "schedule",
    # A social-listening spike; its data (brand, metric, value, expected, score, day) is the
    # rule's `topic` ("{topic.brand}" in a notification, conditions on "topic.score").
    "listening.spike",
    *(
        e.name
        for e in catalogue.EVENTS
        if e.name.split(".")[0] in ("case", "conversation", "sla", "health", "segment")
        and e.name not in ("case.changed", "conversation.changed", "conversation.replied")
    ),
)
OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "exists", "not_exists")
ACTIONS = ("create_case", "assign", "tag", "notify", "send_survey", "webhook", "notify_customer")
MAX_DEPTH = 3
OWNER_TRAITS = ("account_owner", "csm", "owner", "account_manager")


@dataclass
class Context:
    """What a rule sees: the trigger, its subject, and loop-protection data."""

    trigger: str
    key: str  # what this evaluation is about, for dedupe ("interaction:5", "case:3:updated")
    person: dict[str, Any] | None = None
    interaction: dict[str, Any] | None = None
    case: dict[str, Any] | None = None
    conversation: dict[str, Any] | None = None
    sentiment: dict[str, Any] | None = None
    topic: dict[str, Any] | None = None
    health: dict[str, Any] | None = None
    depth: int = 0
    chain: tuple[int, ...] = ()
    now: datetime = field(default_factory=utcnow)

    @property
    def person_id(self) -> int | None:
        return self.person["id"] if self.person else None

    def lookup(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        value: Any = getattr(self, head, None) if head in _ROOTS else None
        for part in rest.split(".") if rest else []:
            if isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value


_ROOTS = frozenset(
    {"person", "interaction", "case", "conversation", "sentiment", "topic", "health"}
)


# ---------------------------------------------------------------- validation


def validate_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Check a rule's JSON shape; raise Invalid with the path of the first problem."""
    triggers = data.get("triggers") or []
    if not isinstance(triggers, list) or not triggers:
        raise Invalid("triggers: list at least one of " + ", ".join(TRIGGERS))
    for t in triggers:
        if t not in TRIGGERS:
            raise Invalid(f"triggers: unknown trigger {t!r}; use {', '.join(TRIGGERS)}")
    if "schedule" in triggers and not data.get("schedule_minutes"):
        data["schedule_minutes"] = 24 * 60
    conditions = data.get("conditions") or []
    if not isinstance(conditions, list):
        raise Invalid("conditions: expected a list")
    for i, cond in enumerate(conditions):
        _validate_condition(cond, f"conditions[{i}]")
    actions = data.get("actions") or []
    if not isinstance(actions, list) or not actions:
        raise Invalid("actions: list at least one action")
    for i, action in enumerate(actions):
        if not isinstance(action, dict) or action.get("type") not in ACTIONS:
            raise Invalid(f"actions[{i}].type: use one of {', '.join(ACTIONS)}")
        if action["type"] == "send_survey" and _survey_id(action) is None:
            raise Invalid(f"actions[{i}].survey_id: the survey to send (an id)")
        if action["type"] == "notify_customer":
            from sada.automation.customer import validate_action

            validate_action(action, f"actions[{i}]")
        if action["type"] == "webhook" and not catalogue.known(action.get("event", "alert.raised")):
            raise Invalid(
                f"actions[{i}].event: {action.get('event')!r} is not in the event catalogue "
                "(docs/events.md)"
            )
    return data


def _validate_condition(cond: Any, path: str) -> None:
    if not isinstance(cond, dict):
        raise Invalid(f"{path}: expected an object")
    for group in ("any", "all"):
        if group in cond:
            if not isinstance(cond[group], list) or not cond[group]:
                raise Invalid(f"{path}.{group}: expected a non-empty list")
            for j, sub in enumerate(cond[group]):
                _validate_condition(sub, f"{path}.{group}[{j}]")
            return
    kind = cond.get("type", "field" if "field" in cond else None)
    if kind == "field":
        root = str(cond.get("field", "")).split(".")[0]
        if root not in _ROOTS:
            raise Invalid(f"{path}.field: start with one of {', '.join(sorted(_ROOTS))}")
        if cond.get("op", "eq") not in OPS:
            raise Invalid(f"{path}.op: use one of {', '.join(OPS)}")
    elif kind in ("audience", "segment"):
        if not isinstance(cond.get("in"), list):
            raise Invalid(f"{path}.in: expected a list")
    elif kind in ("in_segment", "not_in_segment"):
        keys = cond.get("in")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise Invalid(f"{path}.in: expected a non-empty list of segment keys")
    elif kind == "count":
        if not isinstance(cond.get("where", {}), dict):
            raise Invalid(f"{path}.where: expected an object")
        if cond.get("op", "gte") not in OPS[:6]:
            raise Invalid(f"{path}.op: use one of {', '.join(OPS[:6])}")
        if not isinstance(cond.get("value"), int | float):
            raise Invalid(f"{path}.value: expected a number")
    elif kind == "silence":
        if not isinstance(cond.get("days"), int | float) or cond["days"] <= 0:
            raise Invalid(f"{path}.days: expected a positive number")
    elif kind == "topic_rise":
        pass
    else:
        raise Invalid(
            f"{path}.type: use field, audience, segment, in_segment, not_in_segment, count, "
            "silence or topic_rise"
        )


# ---------------------------------------------------------------- conditions


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "exists":
        return left is not None
    if op == "not_exists":
        return left is None
    if op == "in":
        return left in (right or [])
    if op == "not_in":
        return left not in (right or [])
    if op == "contains":
        if isinstance(left, list):
            return right in left
        return isinstance(left, str) and str(right).lower() in left.lower()
    if left is None:
        return False
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    try:
        if op == "lt":
            return left < right
        if op == "lte":
            return left <= right
        if op == "gt":
            return left > right
        if op == "gte":
            return left >= right
    except TypeError:
        return False
    return False


def _sentiment_ids(session: Session, ids: list[int], label: str) -> set[int]:
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return set()
    return set(
        session.execute(
            select(TextAnalysis.interaction_id).where(
                TextAnalysis.interaction_id.in_(ids), TextAnalysis.sentiment == label
            )
        ).scalars()
    )


def count_interactions(
    session: Session, person_id: int, where: dict[str, Any], since: datetime, until: datetime
) -> int:
    from sada.interactions.models import Interaction

    query = select(Interaction.id).where(
        Interaction.person_id == person_id,
        Interaction.occurred_at >= since,
        Interaction.occurred_at <= until,
        Interaction.source != "sada.automation",
    )
    for key in ("type", "channel", "direction", "rating_scale"):
        if key in where:
            value = where[key]
            column = getattr(Interaction, key)
            query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    if "rating_lte" in where:
        query = query.where(Interaction.rating <= where["rating_lte"])
    if "rating_gte" in where:
        query = query.where(Interaction.rating >= where["rating_gte"])
    ids = list(session.execute(query.limit(10_000)).scalars())
    if "sentiment" in where and ids:
        return len(_sentiment_ids(session, ids, where["sentiment"]))
    return len(ids)


def last_inbound_at(session: Session, person_id: int) -> datetime | None:
    from sada.interactions.models import Interaction

    return session.execute(
        select(func.max(Interaction.occurred_at)).where(
            Interaction.person_id == person_id, Interaction.direction == "inbound"
        )
    ).scalar_one_or_none()


def topic_rises(
    session: Session,
    now: datetime,
    *,
    days: int = 7,
    baseline_days: int = 28,
    factor: float = 2.0,
    min_count: int = 5,
) -> list[dict[str, Any]]:
    """Topics in negative texts, recent window vs the baseline rate before it."""
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return []
    from sada.interactions.models import Interaction

    start = now - timedelta(days=days + baseline_days)
    rows = session.execute(
        select(Interaction.occurred_at, TextAnalysis.topics)
        .join(Interaction, Interaction.id == TextAnalysis.interaction_id)
        .where(Interaction.occurred_at >= start, TextAnalysis.sentiment == "negative")
    ).all()
    recent: dict[str, int] = {}
    base: dict[str, int] = {}
    cut = now - timedelta(days=days)
    for at, topics in rows:
        names = cast(
            set[str],
            {t.get("name") for t in topics or [] if isinstance(t, dict) and t.get("name")},
        )
        target = recent if at >= cut else base
        for name in names:
            target[name] = target.get(name, 0) + 1
    out = []
    for name, n in recent.items():
        expected = base.get(name, 0) * days / baseline_days
        if n >= min_count and n >= factor * max(expected, 1.0):
            out.append({"name": name, "recent": n, "expected": round(expected, 2)})
    return sorted(out, key=lambda t: -t["recent"])


def check_condition(session: Session, cond: dict[str, Any], ctx: Context) -> bool:
    if "any" in cond:
        return any(check_condition(session, sub, ctx) for sub in cond["any"])
    if "all" in cond:
        return all(check_condition(session, sub, ctx) for sub in cond["all"])
    kind = cond.get("type", "field" if "field" in cond else None)
    if kind == "field":
        return _compare(cond.get("op", "eq"), ctx.lookup(cond["field"]), cond.get("value"))
    if kind in ("audience", "segment"):
        return ctx.person is not None and ctx.person.get(kind) in cond["in"]
    if kind in ("in_segment", "not_in_segment"):
        if ctx.person_id is None:
            return False
        member = in_segments(session, ctx.person_id, [str(k) for k in cond["in"]])
        return member if kind == "in_segment" else not member
    if kind == "count":
        if ctx.person_id is None:
            return False
        since = ctx.now - timedelta(days=float(cond.get("days", 30)))
        n = count_interactions(session, ctx.person_id, cond.get("where", {}), since, ctx.now)
        return _compare(cond.get("op", "gte"), n, cond["value"])
    if kind == "silence":
        if ctx.person_id is None:
            return False
        last = last_inbound_at(session, ctx.person_id)
        return last is None or last <= ctx.now - timedelta(days=float(cond["days"]))
    if kind == "topic_rise":
        if ctx.topic is not None:
            return True
        rises = topic_rises(
            session,
            ctx.now,
            days=int(cond.get("days", 7)),
            baseline_days=int(cond.get("baseline_days", 28)),
            factor=float(cond.get("factor", 2.0)),
            min_count=int(cond.get("min_count", 5)),
        )
        if rises:
            ctx.topic = rises[0]
        return bool(rises)
    return False


# ---------------------------------------------------------------- templates


_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-zA-Z0-9_]+)*)\}")


def render(template: str, ctx: Context, rule: Rule) -> str:
    def value(match: re.Match[str]) -> str:
        path = match.group(1)
        if path == "rule.name":
            return rule.name
        found = ctx.lookup(path)
        return "" if found is None else str(found)

    return _PLACEHOLDER.sub(value, template or "")


# ---------------------------------------------------------------- recipients


def account_owner_id(session: Session, ctx: Context) -> int | None:
    from sada.cases.assignment import user_id_for_email

    traits = (ctx.person or {}).get("traits") or {}
    for name in OWNER_TRAITS:
        uid = user_id_for_email(session, traits.get(name))
        if uid is not None:
            return uid
    return None


def _resolve_users(session: Session, spec: Any, ctx: Context) -> list[int]:
    from sada.cases.assignment import team_by_name, user_id_for_email
    from sada.cases.models import TeamMember

    specs = spec if isinstance(spec, list) else [spec]
    users: list[int] = []
    for item in specs:
        uid: int | None = None
        if item == "account_owner":
            uid = account_owner_id(session, ctx)
        elif item in ("assignee", "case_owner"):
            uid = (ctx.case or {}).get("owner_id") or (ctx.conversation or {}).get("assignee_id")
        elif isinstance(item, str) and item.startswith("team:"):
            team = team_by_name(session, item[5:])
            if team is not None:
                users.extend(
                    session.execute(
                        select(TeamMember.user_id).where(TeamMember.team_id == team.id)
                    ).scalars()
                )
        elif isinstance(item, str) and item.startswith("role:"):
            users.extend(
                session.execute(
                    select(Membership.user_id).where(Membership.role == item[5:])
                ).scalars()
            )
        elif isinstance(item, str):
            uid = user_id_for_email(session, item)
        elif isinstance(item, int):
            uid = item
        if uid is not None:
            users.append(uid)
    return _members_only(session, users)


def _members_only(session: Session, user_ids: list[int]) -> list[int]:
    """Keep the ids of this workspace's members: a stored rule never reaches anyone else."""
    wanted = sorted({u for u in user_ids if isinstance(u, int) and not isinstance(u, bool)})
    if not wanted:
        return []
    members = set(
        session.execute(select(Membership.user_id).where(Membership.user_id.in_(wanted))).scalars()
    )
    return [u for u in wanted if u in members]


def _emails(session: Session, user_ids: list[int]) -> list[str]:
    from sada.tenants.models import User

    if not user_ids:
        return []
    return list(session.execute(select(User.email).where(User.id.in_(user_ids))).scalars())


# ---------------------------------------------------------------- actions


class _Plan:
    """Collects what actions did (or, in a dry run, would do)."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.results: list[dict[str, Any]] = []

    def add(self, **result: Any) -> None:
        self.results.append(result)


def _assignee_for(session: Session, spec: Any, ctx: Context) -> tuple[int | None, int | None, str]:
    """(user_id, team_id, how) for an `assign` spec."""
    from sada.cases.assignment import team_by_name

    specs = spec if isinstance(spec, list) else [spec]
    for item in specs:
        if item == "account_owner":
            uid = account_owner_id(session, ctx)
            if uid is not None:
                return uid, None, "account owner"
        elif isinstance(item, dict) and "team" in item:
            team = team_by_name(session, item["team"])
            if team is not None:
                return None, team.id, f"team {team.name}"
        elif isinstance(item, str) and item.startswith("team:"):
            team = team_by_name(session, item[5:])
            if team is not None:
                return None, team.id, f"team {team.name}"
        elif isinstance(item, str) and "@" in item:
            users = _resolve_users(session, item, ctx)
            if users:
                return users[0], None, item
        elif item == "language_team":
            from sada.cases.assignment import route_team

            language = (ctx.interaction or {}).get("language") or (ctx.person or {}).get("language")
            team = route_team(session, channel=None, language=language)
            if team is not None:
                return None, team.id, f"team {team.name} ({language})"
    return None, None, "unassigned"


def _run_action(
    session: Session, rule: Rule, action: dict[str, Any], ctx: Context, plan: _Plan, firing_key: str
) -> None:
    kind = action["type"]
    from sada.cases.service import Origin

    origin = Origin(
        label=f"rule {rule.name}", rule_id=rule.id, depth=ctx.depth + 1, chain=(*ctx.chain, rule.id)
    )
    if kind == "create_case":
        uid, team_id, how = _assignee_for(session, action.get("assign", "account_owner"), ctx)
        title = render(action.get("title", "Follow up: {rule.name}"), ctx, rule)
        if plan.dry_run:
            plan.add(
                action=kind,
                title=title,
                owner_id=uid,
                team_id=team_id,
                assign=how,
                due_hours=action.get("due_hours"),
            )
            return
        from sada.cases.service import do_create_case

        interaction_ids = [ctx.interaction["id"]] if ctx.interaction else []
        case = do_create_case(
            session,
            title=title,
            description=render(action.get("description", ""), ctx, rule),
            person_id=ctx.person_id,
            conversation_id=(ctx.conversation or {}).get("id"),
            priority=action.get("priority", "normal"),
            owner_id=uid,
            team_id=team_id,
            due_hours=action.get("due_hours"),
            root_cause=action.get("root_cause"),
            tags=action.get("tags") or [],
            interaction_ids=interaction_ids,
            channel=(ctx.interaction or {}).get("channel"),
            # A title template the pages render in each reader's language (`title` stays
            # the English text for the API): {"title_key": ..., "title_params": {...}}.
            title_key=action.get("title_key"),
            title_params={
                str(k): render(str(v), ctx, rule)
                for k, v in (action.get("title_params") or {}).items()
            }
            or None,
            source="rule",
            dedupe_key=f"rule:{firing_key}",
            origin=origin,
        )
        ctx.case = ctx.case or {"id": case.id, "owner_id": case.owner_id}
        plan.add(
            action=kind,
            case_id=case.id,
            owner_id=case.owner_id,
            due_at=str(case.due_at),
            assign=how,
        )
    elif kind == "assign":
        conv_id = (ctx.conversation or {}).get("id")
        uid, team_id, how = _assignee_for(session, action.get("to", "account_owner"), ctx)
        if conv_id is None:
            plan.add(action=kind, skipped="no conversation in this event")
            return
        if plan.dry_run:
            plan.add(action=kind, conversation_id=conv_id, user_id=uid, team_id=team_id, assign=how)
            return
        from sada.cases.conversations import do_assign

        if uid is None and team_id is None:
            plan.add(action=kind, skipped="nobody to assign to")
            return
        conv = do_assign(
            session,
            conv_id,
            user_id=uid,
            team_id=team_id,
            label=origin.label,
            depth=origin.depth,
            chain=origin.chain,
        )
        plan.add(action=kind, conversation_id=conv_id, user_id=conv.assignee_id, assign=how)
    elif kind == "tag":
        tags = [render(t, ctx, rule) for t in action.get("tags", [])]
        target = "case" if ctx.case and ctx.case.get("id") else "conversation"
        if plan.dry_run:
            plan.add(action=kind, tags=tags, target=target)
            return
        if target == "case":
            from sada.cases.service import access_case, do_update_case

            case = access_case(session, ctx.case["id"])  # type: ignore[index]
            do_update_case(session, case.id, {"tags": [*case.tags, *tags]}, origin=origin)
        elif ctx.conversation:
            from sada.cases.conversations import do_update

            do_update(
                session,
                ctx.conversation["id"],
                {"add_tags": tags},
                label=origin.label,
                depth=origin.depth,
                chain=origin.chain,
            )
        else:
            plan.add(action=kind, skipped="no case or conversation to tag")
            return
        plan.add(action=kind, tags=tags, target=target)
    elif kind == "notify":
        users = _resolve_users(session, action.get("to", "account_owner"), ctx)
        if not users and action.get("fallback"):
            users = _resolve_users(session, action["fallback"], ctx)
        channels = action.get("channels") or ["in_app", "email"]
        subject = render(action.get("subject", "Sada alert: {rule.name}"), ctx, rule)
        body = render(action.get("body", "{rule.name} fired for {person.name}."), ctx, rule)
        emails = _emails(session, users) if "email" in channels else []
        if plan.dry_run:
            plan.add(action=kind, user_ids=users, emails=emails, subject=subject)
            return
        from sada.automation.notify import notify_in_app, queue_email
        from sada.notifications import service as notifications

        if "in_app" in channels and users:
            notify_in_app(session, users, subject, body, rule_id=rule.id, person_id=ctx.person_id)
            notifications.alerted(session, users, subject, body, ctx.person_id)
        if emails:
            queue_email(
                session, emails, subject, body, dedupe_key=f"{firing_key}:{len(plan.results)}"
            )
        plan.add(action=kind, user_ids=users, emails=emails, subject=subject)
    elif kind == "send_survey":
        survey_id = _survey_id(action) or 0
        try:
            survey = feedback_service.access_survey(session, survey_id)
        except NotFound:
            plan.add(action=kind, survey_id=survey_id, skipped="the survey no longer exists")
            return
        settings = get_settings()
        if plan.dry_run:
            reach = invitations.check_reach(
                session, survey, ctx.person_id, contact_days_default=settings.survey_contact_days
            )
            plan.add(
                action=kind,
                survey_id=survey_id,
                person_id=ctx.person_id,
                status=reach.status,
                reason=reach.reason,
            )
            return
        invitation = invitations.do_request_survey(
            session,
            survey,
            ctx.person_id,
            secret=settings.secret_key,
            requested_by=f"rule:{rule.id}",
            dedupe_key=f"rule:{firing_key}",
            hidden={"rule_id": str(rule.id), "trigger": ctx.trigger},
            contact_days_default=settings.survey_contact_days,
        )
        plan.add(
            action=kind,
            survey_id=survey_id,
            person_id=ctx.person_id,
            invitation_id=invitation.id,
            status=invitation.status,
            reason=invitation.reason,
        )
    elif kind == "notify_customer":
        from sada.automation import customer

        plan.add(
            **customer.plan(
                session,
                action,
                person_id=ctx.person_id,
                came_from=(ctx.interaction or {}).get("channel"),
                render=lambda text: render(text, ctx, rule),
                key=f"{firing_key}:{len(plan.results)}",
                rule_id=rule.id,
                dry_run=plan.dry_run,
                now=ctx.now,
            )
        )
    elif kind == "webhook":
        event = action.get("event", "alert.raised")
        if plan.dry_run:
            plan.add(action=kind, event=event)
            return
        publish(
            session, event, alert_data(rule, ctx), depth=ctx.depth + 1, chain=(*ctx.chain, rule.id)
        )
        plan.add(action=kind, event=catalogue.canonical(event))


def alert_data(rule: Rule, ctx: Context) -> dict[str, Any]:
    """The payload of `alert.raised` (and of a webhook action's event)."""
    return {
        "rule": {"id": rule.id, "name": rule.name},
        "trigger": ctx.trigger,
        "person": ctx.person,
        "interaction": ctx.interaction,
        "case": ctx.case,
        "topic": ctx.topic,
    }


# ---------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    rule_id: int
    rule_name: str
    key: str
    person_id: int | None
    matched: bool
    outcome: str  # fired | skipped | not_matched | would_fire
    reason: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)
    at: datetime | None = None


def _in_cooldown(session: Session, rule: Rule, subject: str, now: datetime) -> bool:
    if not rule.cooldown_minutes:
        return False
    since = now - timedelta(minutes=rule.cooldown_minutes)
    return (
        session.execute(
            select(RuleFiring.id)
            .where(
                RuleFiring.rule_id == rule.id,
                RuleFiring.subject == subject,
                RuleFiring.outcome == "fired",
                RuleFiring.at >= since,
            )
            .limit(1)
        ).first()
        is not None
    )


def evaluate(session: Session, rule: Rule, ctx: Context, *, dry_run: bool = False) -> Evaluation:
    """Check one rule against one context; fire it (in this transaction) unless dry_run."""
    subject = f"person:{ctx.person_id}" if ctx.person_id else "workspace"
    ev = Evaluation(rule.id, rule.name, ctx.key, ctx.person_id, False, "not_matched", at=ctx.now)
    if rule.id in ctx.chain or ctx.depth >= MAX_DEPTH:
        ev.outcome, ev.reason = "skipped", "loop protection"
        return ev
    for cond in rule.conditions or []:
        if not check_condition(session, cond, ctx):
            return ev
    ev.matched = True
    if _in_cooldown(session, rule, subject, ctx.now):
        ev.outcome, ev.reason = "skipped", f"cooldown of {rule.cooldown_minutes} min"
        return ev
    plan = _Plan(dry_run)
    firing_key = f"{rule.id}:{ctx.key}"
    if dry_run:
        for action in rule.actions:
            _run_action(session, rule, action, ctx, plan, firing_key)
        ev.outcome, ev.results = "would_fire", plan.results
        return ev
    # Claim the firing first: a replayed job or a concurrent worker inserts nothing.
    statement = insert_ignoring_conflicts(
        session, RuleFiring.__table__, ["workspace_id", "dedupe_key"]
    ).returning(RuleFiring.__table__.c.id)
    firing_id = session.execute(
        statement.values(
            workspace_id=bound_workspace(session),
            rule_id=rule.id,
            at=ctx.now,
            trigger=ctx.trigger,
            subject=subject,
            person_id=ctx.person_id,
            interaction_id=(ctx.interaction or {}).get("id"),
            case_id=(ctx.case or {}).get("id"),
            depth=ctx.depth,
            outcome="fired",
            results=[],
            dedupe_key=firing_key,
        )
    ).scalar_one_or_none()
    if firing_id is None:
        ev.outcome, ev.reason = "skipped", "already fired for this event"
        return ev
    for action in rule.actions:
        _run_action(session, rule, action, ctx, plan, firing_key)
    notified = any(r.get("action") == "notify" and "skipped" not in r for r in plan.results)
    if notified and not any(a.get("type") == "webhook" for a in rule.actions):
        publish(
            session,
            "alert.raised",
            alert_data(rule, ctx),
            depth=ctx.depth + 1,
            chain=(*ctx.chain, rule.id),
        )
    firing = session.get(RuleFiring, firing_id)
    assert firing is not None
    firing.results = plan.results
    if any(r.get("action") == "notify_customer" for r in plan.results):
        from sada.automation.customer import attach_firing

        attach_firing(session, firing_id, plan.results)
    if firing.case_id is None and ctx.case:
        firing.case_id = ctx.case.get("id")
    _write_timeline(session, rule, ctx, firing_id, plan.results)
    ev.outcome, ev.results = "fired", plan.results
    return ev


def _write_timeline(
    session: Session, rule: Rule, ctx: Context, firing_id: int, results: list[dict[str, Any]]
) -> None:
    """A note on the person's timeline, through the ordinary ingest path."""
    if ctx.person_id is None:
        return
    from sada.cases.conversations import person_ref
    from sada.interactions.service import ingest_batch

    ref = person_ref(session, ctx.person_id)
    if ref is None:
        return
    done = ", ".join(r.get("action", "") for r in results if "skipped" not in r)
    ingest_batch(
        session,
        [
            {
                "source": "sada.automation",
                "origin": "system",
                "external_id": f"firing-{bound_workspace(session)}-{firing_id}",
                "occurred_at": ctx.now.isoformat(),
                "channel": "other",
                "type": "note",
                "direction": "outbound",
                "text": f"Rule '{rule.name}' fired: {done or 'no action'}",
                "attributes": {
                    "kind": "rule_firing",
                    "rule_id": rule.id,
                    "firing_id": firing_id,
                    "trigger": ctx.trigger,
                    "results": results,
                },
                "person": ref,
            }
        ],
    )


# ---------------------------------------------------------------- contexts


def person_dict(session: Session, person_id: int | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    from sada.people.models import Person

    p = session.execute(select(Person).where(Person.id == person_id)).scalar_one_or_none()
    if p is None:
        return None
    return {
        "id": p.id,
        "name": p.name,
        "audience": p.audience,
        "segment": p.segment,
        "language": p.language,
        "traits": dict(p.traits or {}),
    }


def interaction_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "occurred_at": row.occurred_at.isoformat(),
        "channel": row.channel,
        "direction": row.direction,
        "type": row.type,
        "subject": row.subject,
        "text": row.text,
        "language": row.language,
        "rating": row.rating,
        "rating_scale": row.rating_scale,
        # low / mid / high as the metric catalogue bands the rating (detractor = low on NPS)
        "band": (
            catalogue_bands.SCALES[row.rating_scale].band(row.rating)
            if row.rating is not None and row.rating_scale in catalogue_bands.SCALES
            else None
        ),
        "origin": getattr(row, "origin", None),
        "source": row.source,
        "conversation_id": row.conversation_id,
        "attributes": dict(row.attributes or {}),
    }


def sentiment_of(session: Session, interaction_id: int) -> dict[str, Any] | None:
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return None
    row = session.execute(
        select(TextAnalysis).where(TextAnalysis.interaction_id == interaction_id)
    ).scalar_one_or_none()
    if row is None:
        return None
    return {
        "label": row.sentiment,
        "score": row.sentiment_score,
        "language": row.language,
        "topics": [t.get("name") for t in row.topics or [] if isinstance(t, dict)],
    }


def interaction_context(
    session: Session, row: Any, trigger: str, *, now: datetime | None = None
) -> Context:
    conv = None
    from sada.cases.models import ConversationItem

    conv_id = session.execute(
        select(ConversationItem.conversation_id).where(ConversationItem.interaction_id == row.id)
    ).scalar_one_or_none()
    if conv_id is not None:
        from sada.cases.conversations import access_conversation, conversation_out

        conv = conversation_out(access_conversation(session, conv_id)).model_dump(mode="json")
    return Context(
        trigger=trigger,
        key=f"interaction:{row.id}",
        person=person_dict(session, row.person_id),
        interaction=interaction_dict(row),
        conversation=conv,
        sentiment=sentiment_of(session, row.id),
        now=now or utcnow(),
    )


def rules_for(session: Session, *triggers: str, history: bool = False) -> list[Rule]:
    """Enabled rules with any of `triggers` (a generic trigger and the event's own name);
    for history, only the rules that opted in."""
    wanted = set(triggers)
    return [
        r
        for r in session.execute(
            select(Rule).where(Rule.enabled.is_(True)).order_by(Rule.id)
        ).scalars()
        if wanted & set(r.triggers or []) and (r.include_history or not history)
    ]


# ---------------------------------------------------------------- CRUD


def _survey_id(action: dict[str, Any]) -> int | None:
    value = action.get("survey_id", action.get("survey"))
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


_SYMBOLIC = frozenset({"account_owner", "assignee", "case_owner"})
_RECIPIENT_HELP = (
    "use a member's email or user id, account_owner, assignee, case_owner, team:NAME or role:ROLE"
)


def _recipient_problem(session: Session, item: Any, *, assign: bool) -> str | None:
    """Why `item` cannot be a recipient, or None. Never says whether a non-member exists."""
    from sada.cases.assignment import user_id_for_email

    if isinstance(item, bool):
        return _RECIPIENT_HELP
    if isinstance(item, int):
        found = session.execute(
            select(Membership.user_id).where(Membership.user_id == item)
        ).scalar_one_or_none()
        return None if found is not None else f"user {item} is not a member of this workspace"
    if assign and isinstance(item, dict) and isinstance(item.get("team"), str):
        return None
    if not isinstance(item, str):
        return _RECIPIENT_HELP
    if item in _SYMBOLIC or (assign and item == "language_team"):
        return None
    if item.startswith("team:") and item[5:].strip():
        return None
    if item.startswith("role:"):
        return None if item[5:] in {r.value for r in Role} else _RECIPIENT_HELP
    if "@" in item and len(item) <= 320:
        if user_id_for_email(session, item) is None:
            return f"{item[:320]!r} is not a member of this workspace"
        return None
    return _RECIPIENT_HELP


def check_recipients(session: Session, data: dict[str, Any]) -> None:
    """Only members of this workspace may be notified or assigned (by id, email or symbol)."""
    for i, action in enumerate(data.get("actions") or []):
        if not isinstance(action, dict) or action.get("type") not in ("notify", "assign"):
            continue
        fields = ("to", "fallback") if action["type"] == "notify" else ("to",)
        for name in fields:
            if name not in action:
                continue
            spec = action[name]
            items = spec if isinstance(spec, list) else [spec]
            if len(items) > 100:
                raise Invalid(f"actions[{i}].{name}: at most 100 recipients")
            for j, item in enumerate(items):
                problem = _recipient_problem(session, item, assign=action["type"] == "assign")
                if problem is not None:
                    where = f"actions[{i}].{name}" + (f"[{j}]" if isinstance(spec, list) else "")
                    raise Invalid(f"{where}: {problem}")


def check_references(session: Session, data: dict[str, Any]) -> None:
    """Refuse actions that cannot run: a survey that does not exist or is not active, and
    recipients who are not members of this workspace."""
    check_recipients(session, data)
    for i, action in enumerate(data.get("actions") or []):
        if action.get("type") != "send_survey":
            continue
        try:
            survey = feedback_service.access_survey(session, _survey_id(action) or 0)
        except NotFound:
            raise Invalid(f"actions[{i}].survey_id: no survey {_survey_id(action)}") from None
        if survey.status != "active":
            raise Invalid(
                f"actions[{i}].survey_id: survey {survey.id} is {survey.status}; activate it first"
            )


def do_create_rule(session: Session, data: dict[str, Any]) -> Rule:
    data = validate_rule(dict(data))
    check_references(session, data)
    allowed = {
        "name",
        "description",
        "enabled",
        "triggers",
        "conditions",
        "actions",
        "cooldown_minutes",
        "schedule_minutes",
        "include_history",
    }
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(unknown)}")
    if not str(data.get("name", "")).strip():
        raise Invalid("name: required")
    rule = Rule(workspace_id=bound_workspace(session), updated_at=utcnow(), **data)
    session.add(rule)
    session.flush()
    return rule


def access_rule(session: Session, rule_id: int) -> Rule:
    rule = session.execute(select(Rule).where(Rule.id == rule_id)).scalar_one_or_none()
    if rule is None:
        raise NotFound(f"no rule {rule_id}")
    return rule


def do_update_rule(session: Session, rule_id: int, changes: dict[str, Any]) -> Rule:
    rule = access_rule(session, rule_id)
    merged = {
        "name": rule.name,
        "description": rule.description,
        "enabled": rule.enabled,
        "triggers": rule.triggers,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "cooldown_minutes": rule.cooldown_minutes,
        "schedule_minutes": rule.schedule_minutes,
        "include_history": rule.include_history,
        **{k: v for k, v in changes.items() if v is not None},
    }
    validate_rule(merged)
    if "actions" in changes:
        check_references(session, merged)
    for key, value in merged.items():
        setattr(rule, key, value)
    rule.updated_at = utcnow()
    return rule


def list_rules(session: Session) -> list[Rule]:
    return list(session.execute(select(Rule).order_by(Rule.id)).scalars())


def firings(
    session: Session,
    *,
    rule_id: int | None = None,
    person_id: int | None = None,
    limit: int = 100,
) -> list[RuleFiring]:
    query = select(RuleFiring).order_by(RuleFiring.id.desc()).limit(limit)
    if rule_id is not None:
        query = query.where(RuleFiring.rule_id == rule_id)
    if person_id is not None:
        query = query.where(RuleFiring.person_id == person_id)
    return list(session.execute(query).scalars())
