"""Accept fast, apply durably: 202 with per-item validation, the applier, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from sada.db.types import utcnow
from sada.interactions.inbox import APPLY_JOB, apply_pending
from sada.interactions.models import IngestBatch, Interaction
from sada.interactions.service import IngestLimits
from sada.jobs.models import Job
from sada.jobs.service import run_pending

URL = "/api/v1/interactions:batch"


def item(i: int, **over):  # type: ignore[no-untyped-def]
    base = {
        "source": "shop",
        "external_id": f"e{i}",
        "occurred_at": "2026-05-01T10:00:00Z",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": "The courier was late again",
        "person": {"email": f"user{i}@example.com"},
    }
    base.update(over)
    return base


def count(db, workspace) -> int:  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        return s.execute(select(func.count()).select_from(Interaction)).scalar_one()


def test_accept_then_apply_reports_per_item(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    items = [item(0), item(1, channel="carrier-pigeon"), item(2), item(0, text="again")]
    r = client.post(URL, json={"items": items}, headers=api_headers)
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (3, 1)
    assert [x["status"] for x in body["results"]] == [
        "accepted",
        "rejected",
        "accepted",
        "accepted",
    ]
    assert body["results"][1]["errors"][0]["path"] == "items[1].channel"
    batch_id = body["batch_id"]
    assert count(db, workspace) == 0

    pending = client.get(f"/api/v1/batches/{batch_id}", headers=api_headers).json()
    assert pending["status"] == "pending" and pending["counts"] == {"accepted": 3, "rejected": 1}

    run_pending(db, kinds=[APPLY_JOB])
    assert count(db, workspace) == 2
    done = client.get(f"/api/v1/batches/{batch_id}", headers=api_headers).json()
    assert done["status"] == "applied"
    statuses = [x["status"] for x in done["results"]]
    assert statuses == ["applied", "rejected", "applied", "duplicate"]
    assert done["results"][0]["id"] and done["results"][0]["person_id"]

    # A replay of the whole batch: everything is a duplicate, nothing is stored twice.
    again = client.post(URL, json={"items": items}, headers=api_headers).json()
    run_pending(db, kinds=[APPLY_JOB])
    replay = client.get(f"/api/v1/batches/{again['batch_id']}", headers=api_headers).json()
    assert [x["status"] for x in replay["results"]] == [
        "duplicate",
        "rejected",
        "duplicate",
        "duplicate",
    ]
    assert count(db, workspace) == 2


def test_all_rejected_is_422_and_other_workspaces_batches_are_hidden(  # type: ignore[no-untyped-def]
    client, api_headers, db, make_workspace, make_key
):
    r = client.post(URL, json={"items": [item(0, channel="nope")]}, headers=api_headers)
    assert r.status_code == 422 and r.json()["batch_id"] is None
    r = client.post(URL, json={"items": [item(0)]}, headers=api_headers)
    batch_id = r.json()["batch_id"]
    other = make_workspace(db)
    headers = {"Authorization": f"Bearer {make_key(db, other.id, 'read', 'write')}"}
    assert client.get(f"/api/v1/batches/{batch_id}", headers=headers).status_code == 404


def test_crash_between_accept_and_apply_loses_nothing_and_doubles_nothing(  # type: ignore[no-untyped-def]
    client, api_headers, db, workspace
):
    items = [item(i) for i in range(20)]
    batch_id = client.post(URL, json={"items": items}, headers=api_headers).json()["batch_id"]

    # An applier dies in the middle of its transaction: the database rolls it all back.
    class Killed(Exception):
        pass

    with pytest.raises(Killed), db.transaction(workspace.id) as session:
        from sada.interactions.inbox import apply_batch

        batch = session.get(IngestBatch, batch_id)
        assert batch is not None
        apply_batch(session, batch, limits=IngestLimits())
        session.flush()
        raise Killed
    assert count(db, workspace) == 0

    # A worker took the job and was killed -9: its lease expires and another one runs it.
    with db.transaction() as session:
        session.execute(
            update(Job)
            .where(Job.kind == APPLY_JOB, Job.workspace_id == workspace.id)
            .values(status="running", locked_until=utcnow() - timedelta(seconds=1))
        )
    run_pending(db, kinds=[APPLY_JOB])
    with db.reader() as session:
        statuses = session.execute(
            select(Job.status).where(Job.kind == APPLY_JOB, Job.workspace_id == workspace.id)
        ).scalars()
        assert set(statuses) == {"done"}
    assert count(db, workspace) == 20
    # Running the applier again (a duplicate job, a second worker) changes nothing.
    assert apply_pending(db, workspace.id, IngestLimits()) == 0
    with db.transaction(workspace.id) as session:
        session.execute(
            update(IngestBatch).where(IngestBatch.id == batch_id).values(status="pending")
        )
    apply_pending(db, workspace.id, IngestLimits())
    assert count(db, workspace) == 20


def test_wait_keeps_the_synchronous_answer(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    r = client.post(URL, json={"items": [item(0)]}, headers={**api_headers, "Prefer": "wait"})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "stored"
    assert r.json()["results"][0]["id"]
    assert count(db, workspace) == 1


def test_batches_applied_together_answer_as_if_applied_one_by_one(  # type: ignore[no-untyped-def]
    client, api_headers, db, workspace
):
    """Pending batches go through one ingest call where they can (same actor, no identify,
    no key in common); each batch still gets its own per-item answer, with paths counted
    from its own items, and its own arrival time."""
    first = [item(0), item(1), item(1, text="twice in one batch")]
    second = [item(2), item(3, channel="nope"), item(4), item(4, text="again")]
    third = [item(0, text="a replay of the first batch's item"), item(5)]
    ids = [
        client.post(URL, json={"items": b}, headers=api_headers).json()["batch_id"]
        for b in (first, second, third)
    ]
    with db.reader(workspace.id) as session:
        created = {
            b.id: b.created_at
            for b in session.execute(select(IngestBatch).where(IngestBatch.id.in_(ids))).scalars()
        }
    run_pending(db, kinds=[APPLY_JOB])
    done = [client.get(f"/api/v1/batches/{i}", headers=api_headers).json() for i in ids]
    assert [[r["status"] for r in d["results"]] for d in done] == [
        ["applied", "applied", "duplicate"],
        ["applied", "rejected", "applied", "duplicate"],
        ["duplicate", "applied"],
    ]
    # Counted among each batch's accepted items, as one batch applied alone reports them.
    for dup in (done[0]["results"][2], done[1]["results"][3]):
        assert dup["errors"][0]["path"] == "items[2].external_id", dup
        assert "as items[1]" in dup["errors"][0]["message"], dup
    # Across batches the replay names the stored interaction, as a later apply would.
    assert done[2]["results"][0]["id"] == done[0]["results"][0]["id"]
    assert count(db, workspace) == 5
    with db.reader(workspace.id) as session:
        received = dict(
            session.execute(select(Interaction.external_id, Interaction.received_at)).all()
        )
    assert received["e2"] == created[ids[1]] and received["e5"] == created[ids[2]]


def test_applier_stores_the_validated_form_as_the_raw_items_would_be(  # type: ignore[no-untyped-def]
    client, api_headers, db, workspace
):
    """The inbox keeps each accepted item's validated form (`checked_form`): the applier builds
    its items from it, without validating or normalizing identities again, and stores what
    validating the raw items gives (a batch accepted before the forms existed)."""
    import orjson

    from sada.interactions.schemas import IngestItem
    from sada.interactions.service import CheckedItem

    assert list(CheckedItem.__dataclass_fields__) == list(IngestItem.model_fields)
    items = [
        item(0, person={"email": " Mixed@Example.COM ", "phone": "+98 912 123 4567"}),
        item(1, channel="Voice", rating=9, rating_scale="nps", attributes={"k": [1, "x"]}),
        item(2, person=None, anonymous_id="anon-2", touchpoint="Checkout"),
        item(3, agent="nobody@example.com", direction="outbound", subject="Re: order"),
        item(4, origin="import", language="fa", text="سلام 🙏", external_id=4),
        item(5, occurred_at="2026-05-01T10:00:00.123456+03:30", backfill=False),
    ]
    for i in (2,):
        items[i].pop("person")
    new_style = client.post(URL, json={"items": items}, headers=api_headers).json()["batch_id"]
    with db.transaction(workspace.id) as session:
        new_batch = session.get(IngestBatch, new_style)
        assert new_batch is not None
        data = orjson.loads(new_batch.payload)
        assert len(data["checked"]) == len(items)
        # The raw items are not read again: spoiled here, the forms still apply.
        data["items"] = [{"source": "shop", "external_id": f"e{i}"} for i in range(len(items))]
        new_batch.payload = orjson.dumps(data).decode()
    assert apply_pending(db, workspace.id, IngestLimits()) == 1
    old_items = [{**it, "source": "shop-old"} for it in items]
    old_style = client.post(URL, json={"items": old_items}, headers=api_headers).json()["batch_id"]
    with db.transaction(workspace.id) as session:
        old_batch = session.get(IngestBatch, old_style)
        assert old_batch is not None
        old_data = orjson.loads(old_batch.payload)
        del old_data["checked"]  # as the inbox stored batches before: the raw items
        old_data["items"] = old_items
        old_batch.payload = orjson.dumps(old_data).decode()
    assert apply_pending(db, workspace.id, IngestLimits()) == 1
    skip = ("id", "source", "received_at")
    columns = [c for c in Interaction.__table__.columns if c.name not in skip]
    with db.reader(workspace.id) as session:
        rows = {
            (source, external_id): tuple(rest)
            for source, external_id, *rest in session.execute(
                select(Interaction.source, Interaction.external_id, *columns)
            ).all()
        }
    assert len(rows) == 2 * len(items)
    for i in range(len(items)):
        key = f"e{i}" if i != 4 else "4"
        new, old = rows[("shop", key)], rows[("shop-old", key)]
        if i == 2:  # an anonymous id names a person per source: a new one, like the old one
            assert new[0] is not None and old[0] is not None
            new, old = new[1:], old[1:]
        assert new == old, i


def test_who_spoke_masks_written_by_the_database_are_the_python_spelling(db, workspace):  # type: ignore[no-untyped-def]
    """The applier's who-spoke masks are OR-ed in by one INSERT ... SELECT ... ON CONFLICT in
    the database per table (json_each / jsonb_array_elements), over several batches; they are
    exactly `who_spoke.spoke_rows` of all the voice facts, for a zone with an offset (days and
    months that differ from UTC's), every channel and language, and the "*" rows; applying
    again (a replay) changes none."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sada.interactions import rollups, who_spoke
    from sada.interactions.inbox import accept
    from sada.interactions.models import VOICE_ORIGINS
    from sada.tenants.models import Workspace

    with db.transaction(workspace.id) as s:
        s.execute(update(Workspace).values(timezone="Asia/Tehran"))
    # Around a month's end in Tehran (UTC+3:30): 21:00 UTC on the 30th is the 1st there.
    stamps = ["2026-04-30T21:00:00Z", "2026-04-30T10:00:00Z", "2026-05-01T00:30:00Z"]
    items = [
        item(
            i,
            occurred_at=stamps[i % 3],
            channel=("email", "chat", "sms")[i % 3],
            language=(None, "fa", "en", "ar")[i % 4],
            person={"email": f"user{i % 5}@example.com"},
            **({"agent": "a@example.com", "direction": "outbound"} if i % 7 == 0 else {}),
        )
        for i in range(40)
    ]
    items = [{k: v for k, v in it.items() if v is not None} for it in items]
    limits = IngestLimits()
    for part in (items[:25], items[25:], items[:10]):  # the last one: replayed items
        with db.transaction(workspace.id) as s:
            accept(s, part, limits=limits)
    apply_pending(db, workspace.id, limits)
    with db.reader(workspace.id) as s:
        zones = rollups.zones(s)
        facts = s.execute(
            select(
                Interaction.occurred_at,
                Interaction.channel,
                Interaction.language,
                Interaction.person_id,
            ).where(Interaction.origin.in_(VOICE_ORIGINS), Interaction.person_id.is_not(None))
        ).all()
        months = sorted(s.execute(select(*who_spoke.MONTH_ROW)).tuples().all())
        days = sorted(
            (zone, channel, language, month.isoformat(), person, bits)
            for zone, channel, language, month, person, bits in s.execute(
                select(*who_spoke.DAY_ROW)
            ).tuples()
        )
    assert zones == ["Asia/Tehran", "UTC"]
    keys = {
        (zone, at.astimezone(ZoneInfo(zone)).date(), channel, language or "", pid)
        for at, channel, language, pid in facts
        for zone in zones
    }
    assert {k[1].month for k in keys if k[0] == "Asia/Tehran"} == {4, 5}
    assert {k[1].month for k in keys if k[0] == "UTC"} == {4, 5}
    assert (months, days) == who_spoke.spoke_rows(keys, sqlite=True)
    assert datetime(2026, 4, 30, 21, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tehran")).day == 1
