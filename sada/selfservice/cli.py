"""`sada kb`: import and export the knowledge base, compute vectors, ask the assistant."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Knowledge base and assistant: import, export, ask, reindex.")


def _workspace(db: object, name: str) -> int:
    from sada.tenants.service import get_workspace_by_name

    with db.reader() as session:  # type: ignore[attr-defined]
        return int(get_workspace_by_name(session, name).id)


def _db() -> object:
    from sada.db.engine import open_database
    from sada.settings import get_settings

    return open_database(get_settings().database_url)


@app.command("import")
def import_cmd(
    workspace: str = typer.Argument(..., help="workspace name"),
    path: Path = typer.Argument(..., help="a JSON export or a zip of <key>.<lang>.md files"),
) -> None:
    """Create or update articles from a file; bad articles are reported, good ones kept."""
    from sada.selfservice import kb_transfer

    db = _db()
    ws = _workspace(db, workspace)
    raw = path.read_bytes()
    if path.suffix == ".zip":
        articles = kb_transfer.articles_from_markdown_zip(raw)
    else:
        articles = json.loads(raw.decode("utf-8")).get("articles", [])
    with db.transaction(ws) as session:  # type: ignore[attr-defined]
        results = kb_transfer.do_import(session, articles, author="cli")
    for r in results:
        typer.echo(json.dumps(r, ensure_ascii=False))


@app.command("export")
def export_cmd(
    workspace: str = typer.Argument(..., help="workspace name"),
    path: Path = typer.Argument(..., help="where to write: .json or .zip (Markdown files)"),
) -> None:
    """Write every article (all languages, working copies) to a file."""
    from sada.selfservice import kb_transfer

    db = _db()
    ws = _workspace(db, workspace)
    with db.reader(ws) as session:  # type: ignore[attr-defined]
        if path.suffix == ".zip":
            path.write_bytes(kb_transfer.export_markdown_zip(session))
        else:
            path.write_text(
                json.dumps(kb_transfer.export_json(session), ensure_ascii=False, indent=1)
            )
    typer.echo(f"wrote {path}")


@app.command("reindex")
def reindex_cmd(workspace: str = typer.Argument(..., help="workspace name")) -> None:
    """Compute missing vectors of published articles (needs the embeddings extra)."""
    from sada.selfservice.search import embed_versions

    db = _db()
    ws = _workspace(db, workspace)
    with db.transaction(ws) as session:  # type: ignore[attr-defined]
        typer.echo(f"{embed_versions(session)} versions embedded")


@app.command("ask")
def ask_cmd(
    workspace: str = typer.Argument(..., help="workspace name"),
    question: str = typer.Argument(..., help="the question"),
    lang: str = typer.Option(None, help="ar, fa, zh or en (detected when left out)"),
) -> None:
    """Ask the assistant as a customer would (prints its answer as JSON)."""
    from sada.selfservice.assistant import AssistantConfig, ask

    db = _db()
    ws = _workspace(db, workspace)
    with db.transaction(ws) as session:  # type: ignore[attr-defined]
        out = ask(session, question, lang, config=AssistantConfig(workspace_name=workspace))
    typer.echo(out.model_dump_json(indent=1))
