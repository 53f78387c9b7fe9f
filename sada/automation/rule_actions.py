"""What a rule does when it fires: its actions (create_case, assign, tag, notify, send_survey,
webhook, notify_customer), the placeholders of their templates, and who their recipients are
(named users, roles, the account owner)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.automation.models import Rule
from sada.automation.rule_context import Context
from sada.core.errors import NotFound
from sada.events import catalogue, publish
from sada.feedback import invitations
from sada.feedback import service as feedback_service
from sada.settings import get_settings
from sada.tenants.models import Membership

OWNER_TRAITS = ("account_owner", "csm", "owner", "account_manager")


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


class Plan:
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


def run_action(
    session: Session, rule: Rule, action: dict[str, Any], ctx: Context, plan: Plan, firing_key: str
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
        survey_id = action_survey_id(action) or 0
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


def action_survey_id(action: dict[str, Any]) -> int | None:
    value = action.get("survey_id", action.get("survey"))
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
