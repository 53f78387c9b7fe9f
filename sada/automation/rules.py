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

Read top-down: this module validates a rule, evaluates it (conditions, then a plan of actions
carried out in order, each firing recorded once) and keeps the rules; what a rule sees is
`rule_context`, its conditions `rule_conditions`, its actions and their recipients
`rule_actions`; `engine` finds the rules an event triggers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.automation.models import Rule, RuleFiring
from sada.automation.rule_actions import Plan, action_survey_id, alert_data, run_action
from sada.automation.rule_conditions import check_condition
from sada.automation.rule_context import ROOTS, Context
from sada.core.errors import Invalid, NotFound
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import catalogue, publish
from sada.feedback import service as feedback_service
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
        if action["type"] == "send_survey" and action_survey_id(action) is None:
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
        if root not in ROOTS:
            raise Invalid(f"{path}.field: start with one of {', '.join(sorted(ROOTS))}")
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


# Conditions answered from the context alone (no query, no side effect on the context).
_PLAIN = frozenset({"field", "audience", "segment"})


def _plain(cond: dict[str, Any]) -> bool:
    for group in ("any", "all"):
        if group in cond:
            return all(_plain(sub) for sub in cond[group])
    return cond.get("type", "field" if "field" in cond else None) in _PLAIN


def surely_unmatched(session: Session, rule: Rule, ctx: Context) -> bool:
    """Whether `evaluate` would answer not_matched at one of the rule's leading plain
    conditions (those before the first that queries or changes the context): then it would
    write nothing, and the caller needs no savepoint. False when unsure (a condition raised,
    or loop protection decides first)."""
    if rule.id in ctx.chain or ctx.depth >= MAX_DEPTH:
        return False
    for cond in rule.conditions or []:
        if not isinstance(cond, dict) or not _plain(cond):
            return False
        try:
            if not check_condition(session, cond, ctx):
                return True
        except Exception:  # noqa: BLE001 - evaluate will meet it again, in a savepoint
            return False
    return False


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
    plan = Plan(dry_run)
    firing_key = f"{rule.id}:{ctx.key}"
    if dry_run:
        for action in rule.actions:
            run_action(session, rule, action, ctx, plan, firing_key)
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
        run_action(session, rule, action, ctx, plan, firing_key)
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
    from sada.cases.replies import person_ref
    from sada.interactions.ingest import ingest_batch

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


def has_rules(session: Session, *triggers: str, history: bool = False) -> bool:
    """Whether `rules_for` would find a rule: the `wanted` predicate of the rule jobs (no rule
    follows the event, no job). Reads only the enabled rules' triggers (the workspace's rules
    are few, found by the index of its unique key)."""
    wanted = set(triggers)
    return any(
        wanted & set(rule_triggers or []) and (include_history or not history)
        for rule_triggers, include_history in session.execute(
            select(Rule.triggers, Rule.include_history).where(Rule.enabled.is_(True))
        )
    )


# ---------------------------------------------------------------- CRUD


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
            survey = feedback_service.access_survey(session, action_survey_id(action) or 0)
        except NotFound:
            raise Invalid(f"actions[{i}].survey_id: no survey {action_survey_id(action)}") from None
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
