"""Re-encrypt every stored secret under the current SADA_SECRET_KEY (`sada secrets rotate`)."""

from __future__ import annotations

from sqlalchemy import MetaData, String, cast, select, update

from sada.db.engine import Database
from sada.db.secretbox import is_encrypted
from sada.db.types import EncryptedText


def encrypted_columns(metadata: MetaData) -> dict[str, list[str]]:
    """Table name -> its EncryptedText columns."""
    out: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        names = [c.name for c in table.columns if isinstance(c.type, EncryptedText)]
        if names:
            out[table.name] = names
    return out


def rotate_secrets(db: Database, metadata: MetaData) -> dict[str, int]:
    """Read each secret (under the current or a previous key, or plaintext from before
    encryption) and write it back under the current key. Returns rows rewritten per table."""
    counts: dict[str, int] = {}
    for table_name, names in encrypted_columns(metadata).items():
        table = metadata.tables[table_name]
        key = table.c.id
        columns = [table.c[name] for name in names]
        with db.transaction() as session:
            rows = session.execute(select(key, *columns)).all()
            for row in rows:
                values = {name: row[i + 1] for i, name in enumerate(names)}
                session.execute(update(table).where(key == row[0]).values(**values))
            counts[table_name] = len(rows)
    return counts


def plaintext_left(db: Database, metadata: MetaData) -> int:
    """How many stored secrets are not encrypted (read raw, without decrypting)."""
    left = 0
    with db.reader() as session:
        for table_name, names in encrypted_columns(metadata).items():
            table = metadata.tables[table_name]
            for name in names:
                raw = session.execute(select(cast(table.c[name], String))).scalars()
                left += sum(1 for v in raw if v is not None and not is_encrypted(v))
    return left
