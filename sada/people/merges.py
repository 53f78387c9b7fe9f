"""Merging two profiles into one, and undoing it.

A merge moves the merged person's identities, interactions and the other domains' rows
about them (the manifest's `person_rows` and `person_tables`) to the survivor and records
exactly what moved (`PersonMerge`), so `do_unmerge` can put everything
back. Merges are audited. Profiles merged away keep answering through
`live_person_id`, which follows the chain to the profile that holds the data now.
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.db.person_rows import move_person_column, restore_person_column
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.domains import person_row_modules, person_table_models
from sada.events import publish
from sada.people.models import Identity, Person, PersonMerge
from sada.people.service import _str_or_none, access_person
from sada.tenants.service import Actor, record_audit


def do_merge(
    session: Session, survivor_id: int, merged_id: int, *, reason: str, actor: Actor | None = None
) -> PersonMerge:
    if survivor_id == merged_id:
        raise Invalid("cannot merge a person into itself")
    survivor = access_person(session, survivor_id)
    merged = access_person(session, merged_id)
    identity_ids = list(
        session.execute(select(Identity.id).where(Identity.person_id == merged.id)).scalars()
    )
    session.execute(
        update(Identity).where(Identity.id.in_(identity_ids)).values(person_id=survivor.id)
    )
    moved = {
        domain: _rows_module(module).move_person_rows(session, merged.id, survivor.id)
        for domain, module in person_row_modules()
    }
    interaction_ids = moved.pop("interactions", [])
    moved_tables = move_person_column(session, _person_tables(), merged.id, survivor.id)
    copied = [k for k in (merged.traits or {}) if k not in (survivor.traits or {})]
    snapshot = {
        "name": merged.name,
        "audience": merged.audience,
        "traits": merged.traits,
        "survivor_traits": survivor.traits,
        "survivor_name": survivor.name,
        "copied_trait_keys": copied,
        "moved_rows": moved,  # other domains' rows (interactions have their own column)
        "moved_tables": moved_tables,  # {table: ids} of the manifest's person_tables
    }
    if copied:
        survivor.traits = {**(survivor.traits or {}), **{k: merged.traits[k] for k in copied}}
        survivor.language = survivor.language or merged.language
        survivor.segment = survivor.segment or merged.segment
    if not survivor.name and merged.name:
        survivor.name, survivor.name_search = merged.name, merged.name_search
    survivor.updated_at = utcnow()
    merged.merged_into_id = survivor.id
    merged.updated_at = utcnow()
    record = PersonMerge(
        workspace_id=bound_workspace(session),
        survivor_id=survivor.id,
        merged_id=merged.id,
        reason=reason,
        moved_identity_ids=identity_ids,
        moved_interaction_ids=interaction_ids,
        merged_snapshot=snapshot,
    )
    session.add(record)
    session.flush()
    record_audit(
        session,
        actor,
        "person.merge",
        "person",
        survivor.id,
        {
            "merged_id": merged.id,
            "merge_id": record.id,
            "reason": reason,
            "identities": len(identity_ids),
            "interactions": len(interaction_ids),
        },
    )
    publish(
        session,
        "person.merged",
        {"merge_id": record.id, "survivor_id": survivor.id, "merged_ids": [merged.id]},
    )
    return record


def do_unmerge(session: Session, merge_id: int, *, actor: Actor | None = None) -> PersonMerge:
    record = session.execute(
        select(PersonMerge).where(PersonMerge.id == merge_id)
    ).scalar_one_or_none()
    if record is None:
        raise NotFound(f"no merge {merge_id}")
    if record.undone_at is not None:
        raise Invalid(f"merge {merge_id} was already undone")
    merged = session.get(Person, record.merged_id)
    survivor = session.get(Person, record.survivor_id)
    if merged is None or survivor is None:
        raise NotFound("a person of this merge no longer exists")
    # The survivor may itself have been merged later; rows may now sit further down the chain.
    holders = _merge_chain(session, survivor.id)
    session.execute(
        update(Identity)
        .where(Identity.id.in_(record.moved_identity_ids), Identity.person_id.in_(holders))
        .values(person_id=merged.id)
    )
    snapshot = record.merged_snapshot or {}
    moved = {"interactions": record.moved_interaction_ids, **snapshot.get("moved_rows", {})}
    for domain, module in person_row_modules():
        _rows_module(module).restore_person_rows(session, moved.get(domain, []), holders, merged.id)
    restore_person_column(
        session, _person_tables(), snapshot.get("moved_tables", {}), holders, merged.id
    )
    for key in snapshot.get("copied_trait_keys", []):
        if survivor.traits and key in survivor.traits:
            survivor.traits = {k: v for k, v in survivor.traits.items() if k != key}
    survivor.language = _str_or_none((survivor.traits or {}).get("language"))
    survivor.segment = _str_or_none((survivor.traits or {}).get("segment"))
    if snapshot.get("survivor_name") is None and survivor.name == merged.name:
        survivor.name = None
        survivor.name_search = None
    merged.merged_into_id = None
    merged.updated_at = survivor.updated_at = utcnow()
    record.undone_at = utcnow()
    record_audit(
        session,
        actor,
        "person.unmerge",
        "person",
        merged.id,
        {"merge_id": record.id, "survivor_id": survivor.id},
    )
    session.flush()
    publish(
        session,
        "person.unmerged",
        {"merge_id": record.id, "survivor_id": survivor.id, "restored_ids": [merged.id]},
    )
    return record


def _rows_module(name: str) -> Any:
    return importlib.import_module(name)


def _person_tables() -> list[Any]:
    """The mapped classes of the manifest's `person_tables` ("module:Model")."""
    out = []
    for ref in person_table_models():
        module, name = ref.split(":", 1)
        out.append(getattr(importlib.import_module(module), name))
    return out


def _merge_chain(session: Session, person_id: int) -> list[int]:
    chain = [person_id]
    current = session.get(Person, person_id)
    while current is not None and current.merged_into_id is not None and len(chain) < 50:
        chain.append(current.merged_into_id)
        current = session.get(Person, current.merged_into_id)
    return chain


def list_merges(session: Session, person_id: int) -> list[PersonMerge]:
    return list(
        session.execute(
            select(PersonMerge)
            .where(or_(PersonMerge.survivor_id == person_id, PersonMerge.merged_id == person_id))
            .order_by(PersonMerge.id.desc())
        ).scalars()
    )


def live_person_id(session: Session, person_id: int) -> int:
    """Follow merges to the profile that now holds this person's data."""
    return _merge_chain(session, person_id)[-1]
