"""Draft a migration from the models: `python -m sada.db.autogen "message" 0007_name`.

Runs all existing migrations on a scratch SQLite file, then lets Alembic compare.
Review the draft: Alembic cannot see renames and data moves.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from sada.db.engine import open_database
from sada.db.migrate import MIGRATIONS_DIR, alembic_config, upgrade


def main(message: str, rev_id: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'autogen.db'}")
        upgrade(db)
        config = alembic_config(db.url)
        with db.engine.connect() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        db.dispose()
    for path in (MIGRATIONS_DIR / "versions").glob(f"{rev_id}_*.py"):
        text = path.read_text()
        text = text.replace("astext_type=Text()", "astext_type=sa.Text()")
        text = text.replace("UTCDateTime(timezone=True)", "UTCDateTime()")
        path.rename(path.with_name(f"{rev_id}.py"))
        path.with_name(f"{rev_id}.py").write_text(text)
        print(f"wrote {path.with_name(f'{rev_id}.py')}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
