"""`sada import ...`: interactions from CSV or JSONL files.

The domains add their own importers to `import_app` (`sada import qualtrics`, `x`,
`zendesk`...) from their `cli.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sada.cli.common import _db, _fail, _workspace_id, console

import_app = typer.Typer(help="Bring data from files and other tools.", no_args_is_help=True)


@import_app.command("interactions")
def import_interactions(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or JSONL file."),
    workspace: str = typer.Option(..., help="Workspace name."),
    source: str = typer.Option("import", help="Source name used with external_id for idempotency."),
    map_: list[str] = typer.Option(
        [], "--map", help="FIELD=COLUMN, e.g. --map text=message --map person.email=Email."
    ),
    rejects: Path | None = typer.Option(
        None, help="Where to write rejected rows (default FILE.rejects.csv)."
    ),
    batch_size: int = typer.Option(500, min=1, max=1000, help="Rows per transaction."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv or jsonl (default: from the file name)."
    ),
) -> None:
    """Import interactions; safe to re-run (nothing is stored twice), resumes after a crash."""
    from sada.db.migrate import upgrade
    from sada.interactions.importer import ImportError_, run_import

    db = _db()
    upgrade(db)
    ws_id = _workspace_id(db, workspace)
    try:
        mapping = dict(m.split("=", 1) for m in map_)
    except ValueError:
        _fail("--map takes FIELD=COLUMN")
    try:
        summary = run_import(
            db,
            ws_id,
            file,
            source=source,
            mapping=mapping,
            rejects_path=rejects,
            batch_size=batch_size,
            fmt=fmt,
            console=console,
        )
    except ImportError_ as exc:
        _fail(str(exc))
    print(json.dumps(summary))
