"""The event catalogue: every domain event Sada publishes, its payload and when it fires.

Domains publish these names with `sada.events.publish`; rules, survey triggers, text
analysis, read models and outbound webhooks subscribe to them. `docs/events.md` is
generated from this list (`python -m sada.events.catalogue > docs/events.md`) and a test
keeps the two equal.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Event:
    name: str
    when: str
    payload: dict[str, str] = field(default_factory=dict)


_CONVERSATION = {
    "(fields)": "the conversation as `GET /api/v1/conversations/{id}` returns it "
    "(id, person_id, channel, status, priority, assignee_id, team_id, tags, ...)",
}
_CASE = {
    "(fields)": "the case as `GET /api/v1/cases/{id}` returns it "
    "(id, person_id, status, priority, owner_id, due_at, conversation_id, ...)",
}
_SLA = {
    "subject": "conversation:<id> or case:<id>",
    "metric": "first_response | next_response | resolution",
    "due_at": "when the target is (was) due, ISO 8601",
    "conversation_id": "conversation id (or null)",
    "case_id": "case id (or null)",
    "assignee_id": "who holds it (or null)",
    "policy_id": "the SLA policy",
}

EVENTS: tuple[Event, ...] = (
    Event(
        "interaction.ingested",
        "new interactions were stored (API, Segment, imports, inbound mail, replies)",
        {"interaction_ids": "ids of the stored interactions (one batch)"},
    ),
    Event(
        "text.analyzed",
        "language, sentiment, aspects, topics and mentions were computed for interactions",
        {"interaction_ids": "ids of the analysed interactions"},
    ),
    Event(
        "response.received",
        "survey responses were stored (hosted pages, imports, webhooks, the responses API)",
        {
            "response_ids": "survey response ids",
            "interaction_ids": "the interactions that carry them on the timeline",
        },
    ),
    Event("conversation.created", "a conversation was opened (inbound message or agent)", _CONVERSATION),
    Event("conversation.changed", "status, priority, tags or snooze of a conversation changed", _CONVERSATION),
    Event("conversation.assigned", "a conversation was assigned or unassigned", _CONVERSATION),
    Event(
        "conversation.replied",
        "an agent's reply was sent (or handed to its channel) in a conversation",
        {"conversation": "the conversation (as above)", "interaction_id": "the reply", "channel": "its channel", "text": "the reply's text", "person": "the customer's identities"},
    ),
    Event("conversation.solved", "a conversation was marked solved", _CONVERSATION),
    Event("conversation.reopened", "a solved or closed conversation was reopened", _CONVERSATION),
    Event("case.created", "a case was opened (by a rule, an agent or the API)", _CASE),
    Event("case.changed", "a case's fields changed (status, priority, due time, tags...)", _CASE),
    Event("case.assigned", "a case's owner changed", _CASE),
    Event("case.resolved", "a case was resolved", _CASE),
    Event("case.closed", "a case was closed", _CASE),
    Event("case.reopened", "a resolved or closed case was reopened", _CASE),
    Event(
        "survey.followup_requested",
        "the follow-up survey after a case opened from a low score was resolved was requested "
        "(sent, or recorded as throttled / unreachable / unsubscribed with the reason)",
        {"case_id": "the case", "invitation_id": "the invitation row", "survey_id": "the survey", "person_id": "the customer", "status": "pending | throttled | unreachable | unsubscribed | inactive", "reason": "why it was not sent (or null)"},
    ),
    Event(
        "case.followup_received",
        "the follow-up survey sent after a case was resolved was answered: the case carries "
        "`followup_score`, `followup_scale` and `recovered` (out of the low band: NPS 7+, CSAT top-2-box)",
        _CASE,
    ),
    Event(
        "note.mentioned",
        "an internal note on a conversation or a case mentioned colleagues with @",
        {"note_id": "the note", "conversation_id": "its conversation (or null)", "case_id": "its case (or null)", "user_ids": "the colleagues mentioned", "author_id": "who wrote it (or null)", "author_label": "their name"},
    ),
    Event("sla.warning", "an SLA target is about to be missed", _SLA),
    Event("sla.breached", "an SLA target was missed", _SLA),
    Event(
        "person.merged",
        "two or more people were merged into one (identity resolution, alias, by hand)",
        {"merge_id": "the merge record (undo with it)", "survivor_id": "the person kept", "merged_ids": "people merged into it"},
    ),
    Event(
        "person.changed",
        "a person was identified or their profile (name, audience, traits) was set through the API",
        {"person_ids": "the people identified or changed"},
    ),
    Event(
        "segment.entered",
        "a person started to match a segment (its membership was refreshed or an event changed it)",
        {"segment": "the segment's key", "segment_id": "its id", "person_id": "the person"},
    ),
    Event(
        "segment.left",
        "a person stopped matching a segment",
        {"segment": "the segment's key", "segment_id": "its id", "person_id": "the person"},
    ),
    Event(
        "person.unmerged",
        "a merge was undone",
        {"merge_id": "the merge record", "survivor_id": "the person kept", "restored_ids": "people restored"},
    ),
    Event(
        "alert.raised",
        "a rule raised an alert (in-app and/or email notification, or a webhook action)",
        {"rule": "{id, name}", "trigger": "what fired the rule", "person": "the person (or null)", "interaction": "the interaction (or null)", "case": "the case (or null)", "topic": "the topic (or null)"},
    ),
    Event(
        "health.band_changed",
        "a person's health band changed when the workspace was rescored (first scores excluded)",
        {"person_id": "the person", "band": "healthy | watch | at_risk", "previous_band": "the band before", "score": "0-100", "risk": "chance of churn within the horizon", "factors": "[{name, direction, weight}]", "model": "transparent | trained"},
    ),
    Event(
        "kb.article_published",
        "a knowledge-base article's language version was published (or republished with changes)",
        {"key": "the article's stable key", "lang": "ar | fa | zh | en", "title": "its title", "category": "its category", "version_id": "the version"},
    ),
    Event(
        "assistant.handoff",
        "the assistant or a web chat handed a customer to a person (inbox conversation opened)",
        {"session_id": "the web chat session (or null for the API)", "conversation_id": "the inbox conversation", "reason": "low_confidence | human_requested | complaint | account_change | cancellation | offline", "intent": "the detected intent (or null)", "language": "the detected language"},
    ),
    Event(
        "listening.spike",
        "a brand's daily mention volume or negative share was unusual for the weekday (social listening)",
        {"spike_id": "the recorded spike", "brand_id": "the brand", "brand": "its name", "day": "the day (UTC), ISO 8601", "metric": "volume | negative", "value": "mentions, or the negative share", "expected": "the median of the same weekday in the weeks before", "score": "robust z-score (how unusual)", "ratio": "value / expected", "mentions": "mentions that day", "history_weeks": "weeks of history compared"},
    ),
    Event("webhook.test", "an admin sent a test ping to one endpoint", {"message": "a fixed text"}),
)  # fmt: skip

BY_NAME = {event.name: event for event in EVENTS}

# Names used before the catalogue existed; accepted in webhook subscriptions and mapped here.
ALIASES = {
    "case.updated": "case.changed",
    "conversation.updated": "conversation.changed",
    "conversation.reply": "conversation.replied",
    "alert.fired": "alert.raised",
    "interactions.ingested": "interaction.ingested",
    "feedback.response_received": "response.received",
}


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def known(name: str) -> bool:
    return canonical(name) in BY_NAME


def valid_pattern(pattern: str) -> bool:
    """A subscription: an event name, `<domain>.*` or `*`."""
    pattern = canonical(pattern)
    return any(fnmatchcase(event.name, pattern) for event in EVENTS)


def matches(pattern: str, name: str) -> bool:
    return fnmatchcase(name, canonical(pattern))


def render_markdown() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from `sada/events/catalogue.py` (`python -m sada.events.catalogue > docs/events.md`).",
        "",
        "Domains publish these events with `sada.events.publish(session, name, data, live=...)` in",
        "the transaction of the change; each subscriber is an ordinary job, recorded in that same",
        "transaction. Events about history (imports, interactions older than `SADA_LIVE_WINDOW_DAYS`",
        "at arrival) carry `live: false`: analysis and read models follow them, live actions (rules,",
        "survey triggers, cases, emails, webhooks) do not. Outbound webhooks can subscribe to any",
        "name below, to `<domain>.*`, or to `*`.",
        "",
    ]
    for event in EVENTS:
        lines += [f"## `{event.name}`", "", event.when + ".", ""]
        if event.payload:
            lines += ["| field | meaning |", "| --- | --- |"]
            lines += [f"| `{key}` | {meaning} |" for key, meaning in event.payload.items()]
            lines.append("")
    lines += ["## Former names", "", "Accepted in webhook subscriptions and mapped:", ""]
    lines += [f"- `{old}` → `{new}`" for old, new in ALIASES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render_markdown())
