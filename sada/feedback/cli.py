"""`sada surveys ...` and `sada import qualtrics|surveymonkey FILE --workspace W`.

Imports print skipped and rejected counts by reason, then the counts, then `survey_id=N`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Surveys: list surveys and survey imports.", no_args_is_help=True)


@app.command("list")
def list_cmd(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """List surveys with their id, kind, version and link key."""
    from sada.cli.common import _db, _workspace_id
    from sada.feedback.service import list_surveys

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        for s in list_surveys(session):
            typer.echo(
                f"{s.id}\t{s.kind}\tv{s.current_version}\t{s.status}\t{s.public_key}\t{s.name}"
            )


def _import(
    kind: str,
    file: Path,
    workspace: str,
    survey_key: str | None,
    survey: int | None,
    **options: Any,
) -> None:
    from sada.cli.common import _db, _workspace_id
    from sada.connectors.qualtrics import service as qualtrics
    from sada.connectors.surveymonkey import service as surveymonkey
    from sada.core.errors import SadaError
    from sada.db.migrate import upgrade

    import_file: Callable[..., Any] = (
        qualtrics.import_file if kind == "qualtrics" else surveymonkey.import_file
    )
    db = _db()
    upgrade(db)
    ws_id = _workspace_id(db, workspace)
    try:
        summary = import_file(db, ws_id, file, survey_key=survey_key, survey_id=survey, **options)
    except SadaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    for line in summary.errors[:20]:
        typer.echo(f"rejected {line}", err=True)
    for line in summary.lines():
        typer.echo(line)
    typer.echo(f"survey_id={summary.survey_id}")
    if summary.rows and summary.stored + summary.duplicates == 0:
        typer.echo("error: nothing was stored from this file", err=True)
        raise typer.Exit(1)


def _register() -> None:
    from sada.cli.imports import import_app

    @import_app.command("qualtrics")
    def import_qualtrics(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Qualtrics CSV export."),
        workspace: str = typer.Option(..., help="Workspace name."),
        survey_key: str | None = typer.Option(None, help="Which Sada survey (default: file name)."),
        survey: int | None = typer.Option(None, help="Import into this existing survey id."),
        qsf: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="The survey's .qsf definition (exact types)."
        ),
        timezone: str | None = typer.Option(
            None, help="Time zone of dates without one (legacy exports), e.g. Asia/Tehran."
        ),
    ) -> None:
        """Import a Qualtrics CSV export (current, 2016-17 or legacy format); safe to re-run.

        Prints skipped/rejected counts by reason, the stored counts, and survey_id=N last;
        exits 1 when nothing was stored from a non-empty file.
        """
        _import(
            "qualtrics", file, workspace, survey_key, survey, definitions=qsf, timezone=timezone
        )

    @import_app.command("surveymonkey")
    def import_surveymonkey(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="SurveyMonkey CSV export or bulk JSON."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
        survey_key: str | None = typer.Option(None, help="Which Sada survey (default: file name)."),
        survey: int | None = typer.Option(None, help="Import into this existing survey id."),
        details: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="The survey's API v3 /details JSON (types)."
        ),
        timezone: str | None = typer.Option(
            None, help="Time zone the CSV export was made in (JSON times carry their own)."
        ),
    ) -> None:
        """Import a SurveyMonkey CSV export or API v3 bulk responses JSON; safe to re-run."""
        _import(
            "surveymonkey", file, workspace, survey_key, survey, details=details, timezone=timezone
        )


_register()
