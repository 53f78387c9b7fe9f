"""`sada secrets ...`: the secrets stored encrypted, re-encrypted under a new key."""

from __future__ import annotations

import typer

from sada.cli.common import _db, _fail, console

secrets_app = typer.Typer(
    help="Secrets stored encrypted (webhook, mailbox, survey-source secrets, IMAP passwords).",
    no_args_is_help=True,
)


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Re-encrypt every stored secret under the current SADA_SECRET_KEY.

    To change the secret key: set the new SADA_SECRET_KEY, list the old one in
    SADA_PREVIOUS_SECRET_KEYS, run this, then drop the old key. Plaintext secrets from before
    encryption are encrypted too."""
    from sada.db.registry import metadata
    from sada.db.secretbox import SecretUnreadable
    from sada.db.secrets import plaintext_left, rotate_secrets

    db = _db()
    try:
        counts = rotate_secrets(db, metadata)
    except SecretUnreadable as exc:
        _fail(str(exc))
    for table, n in counts.items():
        console.print(f"{table}: {n} row(s) re-encrypted")
    left = plaintext_left(db, metadata)
    if left:
        _fail(f"{left} secret(s) are still stored in plaintext")
    print(f"rotated {sum(counts.values())} row(s)")
