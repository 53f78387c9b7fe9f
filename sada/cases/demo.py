"""Demo data for the closed loop: teams, SLA policies, alerts, conversations and cases.

Called by `sada demo` after interactions are written. Conversations are built
from the last weeks of support messages through the same `attach_interactions`
that ingest uses, so first-response times and SLA breaches are the real ones of
the demo's replies; cases are opened from recent complaints and moved through
every state, with each language team performing differently.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.tenants.models import Membership, User

if TYPE_CHECKING:
    from sada.demo.seed import DemoContext

TEAMS = {
    # language: (name, time zone, weekend days (0 = Monday), agent e-mail prefix)
    "fa": ("پشتیبانی فارسی", "Asia/Tehran", [4]),
    "ar": ("الدعم العربي", "Asia/Riyadh", [4, 5]),
    "zh": ("中文客服", "Asia/Shanghai", [5, 6]),
    "en": ("English support", "Europe/London", [5, 6]),
}
AGENT_LANGUAGE = {
    "sara.ahmadi": "fa",
    "reza.karimi": "fa",
    "layla.haddad": "ar",
    "omar.khalil": "ar",
    "li.wei": "zh",
    "wang.fang": "zh",
    "emma.clark": "en",
}
ROOT_CAUSES = {
    "delivery": "logistics",
    "billing": "billing_error",
    "product_quality": "defect",
    "staff": "staff_behaviour",
    "app_website": "app_bug",
    "price": "pricing",
}


def seed_demo_cases(ctx: DemoContext) -> dict[str, int]:
    from sada.automation.defaults import ensure_default_rules
    from sada.cases import sla
    from sada.cases.assignment import do_add_member, do_create_team
    from sada.cases.conversations import attach_interactions
    from sada.cases.service import do_create_case, do_update_case

    db: Database = ctx.db
    rng = random.Random(ctx.rng.random())
    now: datetime = ctx.now
    with db.transaction(ctx.workspace_id) as session:
        ensure_default_rules(session)
        agents = session.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.role == "agent")
        ).all()
        team_ids: dict[str, int] = {}
        for lang, (name, tz, weekend) in TEAMS.items():
            team = do_create_team(
                session,
                {
                    "name": name,
                    "timezone": tz,
                    "weekend_days": weekend,
                    "assignment": "round_robin",
                    "languages": [lang],
                    "holidays": [],
                    "hours": {},
                    "channels": [],
                },
            )
            team_ids[lang] = team.id
            for user_id, email in agents:
                if AGENT_LANGUAGE.get(email.split("@")[0]) == lang:
                    do_add_member(session, team.id, user_id, online=True)
        policies: list[dict[str, Any]] = [
            {
                "name": "Social media: 30 minutes",
                "position": 10,
                "channels": ["social"],
                "first_response_minutes": 30,
                "resolution_minutes": 24 * 60,
                "warn_before_minutes": 10,
            },
            {
                "name": "Chat: 15 minutes",
                "position": 20,
                "channels": ["chat", "whatsapp", "telegram", "sms"],
                "first_response_minutes": 15,
                "resolution_minutes": 8 * 60,
                "warn_before_minutes": 5,
            },
            {
                "name": "Email: 4 hours",
                "position": 30,
                "channels": ["email", "web"],
                "first_response_minutes": 240,
                "resolution_minutes": 48 * 60,
                "warn_before_minutes": 60,
            },
        ]
        for policy in policies:
            sla.do_create_policy(session, policy)
    # Conversations from the last week of support messages (threading and assignment
    # cost a few milliseconds per conversation; older history stays plain interactions).
    since = now - timedelta(days=7)
    with db.reader(ctx.workspace_id) as session:
        ids = list(
            session.execute(
                select(Interaction.id)
                .where(Interaction.conversation_id.is_not(None), Interaction.occurred_at >= since)
                .order_by(Interaction.occurred_at)
            ).scalars()
        )
        complaints = session.execute(
            select(
                Interaction.id, Interaction.person_id, Interaction.channel, Interaction.attributes
            )
            .where(
                Interaction.type == "complaint", Interaction.occurred_at >= now - timedelta(days=60)
            )
            .order_by(Interaction.occurred_at)
        ).all()
    conversations = 0
    for start in range(0, len(ids), 500):
        with db.transaction(ctx.workspace_id) as session:
            conversations += len(attach_interactions(session, ids[start : start + 500]))
    with db.transaction(ctx.workspace_id) as session:
        sla.check(session, now)
    language_of = {p.id: p.language for p in ctx.people}
    # Teams differ: the Persian team closes fast, the Arabic one lags.
    close_rate = {"fa": 0.75, "ar": 0.45, "zh": 0.65, "en": 0.6}
    cases = 0
    for interaction_id, person_id, channel, attributes in rng.sample(
        complaints, min(240, len(complaints))
    ):
        lang = language_of.get(person_id or 0, "en")
        topic = (attributes or {}).get("topic_hint", "delivery")
        with db.transaction(ctx.workspace_id) as session:
            case = do_create_case(
                session,
                title=f"{topic.replace('_', ' ').title()} complaint",
                title_key="complaint",
                title_params={"topic": topic},
                person_id=person_id,
                priority=rng.choice(["normal", "normal", "high", "urgent", "low"]),
                team_id=team_ids.get(lang),
                due_hours=48,
                root_cause=ROOT_CAUSES.get(topic),
                tags=[topic, lang],
                interaction_ids=[interaction_id],
                channel=channel,
                source="demo",
                dedupe_key=f"demo-case-{interaction_id}",
            )
            roll = rng.random()
            if roll < close_rate[lang]:
                do_update_case(session, case.id, {"status": "in_progress", "contacted": True})
                do_update_case(
                    session,
                    case.id,
                    {
                        "status": "resolved",
                        "resolution": "Customer contacted; refund or re-delivery arranged.",
                    },
                )
                if rng.random() < 0.5:
                    do_update_case(session, case.id, {"status": "closed"})
                elif rng.random() < 0.15:
                    do_update_case(session, case.id, {"status": "open"})  # reopened
            elif roll < close_rate[lang] + 0.15:
                do_update_case(
                    session, case.id, {"status": "in_progress", "contacted": rng.random() < 0.5}
                )
            cases += 1
    return {"conversations": conversations, "cases": cases}
