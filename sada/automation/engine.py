"""Running rules: on new interactions, responses, sentiment, case changes and schedules.

Each (rule, subject) evaluation runs in a savepoint: a failing action is logged as
an `error` firing and the other rules still run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.automation import rule_context as C
from sada.automation import rules as R
from sada.automation.models import Rule, RuleFiring
from sada.cases.models import Case, Conversation, TeamMember
from sada.core.errors import Invalid
from sada.db.dialect import chunks, insert_ignoring_conflicts
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.jobs.models import Job
from sada.jobs.service import PENDING, advance_cursor, enqueue, read_cursor
from sada.tenants.models import Membership

log = logging.getLogger(__name__)

TICK_JOB = "automation.tick"
TICK_SECONDS = 60
AUTOMATION_SOURCE = "sada.automation"


def _safe_evaluate(session: Session, rule: Rule, ctx: C.Context) -> R.Evaluation:
    if R.surely_unmatched(session, rule, ctx):  # no savepoint for a rule that cannot match
        return R.Evaluation(
            rule.id, rule.name, ctx.key, ctx.person_id, False, "not_matched", at=ctx.now
        )
    try:
        with session.begin_nested():
            return R.evaluate(session, rule, ctx)
    except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others
        log.warning("rule %s failed on %s: %s", rule.id, ctx.key, exc)
        message = getattr(exc, "message", None) or str(exc)
        statement = insert_ignoring_conflicts(
            session, RuleFiring.__table__, ["workspace_id", "dedupe_key"]
        )
        session.execute(
            statement.values(
                workspace_id=bound_workspace(session),
                rule_id=rule.id,
                at=ctx.now,
                trigger=ctx.trigger,
                subject=f"person:{ctx.person_id}" if ctx.person_id else "workspace",
                person_id=ctx.person_id,
                interaction_id=(ctx.interaction or {}).get("id"),
                case_id=(ctx.case or {}).get("id"),
                depth=ctx.depth,
                outcome="error",
                results=[{"error": message[:500]}],
                dedupe_key=f"{rule.id}:{ctx.key}",
            )
        )
        return R.Evaluation(rule.id, rule.name, ctx.key, ctx.person_id, True, "error", message)


# Interactions evaluated per transaction (one applied batch is usually one chunk).
CONTEXT_CHUNK = 200


def on_interactions(
    db: Database, workspace_id: int, interaction_ids: list[int], trigger: str
) -> list[R.Evaluation]:
    """Run the trigger's rules on the customers' interactions; history only reaches the rules
    that opted in (`include_history`).

    One transaction per CONTEXT_CHUNK interactions, their contexts read with one query per
    kind of fact (`interaction_contexts`), each (rule, interaction) in its own savepoint as
    before; a rule whose leading plain conditions fail is passed over without one."""
    from sada.interactions.models import VOICE_ORIGINS, Interaction

    out: list[R.Evaluation] = []
    with db.reader(workspace_id) as session:
        if not R.has_rules(session, trigger):
            return out
    for chunk in chunks(interaction_ids, CONTEXT_CHUNK):
        with db.transaction(workspace_id) as session:
            found = {
                row.id: row
                for row in session.execute(
                    select(Interaction).where(Interaction.id.in_(chunk))
                ).scalars()
            }
            rows = [
                found[iid]
                for iid in dict.fromkeys(chunk)
                if iid in found and found[iid].origin in VOICE_ORIGINS
            ]
            if not rows:
                continue
            rules = {
                history: R.rules_for(session, trigger, history=history)
                for history in {bool(row.backfill) for row in rows}
            }
            for row, ctx in zip(rows, C.interaction_contexts(session, rows, trigger), strict=True):
                for rule in rules[bool(row.backfill)]:
                    out.append(_safe_evaluate(session, rule, ctx))
    return out


def on_person_event(
    db: Database,
    workspace_id: int,
    *,
    event: str,
    person_id: int,
    data: dict[str, Any],
    depth: int,
    chain: list[int],
) -> list[R.Evaluation]:
    """Rules on an event about a person (`health.band_changed`): conditions may read
    `person.*` and `health.*` (band, previous_band, score, risk, model)."""
    out: list[R.Evaluation] = []
    with db.transaction(workspace_id) as session:
        rules = R.rules_for(session, event)
        if not rules:
            return out
        ctx = C.Context(
            trigger=event,
            key=f"person:{person_id}:{event}:{data.get('band') or data.get('segment')}:"
            f"{utcnow().date().isoformat()}",
            person=C.person_dict(session, person_id),
            health=data,
            depth=depth,
            chain=tuple(chain),
        )
        for rule in rules:
            out.append(_safe_evaluate(session, rule, ctx))
    return out


def on_case_event(
    db: Database,
    workspace_id: int,
    *,
    trigger: str,
    event: str,
    case_id: int | None,
    conversation_id: int | None,
    depth: int,
    chain: list[int],
) -> list[R.Evaluation]:
    from sada.cases.conversations import access_conversation, conversation_out
    from sada.cases.service import access_case, case_out

    out: list[R.Evaluation] = []
    with db.transaction(workspace_id) as session:
        rules = R.rules_for(session, trigger, event)
        if not rules:
            return out
        case = conv = None
        if case_id is not None:
            row = access_case(session, case_id)
            case = {**case_out(session, row).model_dump(mode="json"), "event": event}
            if row.conversation_id:
                conversation_id = row.conversation_id
        if conversation_id is not None:
            conv = {
                **conversation_out(access_conversation(session, conversation_id)).model_dump(
                    mode="json"
                ),
                "event": event,
            }
        person_id = (case or {}).get("person_id") or (conv or {}).get("person_id")
        stamp = (case or conv or {}).get("updated_at") or utcnow().isoformat()
        ctx = C.Context(
            trigger=trigger,
            key=f"{'case' if case else 'conversation'}:{case_id or conversation_id}:{event}:{stamp}",
            person=C.person_dict(session, person_id),
            case=case,
            conversation=conv,
            depth=depth,
            chain=tuple(chain),
        )
        for rule in rules:
            out.append(_safe_evaluate(session, rule, ctx))
    return out


def on_topic_event(
    db: Database,
    workspace_id: int,
    *,
    trigger: str,
    key: str,
    topic: dict[str, Any],
    depth: int = 0,
    chain: list[int] | None = None,
) -> list[R.Evaluation]:
    """Rules on a workspace-level event about no one person (a listening spike): the event's
    data is the rule's `topic`."""
    out: list[R.Evaluation] = []
    with db.transaction(workspace_id) as session:
        for rule in R.rules_for(session, trigger):
            ctx = C.Context(
                trigger=trigger, key=key, topic=topic, depth=depth, chain=tuple(chain or ())
            )
            out.append(_safe_evaluate(session, rule, ctx))
    return out


def _schedule_candidates(session: Session, rule: Rule, now: datetime) -> list[int | None]:
    """People a scheduled rule should look at; [None] for workspace-level rules."""
    from sada.interactions.models import Interaction

    silence = [c for c in rule.conditions or [] if c.get("type") == "silence"]
    personal = any(
        c.get("type") in ("silence", "count", "audience", "segment")
        or str(c.get("field", "")).startswith("person.")
        for c in rule.conditions or []
    )
    if not personal:
        return [None]
    query = (
        select(Interaction.person_id)
        .where(Interaction.person_id.is_not(None), Interaction.direction == "inbound")
        .group_by(Interaction.person_id)
    )
    if silence:
        days = max(float(c["days"]) for c in silence)
        query = query.having(func.max(Interaction.occurred_at) <= now - timedelta(days=days))
    return list(session.execute(query.limit(20_000)).scalars())


def run_schedule(
    db: Database, workspace_id: int, now: datetime | None = None, *, force: bool = False
) -> list[R.Evaluation]:
    """Run schedule-triggered rules that are due (every rule's own interval)."""
    now = now or utcnow()
    out: list[R.Evaluation] = []
    with db.transaction(workspace_id) as session:
        due = [
            r
            for r in R.rules_for(session, "schedule")
            if force
            or r.last_scheduled_at is None
            or r.last_scheduled_at + timedelta(minutes=r.schedule_minutes or 1440) <= now
        ]
        for rule in due:
            rule.last_scheduled_at = now
            bucket = int(now.timestamp() // (60 * (rule.schedule_minutes or 1440)))
            for person_id in _schedule_candidates(session, rule, now):
                ctx = C.Context(
                    trigger="schedule",
                    key=f"schedule:{bucket}:{person_id or 'ws'}",
                    person=C.person_dict(session, person_id),
                    now=now,
                )
                out.append(_safe_evaluate(session, rule, ctx))
    return out


def check_sla(db: Database, workspace_id: int, now: datetime | None = None) -> list[Any]:
    """Record SLA warnings and breaches; notify the assignee and publish events."""
    from sada.automation.notify import notify_in_app
    from sada.cases import sla
    from sada.notifications import service as notifications

    with db.transaction(workspace_id) as session:
        hits = sla.check(session, now)
        for hit in hits:
            data = {
                "subject": hit.subject,
                "metric": hit.metric,
                "due_at": hit.due_at.isoformat(),
                "conversation_id": hit.conversation_id,
                "case_id": hit.case_id,
                "assignee_id": hit.assignee_id,
                "policy_id": hit.policy_id,
            }
            publish(session, "sla.breached" if hit.kind == "breach" else "sla.warning", data)
            users = sla_recipients(session, hit)
            if users:
                what = "breached" if hit.kind == "breach" else "about to breach"
                kind, _, ident = hit.subject.partition(":")
                notify_in_app(
                    session,
                    users,
                    f"SLA {what}: {hit.metric.replace('_', ' ')} for {hit.subject}",
                    f"Due {hit.due_at.isoformat()}",
                    link=f"/inbox/{ident}" if kind == "conversation" else f"/cases/{ident}",
                )
                notifications.sla_hit(session, users, hit.kind == "breach", hit.subject, hit.metric)
    return hits


def tick_cursor_key(workspace_id: int) -> str:
    return f"{TICK_JOB}:{workspace_id}"


def sla_recipients(session: Session, hit: Any) -> list[int]:
    """Who hears of an SLA warning or breach: agent, then team, then managers.

    A warning goes to the assignee, or (unassigned) to the team's members, or (no team) to
    the managers. A breach also goes up to the managers. Where a workspace has no manager,
    its admins, then its owners, stand in: an unassigned breach always reaches someone.
    """
    users: set[int] = set()
    if hit.assignee_id is not None:
        users.add(int(hit.assignee_id))
    else:
        row = (
            session.get(Case, hit.case_id)
            if hit.case_id is not None
            else session.get(Conversation, hit.conversation_id)
        )
        team_id = getattr(row, "team_id", None)
        if team_id is not None:
            users |= set(
                session.execute(
                    select(TeamMember.user_id).where(TeamMember.team_id == team_id)
                ).scalars()
            )
    if hit.kind == "breach" or not users:
        for role in ("manager", "admin", "owner"):
            found = set(
                session.execute(select(Membership.user_id).where(Membership.role == role)).scalars()
            )
            if found:
                users |= found
                break
    return sorted(users)


def ensure_tick(session: Session, at: datetime | None = None) -> None:
    """Keep one pending periodic tick job per workspace.

    Called after every ingest and at the end of each tick: when a tick is already queued
    (the queue may be late) nothing is added, so a backlog never breeds more ticks.
    """
    workspace_id = bound_workspace(session)
    at = at or utcnow()
    pending = session.execute(
        select(Job.id)
        .where(Job.kind == TICK_JOB, Job.workspace_id == workspace_id, Job.status.in_(PENDING))
        .limit(1)
    ).first()
    if pending is not None:
        return
    bucket = int(at.timestamp() // TICK_SECONDS) + 1
    run_at = datetime.fromtimestamp(bucket * TICK_SECONDS, tz=at.tzinfo)
    enqueue(
        session,
        TICK_JOB,
        {"since": at.isoformat()},
        workspace_id=workspace_id,
        run_at=run_at,
        dedupe_key=f"tick:{workspace_id}:{bucket}",
    )


def tick(
    db: Database, workspace_id: int, since: datetime | None = None, now: datetime | None = None
) -> tuple[datetime, datetime] | None:
    """Run the window from where the previous tick stopped up to now; returns it.

    The window's start is the stored cursor, not the job's own `since`: a tick that
    waited in a late queue continues from the previous one, and a duplicate tick that
    finds its window already covered (less than half a period old) does nothing.
    """
    now = now or utcnow()
    key = tick_cursor_key(workspace_id)
    with db.reader(workspace_id) as session:
        start = read_cursor(session, key) or since or now - timedelta(seconds=TICK_SECONDS)
    if now - start < timedelta(seconds=TICK_SECONDS / 2):
        with db.transaction(workspace_id) as session:
            ensure_tick(session, now)
        return None
    run_schedule(db, workspace_id, now)
    check_sla(db, workspace_id, now)
    with db.transaction(workspace_id) as session:
        advance_cursor(session, key, now, workspace_id=workspace_id)
        ensure_tick(session, now)
    return start, now


# ---------------------------------------------------------------- dry run


def dry_run(session: Session, rule: Rule, *, days: int = 30, limit: int = 5000) -> dict[str, Any]:
    """What the rule would have done over the last `days`: nothing is written."""
    if not 1 <= days <= 366:
        raise Invalid("days must be between 1 and 366")
    from sada.interactions.models import Interaction

    now = utcnow()
    since = now - timedelta(days=days)
    evaluations: list[R.Evaluation] = []
    examined = 0
    last_fire: dict[str, datetime] = {}
    cooldown = timedelta(minutes=rule.cooldown_minutes or 0)

    def consider(ctx: C.Context) -> None:
        nonlocal examined
        examined += 1
        ev = R.evaluate(session, rule, ctx, dry_run=True)
        if ev.outcome != "would_fire":
            return
        subject = f"person:{ctx.person_id}" if ctx.person_id else "workspace"
        previous = last_fire.get(subject)
        if previous is not None and cooldown and ctx.now - previous < cooldown:
            ev.outcome, ev.reason = "skipped", f"cooldown of {rule.cooldown_minutes} min"
        else:
            last_fire[subject] = ctx.now
        evaluations.append(ev)

    triggers = set(rule.triggers or [])
    if triggers & {"interaction.ingested", "response.received", "sentiment.computed"}:
        query = (
            select(Interaction)
            .where(Interaction.occurred_at >= since, Interaction.origin == "customer")
            .order_by(Interaction.occurred_at, Interaction.id)
            .limit(limit)
        )
        if "interaction.ingested" not in triggers and "sentiment.computed" not in triggers:
            query = query.where(Interaction.type == "survey_response")
        trigger = sorted(triggers & {"interaction.ingested", "response.received"} or triggers)[0]
        for row in _iter(session, query):
            consider(C.interaction_context(session, row, trigger, now=row.occurred_at))
    if "case.changed" in triggers:
        from sada.cases.models import Case
        from sada.cases.service import case_out

        for case in _iter(
            session,
            select(Case).where(Case.created_at >= since).order_by(Case.id).limit(limit),
        ):
            consider(
                C.Context(
                    trigger="case.changed",
                    key=f"case:{case.id}:created",
                    person=C.person_dict(session, case.person_id),
                    case={
                        **case_out(session, case).model_dump(mode="json"),
                        "event": "case.created",
                    },
                    now=case.created_at,
                )
            )
    if "schedule" in triggers:
        step = timedelta(minutes=rule.schedule_minutes or 1440)
        at = since + step
        while at <= now:
            for person_id in _schedule_candidates(session, rule, at):
                consider(
                    C.Context(
                        trigger="schedule",
                        key=f"schedule:{at.isoformat()}:{person_id or 'ws'}",
                        person=C.person_dict(session, person_id),
                        now=at,
                    )
                )
            at += step
    would = [e for e in evaluations if e.outcome == "would_fire"]
    return {
        "rule": {"id": rule.id, "name": rule.name},
        "days": days,
        "examined": examined,
        "matched": len(evaluations),
        "would_fire": len(would),
        "skipped": len(evaluations) - len(would),
        "firings": [
            {
                "at": e.at.isoformat() if e.at else None,
                "key": e.key,
                "person_id": e.person_id,
                "outcome": e.outcome,
                "reason": e.reason,
                "actions": e.results,
            }
            for e in evaluations[:500]
        ],
    }


def _iter(session: Session, query: Any) -> Iterable[Any]:
    return list(session.execute(query).scalars())


def rule_from_data(data: dict[str, Any]) -> Rule:
    """An unsaved rule for a dry run of a draft."""
    data = R.validate_rule(dict(data))
    return Rule(
        id=0,
        name=data.get("name") or "draft",
        triggers=data["triggers"],
        conditions=data.get("conditions") or [],
        actions=data["actions"],
        cooldown_minutes=data.get("cooldown_minutes") or 0,
        schedule_minutes=data.get("schedule_minutes"),
        enabled=True,
    )
