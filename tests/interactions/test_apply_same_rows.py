"""The applier stores from validated forms exactly what it stores from raw items.

The same mixed batches are applied in two workspaces of one database: through the inbox as
accepted today (validated forms only) and as the inbox stored batches before (raw items,
validated again, as main's applier did up to the forms). Every stored row must
match: interactions, people, identities, who-spoke rows, interaction and topic rollups, and
each batch's per-item results, with row ids and person references compared by what they
point at (identities, source and external id). The batches hold new and known people, stored
and in-batch duplicates, rejected items (at accept and at apply: an unknown audience, an
erased person), a merge of two known people, anonymous items, an agent and a touchpoint.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import select

from sada.core.privacy import identity_digest
from sada.interactions.inbox import accept, apply_pending, batch_status
from sada.interactions.models import (
    IngestBatch,
    Interaction,
    InteractionRollup,
    SpokeDays,
    SpokeMonths,
    TopicRollup,
    Touchpoint,
)
from sada.interactions.service import IngestLimits
from sada.people.models import Identity, Person, SuppressedIdentity
from sada.settings import get_settings


def _item(i: int, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source": "same",
        "external_id": f"s{i}",
        "occurred_at": f"2026-0{1 + i % 9}-{1 + i % 27:02d}T{i % 24:02d}:15:00+03:30",
        "channel": ("email", "chat", "voice", "sms")[i % 4],
        "type": "message",
        "direction": "inbound",
        "text": f"the courier was late again #{i}" if i % 3 else None,
        "language": ("en", "fa", "ar")[i % 3],
        "person": {
            "email": f"p{i % 40}@example.com",
            "name": f"Person {i % 40}",
            "traits": {"segment": ("vip", "new")[i % 2], "language": "fa"},
        },
    }
    if i % 7 == 0:
        base["person"]["phone"] = f"+98912{i % 40:07d}"
    if i % 5 == 0:
        base["attributes"] = {"order": f"O-{i}", "n": [i, 1.5]}
    base.update(over)
    return base


def _batches(agent: str) -> list[list[dict[str, Any]]]:
    first = [_item(i) for i in range(0, 60)]
    second = [_item(i) for i in range(50, 120)]  # 50-59 stored duplicates; people known
    second += [
        _item(120, external_id="s121"),  # an in-batch duplicate of the next item
        _item(121),
        _item(122, channel="carrier-pigeon"),  # rejected at accept
        _item(123, person={"email": "aud@example.com", "audience": "martians"}),  # at apply
        _item(124, person={"email": "erased@example.com"}),  # an erased person
        _item(125, person=None, anonymous_id="anon-125", touchpoint="Checkout"),
        _item(126, agent=agent, direction="outbound", origin="agent", subject="Re: order"),
        _item(127, agent=agent, direction="outbound"),
        _item(128, person={"email": "p1@example.com", "phone": "+989120000002"}),  # a merge
        _item(129, origin="import", backfill=True),
        _item(130, rating=9, rating_scale="nps", person={"external_ids": {"crm": 7}}),
    ]
    third = [_item(i) for i in range(131, 200)] + [_item(5, text="again")]
    return [first, second, third]


def _apply(db: Any, workspace_id: int, agent: str, *, reference: bool) -> list[int]:
    """Accept and apply the batches; `reference`: as raw items (validated again)."""
    ids = []
    for items in _batches(agent):
        with db.transaction(workspace_id) as session:
            batch_id, _results = accept(session, items, limits=IngestLimits())
            assert batch_id is not None
            if reference:
                batch = session.get(IngestBatch, batch_id)
                assert batch is not None
                data = orjson.loads(batch.payload)
                checked = data.pop("checked")
                accepted = [it for it in items if it.get("channel") != "carrier-pigeon"]
                assert len(accepted) == len(checked)
                data["items"] = accepted
                batch.payload = orjson.dumps(data).decode()
            ids.append(batch_id)
        assert apply_pending(db, workspace_id, IngestLimits()) == 1
    return ids


def _snapshot(db: Any, workspace_id: int, batch_ids: list[int]) -> dict[str, Any]:
    """Every stored row of the workspace, ids replaced by what they stand for."""
    with db.reader(workspace_id) as s:
        who: dict[int, Any] = {}
        for pid, kind, namespace, value in s.execute(
            select(Identity.person_id, Identity.kind, Identity.namespace, Identity.value)
        ):
            who.setdefault(pid, set()).add((kind, namespace, value))
        person = {pid: tuple(sorted(keys)) for pid, keys in who.items()}
        people = s.execute(select(Person)).scalars().all()
        for p in people:  # merged-away people hold no identities
            person.setdefault(p.id, ("merged", p.name, person.get(p.merged_into_id or -1)))
        interactions = s.execute(select(Interaction)).scalars().all()
        key_of = {r.id: (r.source, r.external_id) for r in interactions}
        skip = {"id", "workspace_id", "received_at", "created_at", "updated_at"}

        def row(obj: Any, refs: dict[str, dict[int, Any]]) -> tuple[Any, ...]:
            out = []
            for column in obj.__table__.columns:
                if column.name in skip:
                    continue
                value = getattr(obj, column.name)
                if column.name in refs and value is not None:
                    value = refs[column.name].get(value, value)
                out.append((column.name, orjson.dumps(value, option=orjson.OPT_SORT_KEYS)))
            return tuple(out)

        touchpoints = dict(s.execute(select(Touchpoint.id, Touchpoint.key)).all())
        refs = {"person_id": person, "merged_into_id": person, "touchpoint_id": touchpoints}
        snap: dict[str, Any] = {
            "interactions": sorted(row(r, refs) for r in interactions),
            "people": sorted(row(p, refs) + (("me", person[p.id]),) for p in people),
            "identities": sorted(row(r, refs) for r in s.execute(select(Identity)).scalars()),
        }
        for name, model in (
            ("who_spoke_months", SpokeMonths),
            ("who_spoke_days", SpokeDays),
            ("interaction_rollups", InteractionRollup),
            ("topic_rollups", TopicRollup),
        ):
            snap[name] = sorted(row(r, refs) for r in s.execute(select(model)).scalars())
        statuses = []
        for batch_id in batch_ids:
            status = batch_status(s, batch_id)
            for result in status["results"]:
                if "id" in result:
                    result["id"] = key_of[result["id"]]
                if "person_id" in result:
                    result["person_id"] = person[result["person_id"]]
            statuses.append((status["status"], status["counts"], status["results"]))
        snap["batches"] = statuses
    return snap


def test_forms_store_what_the_raw_items_store(db, make_workspace):  # type: ignore[no-untyped-def]
    from sada.tenants.models import User
    from sada.tenants.service import do_add_member, do_create_user

    snapshots = []
    agent = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    user_id = None
    for reference in (False, True):
        workspace = make_workspace(db)
        with db.transaction(workspace.id) as session:
            if user_id is None:
                user = do_create_user(session, agent, "a long enough password", name="Agent")
                user_id = user.id
            else:
                user = session.get(User, user_id)
            do_add_member(session, user, "agent")
            digest = identity_digest(
                get_settings().secret_key, workspace.id, "email", "", "erased@example.com"
            )
            session.add(SuppressedIdentity(workspace_id=workspace.id, digest=digest))
        batch_ids = _apply(db, workspace.id, agent, reference=reference)
        snapshots.append(_snapshot(db, workspace.id, batch_ids))
    ours, theirs = snapshots
    for name in ours:
        diff = [(a, b) for a, b in zip(ours[name], theirs[name], strict=False) if a != b]
        assert ours[name] == theirs[name], (name, diff[:2])
    # The scenario covers what it says.
    statuses = [r["status"] for _s, _c, results in ours["batches"] for r in results]
    assert {"applied", "duplicate", "rejected"} <= set(statuses)
    assert any(r[-1][1][0] == "merged" for r in ours["people"])
    assert len(ours["interactions"]) > 150 and ours["who_spoke_days"]
