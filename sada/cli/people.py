"""`sada people ...`: undoing a merge of two people."""

from __future__ import annotations

import typer

from sada.cli.common import _db, _fail, _workspace_id, console

people_app = typer.Typer(help="People: merges and unmerges.", no_args_is_help=True)


@people_app.command("unmerge")
def people_unmerge(
    merge_id: int, workspace: str = typer.Option(..., help="Workspace name.")
) -> None:
    """Undo a merge: both people get their own identities and interactions back."""
    from sada.core.errors import SadaError
    from sada.people.merges import do_unmerge

    db = _db()
    try:
        with db.transaction(_workspace_id(db, workspace)) as session:
            record = do_unmerge(session, merge_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"merge {merge_id} undone: person {record.merged_id} restored")
