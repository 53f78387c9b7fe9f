"""`sada demo`: a demo workspace with realistic multilingual data, then the app."""

from __future__ import annotations

from pathlib import Path

import typer

from sada.cli.common import _db, console
from sada.cli.server import serve, use_base_url


def demo(
    people: int = typer.Option(20_000, min=10, help="How many people to create."),
    interactions: int | None = typer.Option(
        None, help="How many interactions (default: 15 per person)."
    ),
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Serve the app after seeding."
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    reset: bool = typer.Option(False, help="Delete an existing demo workspace first."),
    seed: int = typer.Option(7, help="Random seed."),
) -> None:
    """Create a demo workspace with realistic multilingual data, print a login, serve it."""
    from sada.db.migrate import upgrade
    from sada.demo.seed import seed_demo

    base_url = use_base_url(host, port)
    db = _db()
    upgrade(db)
    info = seed_demo(
        db,
        people=people,
        interactions=interactions,
        reset=reset,
        seed=seed,
        console=console,
        key_file=demo_key_file(),
    )
    console.print(
        f"\n[bold]Demo workspace[/bold] {info['workspace']}: {info['people']:,} people, {info['interactions']:,} interactions\n"
        f"Sign in at {base_url}/login as [bold]{info['email']}[/bold] / [bold]{info['password']}[/bold]\n"
        f"API key (write): {info['api_key']}"
    )
    if info.get("analysed_days"):
        console.print(
            f"Text analysis: {info['analysed']:,} texts of the last {info['analysed_days']} days "
            "done; older texts are analysed in the background after start."
        )
    if serve_after:
        serve(host=host, port=port, workers=1)


def demo_key_file() -> Path:
    """Where the demo keeps its API key between starts: next to a SQLite database file, else in
    the working folder (both ignored by git; owner-only permissions)."""
    from sada.settings import get_settings

    url = get_settings().database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///") + ".demo-key")
    return Path(".sada-demo-key")
