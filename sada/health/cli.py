"""`sada health ...`: the churn definition, training the risk model, scoring, the at-risk list."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(
    help="Customer health: churn definition, risk model, scores.", no_args_is_help=True
)
console = Console()


def _open(workspace: str) -> tuple[Any, int]:
    from sada.cli.common import _db, _workspace_id

    db = _db()
    return db, _workspace_id(db, workspace)


@app.command()
def train(
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace name."),
    as_json: bool = typer.Option(False, "--json", help="Print the model card as JSON."),
) -> None:
    """Train the churn model on the workspace's history (time-based holdout) and rescore."""
    from sada.health import service

    db, wid = _open(workspace)
    with db.transaction(wid) as session:
        model = service.train_model(session)
        scored = service.refresh(session)
        card = dict(model.card)
    for key in ("mean", "std"):
        card.pop(key, None)
    if as_json:
        typer.echo(
            json.dumps({"status": model.status, "scored": scored, **card}, ensure_ascii=False)
        )
        return
    console.print(f"status: {model.status}  scored: {scored}")
    for key in (
        "auc",
        "transparent_auc",
        "top_decile_lift",
        "n_train",
        "n_holdout",
        "churners_train",
        "churners_holdout",
        "reason",
    ):
        if key in card:
            console.print(f"{key}: {card[key]}")


@app.command()
def score(workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace name.")) -> None:
    """Rescore every person now (the daily job does the same)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sada.health import service

    db, wid = _open(workspace)
    with Progress(
        TextColumn("[bold]score[/bold]"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("people", total=None)
        with db.transaction(wid) as session:
            count = service.refresh(session, progress=lambda n: bar.advance(task, n))
    console.print(f"scored={count}")


@app.command("at-risk")
def at_risk_command(
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace name."),
    limit: int = typer.Option(20, help="How many people."),
) -> None:
    """The people most at risk, with their top factors."""
    from sada.health import service

    db, wid = _open(workspace)
    with db.reader(wid) as session:
        rows = service.at_risk(session, limit)
    for row in rows:
        factors = ", ".join(
            f"{f['name']}{'+' if f['direction'] == 'up' else '-'}" for f in row["factors"]
        )
        console.print(f"{row['person_id']}\t{row['score']}\t{row['value_at_stake']}\t{factors}")
