"""Channel secrets encrypted at rest, sends once per idempotency key, inbound replays stored
once, and opt-out keywords; against the loopback providers of `test_channels`."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from sada.channels import service
from sada.channels.models import ChannelAccount, ChannelSend
from sada.channels.providers import PermanentSendError
from sada.db.registry import metadata
from sada.db.secrets import rotate_secrets
from sada.db.types import utcnow
from sada.interactions.models import Interaction
from sada.jobs.service import run_pending
from sada.people import consent
from sada.people.models import Identity
from sada.settings import get_settings
from tests.channels.test_channels import (
    _admin,
    _signed,
    _sms,
    _sms_in,
    _sms_post,
    _wa_message,
    _whatsapp,
)


def _raw_secrets(db: Any, account_id: int) -> str:
    with db.reader() as s:
        return str(
            s.execute(
                text("SELECT secrets FROM channel_accounts WHERE id = :id"), {"id": account_id}
            ).scalar_one()
        )


def test_secrets_are_encrypted_at_rest_and_rotate(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _whatsapp(client, headers, fake)
    raw = _raw_secrets(db, account["id"])
    assert raw.startswith("enc1:")
    for plain in ("EAAG-tok", "app-sec", "access_token"):
        assert plain not in raw
    # the app still reads them: a signed webhook verifies with the app secret
    key = account["webhook_url"].rsplit("/", 1)[-1]
    body = _wa_message("wamid.ENC1", "16505550101", "hello")
    r = client.post(f"/api/v1/channels/whatsapp/{key}", content=body, headers=_signed(body))
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    # a row written before encryption (plaintext JSON) is read as it is, sealed by rotation
    legacy = json.dumps(
        {"access_token": "LEGACY-tok", "app_secret": "app-sec", "verify_token": "v"}
    )
    with db.transaction() as s:
        s.execute(
            text("UPDATE channel_accounts SET secrets = :v WHERE id = :id"),
            {"v": legacy, "id": account["id"]},
        )
    with db.reader(workspace.id) as s:
        assert s.get(ChannelAccount, account["id"]).secrets["access_token"] == "LEGACY-tok"
    assert rotate_secrets(db, metadata)["channel_accounts"] >= 1
    raw = _raw_secrets(db, account["id"])
    assert raw.startswith("enc1:") and "LEGACY-tok" not in raw
    # a PATCH keeps them sealed
    r = client.patch(
        f"/api/v1/channels/{account['id']}",
        json={"secrets": {"access_token": "NEW-tok"}},
        headers=headers,
    )
    assert r.status_code == 200 and "NEW-tok" not in r.text
    raw = _raw_secrets(db, account["id"])
    assert raw.startswith("enc1:") and "NEW-tok" not in raw
    with db.reader(workspace.id) as s:
        assert s.get(ChannelAccount, account["id"]).secrets["access_token"] == "NEW-tok"


def test_bot_token_never_reaches_the_logs(client, db, workspace, make_key, fake, caplog):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    r = client.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "config": {"base_url": fake.url},
            "secrets": {"bot_token": "987:SECRET-BOT", "secret_token": "tg"},
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    caplog.set_level(logging.DEBUG)
    service.send_message(
        db, get_settings(), workspace.id, r.json()["id"], "4242", text="hi", idempotency_key="t1"
    )
    assert fake.requests[-1]["path"] == "/bot987:SECRET-BOT/sendMessage"
    assert "SECRET-BOT" not in caplog.text and "SECRET-BOT" not in _raw_secrets(db, r.json()["id"])


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):  # type: ignore[no-untyped-def]
    """A database of its own (migrated by the test), on each backend."""
    from sqlalchemy.engine import make_url

    from sada.db.engine import open_database
    from sada.settings import Settings
    from tests.conftest import PG_SKIP_REASON, PG_URL, _pg_admin_url

    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'old.db'}")
        yield database
        database.dispose()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    import psycopg

    name = f"sada_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(Settings(database_url=PG_URL).database_url).set(database=name)
    database = open_database(url.render_as_string(hide_password=False))
    yield database
    database.dispose()
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_seals_existing_rows(empty_database) -> None:  # type: ignore[no-untyped-def]
    """1500 on a database holding plaintext secrets from before it."""
    from sada.db.migrate import upgrade

    database = empty_database
    upgrade(database, "1100_channels")
    with database.engine.begin() as conn:
        ws = conn.execute(
            text(
                "INSERT INTO workspaces (name, display_name, timezone, default_language,"
                " languages, calendar, settings, created_at) VALUES ('w', 'w', 'UTC', 'en',"
                " :langs, 'gregorian', :settings, :at) RETURNING id"
            ),
            {"langs": '["en"]', "settings": "{}", "at": utcnow()},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO channel_accounts (kind, key, name, config, secrets, workspace_id,"
                " created_at) VALUES ('sms', 'k1', 's', :config, :s, :ws, :at)"
            ),
            {
                "config": "{}",
                "s": json.dumps({"auth_token": "OLD-PLAIN-tok"}),
                "ws": ws,
                "at": utcnow(),
            },
        )
    upgrade(database)
    with database.engine.connect() as conn:
        raw = conn.execute(text("SELECT secrets FROM channel_accounts")).scalar_one()
    assert raw.startswith("enc1:") and "OLD-PLAIN" not in raw
    with database.reader(ws) as s:
        assert s.execute(select(ChannelAccount)).scalar_one().secrets == {
            "auth_token": "OLD-PLAIN-tok"
        }


def test_a_retried_send_goes_out_once(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _whatsapp(client, headers, fake)
    settings = get_settings()
    first = service.send_message(
        db,
        settings,
        workspace.id,
        account["id"],
        "+16505550102",
        text="ready",
        idempotency_key="k1",
    )
    again = service.send_message(
        db,
        settings,
        workspace.id,
        account["id"],
        "+16505550102",
        text="ready",
        idempotency_key="k1",
    )
    assert first == again and len(fake.requests) == 1
    # the API's key: the same Idempotency-Key twice queues one job, sends once
    for _ in range(2):
        r = client.post(
            f"/api/v1/channels/{account['id']}/messages",
            json={"to": "+16505550103", "text": "hi"},
            headers={**headers, "Idempotency-Key": "order-77"},
        )
        assert r.status_code == 202 and r.json()["idempotency_key"] == "order-77"
    run_pending(db, kinds=["channels.send"])
    run_pending(db, kinds=["channels.send"])
    assert len(fake.requests) == 2
    with db.reader(workspace.id) as s:
        rows = s.execute(select(ChannelSend).order_by(ChannelSend.id)).scalars().all()
        assert [(r.idempotency_key, r.status) for r in rows] == [
            ("k1", "sent"),
            ("api:order-77", "sent"),
        ]
        assert rows[0].provider_message_id == first
        outbound = s.execute(
            select(Interaction).where(Interaction.direction == "outbound")
        ).scalars()
        assert len(list(outbound)) == 2
    # a refusal is recorded and not sent again
    fake.fail_next = [400]
    for _ in range(2):
        with pytest.raises(PermanentSendError):
            service.send_message(
                db,
                settings,
                workspace.id,
                account["id"],
                "+1650555",
                text="x",
                idempotency_key="k2",
            )
    assert len(fake.requests) == 3


def test_crash_between_send_and_commit(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    """An attempt that sent but died before its commit leaves the ledger at `sending`: SMS
    asks Twilio's Message list first and sends nothing; WhatsApp has no lookup and sends
    again (the documented at-least-once window), then once only."""
    headers = _admin(db, workspace, make_key)
    sms = _sms(client, headers, fake)
    wa = _whatsapp(client, headers, fake)
    settings = get_settings()
    with db.reader(workspace.id) as s:
        sms_provider = service.provider_for(s.get(ChannelAccount, sms["id"]), settings)
    crashed_sid = sms_provider.send("+14155550777", text="Your order is ready")  # then "crash"
    before = utcnow() - timedelta(seconds=5)
    with db.transaction(workspace.id) as s:
        for key, account in (("crash-sms", sms), ("crash-wa", wa)):
            s.add(
                ChannelSend(
                    workspace_id=workspace.id,
                    idempotency_key=key,
                    channel=account["kind"],
                    account_id=account["id"],
                    status="sending",
                    attempts=1,
                    started_at=before,
                )
            )
    posts = len(fake.requests)
    got = service.send_message(
        db,
        settings,
        workspace.id,
        sms["id"],
        "+14155550777",
        text="Your order is ready",
        idempotency_key="crash-sms",
    )
    assert got == crashed_sid and len(fake.requests) == posts and fake.lookups
    wa_id = service.send_message(
        db,
        settings,
        workspace.id,
        wa["id"],
        "+16505550777",
        text="ready",
        idempotency_key="crash-wa",
    )
    assert len(fake.requests) == posts + 1
    assert (
        service.send_message(
            db,
            settings,
            workspace.id,
            wa["id"],
            "+16505550777",
            text="ready",
            idempotency_key="crash-wa",
        )
        == wa_id
    )
    assert len(fake.requests) == posts + 1
    with db.reader(workspace.id) as s:
        row = s.execute(
            select(Interaction).where(Interaction.external_id == crashed_sid)
        ).scalar_one()
        assert row.direction == "outbound" and row.attributes["idempotency_key"] == "crash-sms"


def test_duplicated_webhook_deliveries_are_stored_once(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    wa = _whatsapp(client, headers, fake)
    sms = _sms(client, headers, fake)
    key = wa["webhook_url"].rsplit("/", 1)[-1]
    body = _wa_message("wamid.DUP1", "16505550300", "Is it shipped?")
    results = [
        client.post(f"/api/v1/channels/whatsapp/{key}", content=body, headers=_signed(body)).json()
        for _ in range(3)
    ]
    assert [r["stored"] for r in results] == [1, 0, 0]
    assert [r["duplicates"] for r in results] == [0, 1, 1]
    form = _sms_in("SM" + "d" * 32, "+14155550300", "Is it shipped?")
    sms_results = [_sms_post(client, sms, form) for _ in range(2)]
    assert all(r.status_code == 200 for r in sms_results)
    with db.reader(workspace.id) as s:
        texts = s.execute(
            select(Interaction.external_id).where(Interaction.direction == "inbound")
        ).scalars()
        assert sorted(texts) == sorted(["wamid.DUP1", "SM" + "d" * 32])


@pytest.mark.parametrize("word", ["STOP", "لغو", "إلغاء", "退订"])
def test_opt_out_keywords(client, db, workspace, make_key, fake, word):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    sms = _sms(client, headers, fake)
    number = f"+1415555{abs(hash(word)) % 10000:04d}"
    form = _sms_in("SM" + f"{abs(hash(word)):032x}"[:32], number, f" {word} ")
    assert _sms_post(client, sms, form).status_code == 200
    with db.reader(workspace.id) as s:
        person_id = s.execute(
            select(Identity.person_id).where(Identity.kind == "phone", Identity.value == number)
        ).scalar_one()
        assert consent.refusal(s, person_id, "sms", "notifications") == "opted out"
        assert consent.refusal(s, person_id, "whatsapp", "notifications") is None
    form = _sms_in("SM" + f"{abs(hash(word)) + 1:032x}"[:32], number, "START")
    assert _sms_post(client, sms, form).status_code == 200
    with db.reader(workspace.id) as s:
        assert consent.refusal(s, person_id, "sms", "notifications") is None
