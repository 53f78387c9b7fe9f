"""Everything held about one person, found: `collect` walks the tables from the person outwards
along the links in `LINKS` (person -> identities, interactions, cases...; interaction ->
analyses, responses...; case -> notes...) until nothing new turns up, and gathers the
person's "needles": identifiers, name and texts. Export (`sada.privacy.export`) writes what it
finds; erasure (`sada.privacy.erase`) deletes it.

`tests/privacy/test_coverage.py` fails when a table with a `person_id` column (or a link
to people or interactions) is not covered here, so a new table is not forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from sada.core.errors import NotFound
from sada.db.dialect import chunks
from sada.db.registry import metadata
from sada.db.scoping import bound_workspace
from sada.people import merges
from sada.people.models import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    """Rows of `table` whose `column` holds a value of `source_column` of rows in `source`."""

    table: str
    column: str
    source: str
    source_column: str = "id"


# The person's rows, reached from `people`. Order does not matter (collected to a fixpoint).
LINKS: tuple[Link, ...] = (
    Link("people", "merged_into_id", "people"),  # profiles merged into the person
    Link("identities", "person_id", "people"),
    Link("person_merges", "survivor_id", "people"),
    Link("person_merges", "merged_id", "people"),
    Link("consents", "person_id", "people"),
    Link("health_scores", "person_id", "people"),
    Link("account_members", "person_id", "people"),
    Link("interactions", "person_id", "people"),
    Link("who_spoke_months", "person_id", "people"),  # the overview's who-spoke masks
    Link("who_spoke_days", "person_id", "people"),
    Link("interactions", "id", "conversation_items", "interaction_id"),
    Link("interactions", "anonymous_id", "identities", "value"),  # visits before they said who
    Link("text_analyses", "interaction_id", "interactions"),
    Link("attachments", "interaction_id", "interactions"),  # listed in exports (not the bytes)
    Link("text_corrections", "interaction_id", "interactions"),
    Link("conversations", "person_id", "people"),
    Link("conversation_items", "conversation_id", "conversations"),
    Link("conversation_items", "interaction_id", "interactions"),
    Link("cases", "person_id", "people"),
    Link("cases", "conversation_id", "conversations"),
    Link("case_links", "case_id", "cases"),
    Link("case_links", "interaction_id", "interactions"),
    Link("case_events", "case_id", "cases"),
    Link("case_events", "conversation_id", "conversations"),
    Link("internal_notes", "case_id", "cases"),
    Link("internal_notes", "conversation_id", "conversations"),
    Link("note_mentions", "conversation_id", "conversations"),
    Link("note_mentions", "case_id", "cases"),
    Link("note_mentions", "note_id", "internal_notes"),
    Link("sla_events", "case_id", "cases"),
    Link("sla_events", "conversation_id", "conversations"),
    Link("survey_invitations", "person_id", "people"),
    Link("survey_invitations", "email", "identities", "value"),
    Link("survey_responses", "person_id", "people"),
    Link("survey_responses", "interaction_id", "interactions"),
    Link("survey_responses", "invitation_id", "survey_invitations"),
    Link("survey_answers", "response_id", "survey_responses"),
    Link("survey_suppressions", "email", "identities", "value"),
    Link("rule_firings", "person_id", "people"),
    Link("rule_firings", "interaction_id", "interactions"),
    Link("rule_firings", "case_id", "cases"),
    Link("notifications", "person_id", "people"),
    Link("customer_notifications", "person_id", "people"),  # rule messages sent to them
    Link("segment_members", "person_id", "people"),
    Link("chat_sessions", "person_id", "people"),
    Link("chat_sessions", "conversation_id", "conversations"),
    Link("chat_sessions", "email", "identities", "value"),
    Link("chat_messages", "session_id", "chat_sessions"),
    Link("chat_messages", "interaction_id", "interactions"),
    Link("kb_queries", "session_id", "chat_sessions"),
    Link("listening_mentions", "interaction_id", "interactions"),
    Link("listening_mentions", "person_id", "people"),
)

# Deletion order: rows that point at others first (foreign keys hold on PostgreSQL).
ERASE_ORDER: tuple[str, ...] = (
    "kb_queries",
    "chat_messages",
    "chat_sessions",
    "survey_answers",
    "survey_responses",
    "survey_invitations",
    "survey_suppressions",
    "rule_firings",
    "notifications",
    "customer_notifications",
    "segment_members",
    "case_links",
    "case_events",
    "note_mentions",
    "internal_notes",
    "sla_events",
    "conversation_items",
    "cases",
    "conversations",
    "text_analyses",
    "text_corrections",
    "attachments",
    "listening_mentions",
    "who_spoke_months",
    "who_spoke_days",
    "consents",
    "health_scores",
    "account_members",
    "interactions",
    "person_merges",
    "identities",
    "people",
)

# Tables that hold personal data only through ids or texts, handled by their own step;
# with the linked tables above, these are every table the coverage test may name.
SCRUBBED = {
    "jobs": "payloads naming the person, their rows or their words are deleted; batches lose the ids",
    "webhook_deliveries": "deliveries naming the person are deleted with their attempts",
    "webhook_attempts": "deleted with their delivery",
    "text_embeddings": "vectors of the person's texts (by text hash) are deleted",
    "text_themes": "the person's interactions and example texts are taken out",
    "audit_events": "entries about the person keep the action and time, nothing else",
    "privacy_requests": "files of earlier exports are deleted; the person id is cleared",
    "suppressed_identities": "keyed digests only (HMAC), added by erasure",
    "metric_rollups": "counts without identities, lowered by the erased responses",
    "attachment_blobs": "a file's bytes go with the person's last attachment that uses them",
    "journey_person_changes": (
        "ids only (which people a journey-data version touched); erasing the person's rows adds"
        " one more, so pages kept per process drop their share; pruned after 20,000 versions"
    ),
    "journey_pending": "ids only, inside one transaction: moved to journey_person_changes at commit",
}

# Columns whose values are texts or identifiers of the person (the "needles").
_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("name",),
    "identities": ("value",),
    "interactions": ("subject", "text"),
    "listening_mentions": ("author", "clause"),
    "conversations": ("subject",),
    "cases": ("title", "description", "resolution"),
    "internal_notes": ("body",),
    "survey_answers": ("text",),
    "survey_invitations": ("email",),
    "chat_sessions": ("email", "phone", "user_id"),
    "chat_messages": ("text",),
    "kb_queries": ("text",),
    "notifications": ("body",),
}
# Identifiers and names are searched for from 4 characters; texts from 12 (a shorter text,
# "thanks!", would match other people's rows too).
_MIN_IDENTIFIER = 4
_MIN_TEXT = 12
_IDENTIFIER_TABLES = {"people", "identities", "survey_invitations", "chat_sessions"}
_ID_KEYS = {
    "person_id": "people",
    "survivor_id": "people",
    "merged_id": "people",
    "interaction_id": "interactions",
    "case_id": "cases",
    "response_id": "survey_responses",
    "invitation_id": "survey_invitations",
}
_ID_LIST_KEYS = {"person_ids": "people", "interaction_ids": "interactions", "case_ids": "cases"}


@dataclass
class Holdings:
    """What the workspace holds about one person: row ids per table, and needles."""

    person_id: int
    ids: dict[str, set[int]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    needles: set[str] = field(default_factory=set)
    # Names alone are weak evidence ("Sara" is many people): they never delete other work
    # (jobs, webhook deliveries), only anonymise records that quote them.
    names: set[str] = field(default_factory=set)

    def of(self, table: str) -> set[int]:
        return self.ids.get(table, set())


def table(name: str) -> Table:
    return metadata.tables[name]


def linked_tables() -> set[str]:
    return {link.table for link in LINKS}


def rows_where(session: Session, t: Table, column: str, values: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    ws = bound_workspace(session)
    for part in chunks(sorted(values, key=str), 400):
        found.extend(
            session.execute(
                select(t).where(t.c.workspace_id == ws, t.c[column].in_(part))
            ).mappings()
        )
    return found


def collect(session: Session, person_id: int) -> Holdings:
    """Every row about the (live) person and the rows merged into them, to a fixpoint."""
    person_id = merges.live_person_id(session, person_id)
    if session.get(Person, person_id) is None:
        raise NotFound(f"no person {person_id}")
    held = Holdings(person_id=person_id)
    rows: dict[str, dict[int, dict[str, Any]]] = {"people": {}}
    for row in rows_where(session, table("people"), "id", [person_id]):
        rows["people"][row["id"]] = dict(row)
    done: set[tuple[Link, Any]] = set()
    changed = True
    while changed:
        changed = False
        for link in LINKS:
            if link.source not in rows or link.table not in metadata.tables:  # domain not installed
                continue
            values = {
                r[link.source_column]
                for r in rows[link.source].values()
                if r.get(link.source_column) is not None
            }
            values = {v for v in values if (link, v) not in done}
            if not values:
                continue
            done.update((link, v) for v in values)
            target = rows.setdefault(link.table, {})
            for row in rows_where(session, table(link.table), link.column, values):
                if row["id"] not in target:
                    target[row["id"]] = dict(row)
                    changed = True
    for name, by_id in rows.items():
        held.ids[name] = set(by_id)
        held.rows[name] = [by_id[i] for i in sorted(by_id)]
    for name, columns in _TEXT_COLUMNS.items():
        shortest = _MIN_IDENTIFIER if name in _IDENTIFIER_TABLES else _MIN_TEXT
        for row in held.rows.get(name, []):
            for column in columns:
                value = row.get(column)
                if isinstance(value, str) and len(value.strip()) >= shortest:
                    found = held.names if name == "people" else held.needles
                    found.add(value.strip())
    for row in held.rows.get("identities", []):
        if row.get("value_search") and len(str(row["value_search"])) >= _MIN_IDENTIFIER:
            held.needles.add(str(row["value_search"]))
    return held


# ---------------------------------------------------------------- references in JSON


def references(value: Any, held: Holdings, *, names: bool = False) -> bool:
    """Whether a JSON value names the person, one of their rows, or holds their words."""
    if isinstance(value, dict):
        for key, item in value.items():
            target = _ID_KEYS.get(str(key))
            is_id = target and isinstance(item, int | str) and str(item).isdigit()
            if is_id and int(item) in held.of(str(target)):
                return True
            if references(item, held, names=names):
                return True
        return False
    if isinstance(value, list):
        return any(references(item, held, names=names) for item in value)
    if isinstance(value, str):
        return any(needle in value for needle in held.needles) or (
            names and any(name in value for name in held.names)
        )
    return False


def without_ids(value: Any, held: Holdings) -> Any:
    """Id lists (`interaction_ids`...) with the person's ids taken out."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            target = _ID_LIST_KEYS.get(str(key))
            if target and isinstance(item, list):
                out[key] = [i for i in item if not (isinstance(i, int) and i in held.of(target))]
            else:
                out[key] = without_ids(item, held)
        return out
    if isinstance(value, list):
        return [without_ids(item, held) for item in value]
    return value
