"""Proactive alerts shipped with every workspace (editable; disable rather than delete)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.automation.models import Rule
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow

DAY = 24 * 60

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "detractor_follow_up": {
        "name": "Detractor follow-up",
        "description": "An NPS detractor or a low CSAT (the low band of the metric catalogue: "
        "0-6 of 10, 1-2 of 5 or 7) gets a follow-up case due within 48 hours, owned by the "
        "account owner or the team for their language.",
        "triggers": ["interaction.ingested", "response.received"],
        "conditions": [
            {"field": "interaction.rating_scale", "op": "in", "value": ["nps", "csat5", "csat7"]},
            {"field": "interaction.band", "op": "eq", "value": "low"},
        ],
        "actions": [
            {
                "type": "create_case",
                "title": "Follow up with {person.name}: rated {interaction.rating} ({interaction.rating_scale})",
                "title_key": "rating_follow_up",
                "title_params": {
                    "name": "{person.name}",
                    "rating": "{interaction.rating}",
                    "scale": "{interaction.rating_scale}",
                },
                "description": "{interaction.text}",
                "due_hours": 48,
                "priority": "high",
                "assign": ["account_owner", "language_team"],
                "tags": ["detractor"],
            },
            {
                "type": "notify",
                "to": "case_owner",
                "fallback": "role:manager",
                "channels": ["in_app", "email"],
                "subject": "New follow-up case: {person.name} rated {interaction.rating}",
                "body": "{person.name} answered {interaction.rating} ({interaction.rating_scale}):"
                "\n\n{interaction.text}\n\nCase {case.id} is due within 48 hours.",
            },
        ],
        "cooldown_minutes": 0,
    },
    "repeat_complainer": {
        "name": "Repeat complainer",
        "description": "3 or more complaints in 30 days: alert the customer-success manager "
        "who owns the account.",
        "triggers": ["interaction.ingested"],
        "conditions": [
            {"type": "field", "field": "interaction.type", "op": "eq", "value": "complaint"},
            {"type": "count", "where": {"type": "complaint"}, "days": 30, "op": "gte", "value": 3},
        ],
        "actions": [
            {
                "type": "notify",
                "to": "account_owner",
                "fallback": "role:manager",
                "channels": ["in_app", "email"],
                "subject": "Repeat complaints from {person.name}",
                "body": "{person.name} has complained 3 or more times in 30 days. "
                "Latest: {interaction.text}",
            },
            {"type": "webhook", "event": "alert.fired"},
        ],
        "cooldown_minutes": 30 * DAY,
    },
    "high_value_silent": {
        "name": "High-value customer gone silent",
        "description": "No interaction for 90 days and lifetime value above 10,000.",
        "triggers": ["schedule"],
        "schedule_minutes": DAY,
        "conditions": [
            {"type": "silence", "days": 90},
            {"type": "field", "field": "person.traits.lifetime_value", "op": "gt", "value": 10000},
        ],
        "actions": [
            {
                "type": "notify",
                "to": "account_owner",
                "fallback": "role:manager",
                "channels": ["in_app", "email"],
                "subject": "{person.name} has gone silent",
                "body": "No interaction from {person.name} for 90 days "
                "(lifetime value {person.traits.lifetime_value}).",
            }
        ],
        "cooldown_minutes": 90 * DAY,
    },
    "negative_topic_rise": {
        "name": "Sudden rise of a negative topic",
        "description": "A topic in negative feedback this week at twice its usual rate or more.",
        "triggers": ["schedule"],
        "schedule_minutes": DAY,
        "conditions": [
            {"type": "topic_rise", "days": 7, "baseline_days": 28, "factor": 2, "min_count": 5}
        ],
        "actions": [
            {
                "type": "notify",
                "to": ["role:manager", "role:admin", "role:owner"],
                "channels": ["in_app", "email"],
                "subject": "Negative topic rising: {topic.name}",
                "body": "{topic.name}: {topic.recent} negative mentions in 7 days "
                "(usually {topic.expected}).",
            },
            {"type": "webhook", "event": "alert.fired"},
        ],
        "cooldown_minutes": 7 * DAY,
    },
}


def ensure_default_rules(session: Session) -> int:
    """Add the shipped alerts that this workspace does not have yet; return how many."""
    have = set(session.execute(select(Rule.builtin).where(Rule.builtin.is_not(None))).scalars())
    added = 0
    for key, spec in DEFAULT_RULES.items():
        if key in have:
            continue
        with session.begin_nested():
            session.add(
                Rule(
                    workspace_id=bound_workspace(session),
                    builtin=key,
                    enabled=True,
                    updated_at=utcnow(),
                    **spec,
                )
            )
        added += 1
    return added
