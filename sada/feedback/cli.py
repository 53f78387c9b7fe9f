"""`sada surveys ...` and `sada import qualtrics|surveymonkey FILE --workspace W`."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Surveys: list surveys and survey imports.", no_args_is_help=True)


@app.command("list")
def list_cmd(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """List surveys with their id, kind, version and link key."""
    from sada.cli.main import _db, _workspace_id
    from sada.feedback.service import list_surveys

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        for s in list_surveys(session):
            typer.echo(
                f"{s.id}\t{s.kind}\tv{s.current_version}\t{s.status}\t{s.public_key}\t{s.name}"
            )


def _import(
    kind: str, file: Path, workspace: str, survey_key: str | None, survey: int | None
) -> None:
    from sada.cli.main import _db, _workspace_id
    from sada.core.errors import SadaError
    from sada.db.migrate import upgrade

    if kind == "qualtrics":
        from sada.connectors.qualtrics.service import import_file
    else:
        from sada.connectors.surveymonkey.service import import_file
    db = _db()
    upgrade(db)
    ws_id = _workspace_id(db, workspace)
    try:
        summary = import_file(db, ws_id, file, survey_key=survey_key, survey_id=survey)
    except SadaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    for line in summary.errors[:20]:
        typer.echo(f"rejected {line}", err=True)
    typer.echo(
        f"imported={summary.imported} updated={summary.updated} "
        f"duplicate={summary.duplicates} rejected={summary.rejected}"
    )
    typer.echo(f"survey_id={summary.survey_id}")


def _register() -> None:
    from sada.cli.main import import_app

    @import_app.command("qualtrics")
    def import_qualtrics(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Qualtrics CSV export."),
        workspace: str = typer.Option(..., help="Workspace name."),
        survey_key: str | None = typer.Option(None, help="Which Sada survey (default: file name)."),
        survey: int | None = typer.Option(None, help="Import into this existing survey id."),
    ) -> None:
        """Import a Qualtrics CSV export (3 header rows); safe to re-run."""
        _import("qualtrics", file, workspace, survey_key, survey)

    @import_app.command("surveymonkey")
    def import_surveymonkey(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="SurveyMonkey CSV export."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
        survey_key: str | None = typer.Option(None, help="Which Sada survey (default: file name)."),
        survey: int | None = typer.Option(None, help="Import into this existing survey id."),
    ) -> None:
        """Import a SurveyMonkey CSV export (2 header rows); safe to re-run."""
        _import("surveymonkey", file, workspace, survey_key, survey)


_register()
