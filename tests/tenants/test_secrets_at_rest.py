"""Finding 7 (secrets): webhook, mailbox and survey-source secrets and IMAP passwords are
stored encrypted under a key derived from SADA_SECRET_KEY, and `sada secrets rotate` moves
them to a new key."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sada.automation import webhooks
from sada.cases import inbound
from sada.cli.main import app as cli_app
from sada.core.ssrf import HostPolicy
from sada.db.secretbox import SecretUnreadable
from sada.feedback import imports
from sada.settings import DEFAULT_SECRET_KEY, get_settings

NEW_KEY = "n" * 48


def _raw(db, table: str, column: str, row_id: int) -> str:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return str(
            conn.execute(
                text(f"SELECT {column} FROM {table} WHERE id = :i"), {"i": row_id}
            ).scalar()
        )


def _make(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        hook = webhooks.do_create_endpoint(
            session,
            url="http://127.0.0.1:9/hook",
            events=["case.created"],
            policy=HostPolicy.from_setting("127.0.0.1/32"),
        )
        box = inbound.do_create_mailbox(
            session,
            {
                "address": f"help-{uuid.uuid4().hex[:6]}@example.com",
                "imap_host": "imap.example.com",
                "imap_username": "u",
                "imap_password": "imap-pass-Zq81",
            },
        )
        source = imports.do_create_source(session, "typeform", secret="tf-secret-Wk55")
        return (
            {
                ("webhook_endpoints", "secret", hook.id): hook.secret,
                ("mailboxes", "secret", box.id): box.secret,
                ("mailboxes", "imap_password", box.id): "imap-pass-Zq81",
                ("survey_sources", "secret", source.id): "tf-secret-Wk55",
            },
            hook.id,
            box.id,
        )


def _read(db, workspace, hook_id, box_id):  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as session:
        hook = webhooks.access_endpoint(session, hook_id)
        box = inbound.access_mailbox(session, box_id)
        return hook.secret, box.secret, box.imap_password


def _rotate(db, monkeypatch, key: str, previous: str) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SADA_SECRET_KEY", key)
    monkeypatch.setenv("SADA_PREVIOUS_SECRET_KEYS", previous)
    monkeypatch.setenv("SADA_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, ["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    return result.output


def test_secrets_are_encrypted_at_rest_and_rotate(db, workspace, monkeypatch):  # type: ignore[no-untyped-def]
    get_settings.cache_clear()
    secrets, hook_id, box_id = _make(db, workspace)
    for (table, column, row_id), value in secrets.items():
        raw = _raw(db, table, column, row_id)
        assert raw.startswith("enc1:") and value not in raw, (table, column)
    before = _read(db, workspace, hook_id, box_id)
    assert before[2] == "imap-pass-Zq81"
    # A row written before encryption is read as it is, and sealed by the rotation.
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE mailboxes SET imap_password = 'legacy-plain-Ty2' WHERE id = :i"),
            {"i": box_id},
        )
    assert _read(db, workspace, hook_id, box_id)[2] == "legacy-plain-Ty2"
    try:
        # A new secret key, the old one listed as previous: everything moves to the new key.
        _rotate(db, monkeypatch, NEW_KEY, DEFAULT_SECRET_KEY)
        assert not _raw(db, "mailboxes", "imap_password", box_id).startswith("legacy")
        monkeypatch.setenv("SADA_PREVIOUS_SECRET_KEYS", "")
        get_settings.cache_clear()
        after = _read(db, workspace, hook_id, box_id)
        assert after == (before[0], before[1], "legacy-plain-Ty2")
        # Without the key it was sealed with, a secret is unreadable (not silently wrong).
        monkeypatch.setenv("SADA_SECRET_KEY", "w" * 48)
        get_settings.cache_clear()
        with pytest.raises(SecretUnreadable):
            _read(db, workspace, hook_id, box_id)
    finally:
        # Back to the test suite's key for every row of the shared test database.
        _rotate(db, monkeypatch, DEFAULT_SECRET_KEY, NEW_KEY)
        monkeypatch.delenv("SADA_SECRET_KEY")
        monkeypatch.delenv("SADA_PREVIOUS_SECRET_KEYS")
        get_settings.cache_clear()
    assert _read(db, workspace, hook_id, box_id)[0] == before[0]
