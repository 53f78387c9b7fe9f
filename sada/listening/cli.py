"""`sada listening ...` and `sada import x|telegram|posts FILE --workspace W`."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson
import typer

app = typer.Typer(help="Social listening: brands, feeds, spikes.", no_args_is_help=True)


PART = 5000


def _loads(raw: bytes) -> Any:
    """orjson (several times faster), or the standard library where orjson is stricter (an
    escaped lone surrogate, integers past 64 bits, NaN): the file then loads as before and its
    posts are judged one by one."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _import(kind: str, file: Path, workspace: str, workers: int = 0, network: str = "") -> None:
    from sada.cli.common import _db, _fail, _workspace_id
    from sada.db.migrate import upgrade
    from sada.listening import bulk, service, sources
    from sada.listening.days import analyse

    db = _db()
    upgrade(db)
    ws_id = _workspace_id(db, workspace)
    raw = file.read_bytes()
    try:
        if kind == "csv":
            parsed = sources.parse_csv(raw.decode("utf-8-sig"))
        else:
            payload: Any = _loads(raw)
            parsed = {
                "x": sources.parse_x,
                "telegram": sources.parse_telegram,
                "youtube": sources.parse_youtube,
                "graph": lambda data: sources.parse_graph(data, network),
            }[kind](payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{file}: not readable as {kind}: {exc}")
        return
    stored = duplicates = rejected = 0
    messages = [f"{e['item']}: {e['message']}" for e in parsed.errors]
    with db.transaction(ws_id) as session:
        matcher = service.matcher_for(session)
    parts = [parsed.items[i : i + PART] for i in range(0, len(parsed.items), PART)]
    workers = workers if workers > 0 else min(4, os.cpu_count() or 1)
    pool = None
    if workers > 1 and len(parts) > 1:
        # Matching, clause sentiment and terms run in worker processes while the main process
        # stores the previous part (ingest, people, mentions): the two halves of the work overlap.
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        futures = [
            pool.submit(
                analyse,
                matcher,
                [str(i.get("text") or "") for i in part],
                [i.get("language") for i in part],
            )
            if pool is not None
            else None
            for part in parts
        ]
        for n, (part, future) in enumerate(zip(parts, futures, strict=True)):
            found, terms = future.result() if future is not None else (None, None)
            with db.transaction(ws_id) as session:
                done = bulk.store_posts(session, part, matcher=matcher, found=found, terms=terms)
            stored += done.stored
            duplicates += done.duplicates
            rejected += len(done.rejected)
            messages.extend(f"post {n * PART + index}: {why}" for index, why in done.rejected)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    for line in messages[:50]:
        typer.echo(line, err=True)
    typer.echo(f"stored={stored} duplicates={duplicates} rejected={rejected + len(parsed.errors)}")


WORKERS_HELP = "Processes that match brands beside the one storing posts (0: up to 4 by CPUs)."


def _register() -> None:
    from sada.cli.imports import import_app

    @import_app.command("x")
    def import_x(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="X API v2 JSON."),
        workspace: str = typer.Option(..., help="Workspace name."),
        workers: int = typer.Option(0, help=WORKERS_HELP),
    ) -> None:
        """Import posts from an X API v2 search/stream response (`data` + `includes.users`)."""
        _import("x", file, workspace, workers)

    @import_app.command("telegram")
    def import_telegram(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="Telegram Desktop export (result.json)."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
        workers: int = typer.Option(0, help=WORKERS_HELP),
    ) -> None:
        """Import a Telegram Desktop JSON export of a public channel or group."""
        _import("telegram", file, workspace, workers)

    @import_app.command("youtube")
    def import_youtube(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="YouTube Data API v3 commentThreads JSON."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
        workers: int = typer.Option(0, help=WORKERS_HELP),
    ) -> None:
        """Import YouTube comments (a commentThreads.list response, replies included)."""
        _import("youtube", file, workspace, workers)

    @import_app.command("graph")
    def import_graph(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Graph API JSON."),
        workspace: str = typer.Option(..., help="Workspace name."),
        network: str = typer.Option(..., help="facebook or instagram"),
        workers: int = typer.Option(0, help=WORKERS_HELP),
    ) -> None:
        """Import Facebook or Instagram comments and mentions (Graph API `data` JSON)."""
        _import("graph", file, workspace, workers, network)

    @import_app.command("posts")
    def import_posts(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="CSV: id,created_at,text,network,author,..."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
        workers: int = typer.Option(0, help=WORKERS_HELP),
    ) -> None:
        """Import social posts from a CSV file in Sada's generic post shape."""
        _import("csv", file, workspace, workers)


_register()


@app.command("brands")
def brands(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """List the workspace's brands and competitors."""
    from sada.cli.common import _db, _workspace_id
    from sada.listening import service

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        for b in service.list_brands(session):
            typer.echo(f"{b.id}\t{b.kind}\t{b.name}\t{', '.join(b.aliases or [])}")


@app.command("spikes")
def spikes(
    workspace: str = typer.Option(..., help="Workspace name."),
    days: int = typer.Option(30, help="How many days back."),
) -> None:
    """Print the days whose mention volume or negative share was unusual for the weekday."""
    from datetime import timedelta

    from sada.cli.common import _db, _workspace_id
    from sada.db.types import utcnow
    from sada.listening import service
    from sada.listening.days import local_day, rollup_zone

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        end = local_day(utcnow(), rollup_zone(session))  # the workspace's today
        for s in service.spikes_between(session, end - timedelta(days=days), end):
            typer.echo(
                f"{s['day']}\t{s['brand']}\t{s['metric']}\tvalue={s['value']}\t"
                f"expected={s['expected']}\tz={s['score']}"
            )
