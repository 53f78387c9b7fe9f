"""`sada metrics ...`: NPS, CSAT, CES, eNPS with intervals; compare; rebuild rollups."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import typer

app = typer.Typer(
    help="Metrics: NPS, CSAT, CES, eNPS, comparisons, rollup rebuild.", no_args_is_help=True
)

_KEYS = {
    "nps": ("n", "promoters", "passives", "detractors", "nps", "moe", "ci_low", "ci_high"),
    "enps": ("n", "promoters", "passives", "detractors", "enps", "moe", "ci_low", "ci_high"),
    "csat": ("n", "top2", "csat", "mean", "moe", "ci_low", "ci_high"),
    "ces": ("n", "ces", "easy_pct", "moe", "ci_low", "ci_high"),
}


def _open(workspace: str):
    from sada.cli.common import _db, _workspace_id

    db = _db()
    return db, _workspace_id(db, workspace)


def _parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name} must be a date like 2026-01-31") from None


def _filters(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise typer.BadParameter("--filter takes DIMENSION=VALUE, e.g. segment=gold")
        k, v = pair.split("=", 1)
        out[k.strip()] = v
    return out


def _run(
    metric: str,
    workspace: str,
    survey: list[int],
    since: str | None,
    until: str | None,
    by: str | None,
    group: str | None,
    filter_: list[str],
    as_json: bool,
    source: str,
) -> None:
    from sada.core.errors import SadaError
    from sada.metrics.service import MetricFilter, summarize

    db, ws_id = _open(workspace)
    f = MetricFilter(
        metric=metric,
        survey_ids=list(survey) or None,
        since=_parse_date(since, "--since"),
        until=_parse_date(until, "--until"),
        filters=_filters(filter_),
    )
    try:
        with db.reader(ws_id) as session:
            result = summarize(session, f, by=by, group=group, source=source)
    except SadaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        keys = _KEYS[metric]
        out = {k: result.get(k) for k in keys}
        out["low_sample"] = result["low_sample"]
        if by:
            out["periods"] = [
                {
                    "period": p["period"],
                    **{k: p.get(k) for k in keys},
                    "low_sample": p["low_sample"],
                }
                for p in result["periods"]
            ]
        if group:
            out["groups"] = result["groups"]
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    _print_human(metric, result)


def _line(metric: str, label: str, r: dict) -> str:
    value = r.get("enps" if metric == "enps" else metric)
    if value is None:
        return f"{label:<12} n=0"
    warn = "  (n < 30: small sample)" if r["low_sample"] else ""
    ci = f"95% CI {r['ci_low']}..{r['ci_high']}" if r.get("ci_low") is not None else ""
    return f"{label:<12} {metric.upper()} {value} ± {r['moe']}  {ci}  n={r['n']}{warn}"


def _print_human(metric: str, result: dict) -> None:
    typer.echo(_line(metric, "all", result))
    for p in result.get("periods", []):
        typer.echo(_line(metric, p["period"], p))
    for g in result.get("groups", []):
        typer.echo(_line(metric, g["group"], g))


def _command(metric: str):
    def command(
        workspace: str = typer.Option(..., help="Workspace name."),
        survey: list[int] = typer.Option([], help="Survey id; repeat for several (default: all)."),
        since: str | None = typer.Option(None, help="First local date, e.g. 2026-01-01."),
        until: str | None = typer.Option(None, help="Local date after the last, e.g. 2026-02-01."),
        by: str | None = typer.Option(None, help="day, week or month (workspace time zone)."),
        group: str | None = typer.Option(
            None, help="survey, segment, audience, channel, touchpoint, language or agent."
        ),
        filter_: list[str] = typer.Option(
            [], "--filter", help="DIMENSION=VALUE, e.g. segment=gold."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        source: str = typer.Option("auto", help="auto (rollups when possible), rollup or raw."),
    ) -> None:
        _run(metric, workspace, survey, since, until, by, group, filter_, as_json, source)

    command.__doc__ = f"{metric.upper()} with its 95% confidence interval; n < 30 is flagged."
    return command


for _metric in ("nps", "enps", "csat", "ces"):
    app.command(_metric)(_command(_metric))


@app.command("compare")
def compare_cmd(
    metric: str = typer.Argument(..., help="nps, enps, csat or ces."),
    workspace: str = typer.Option(..., help="Workspace name."),
    survey: list[int] = typer.Option([], help="Survey id; repeat for several."),
    a_since: str | None = typer.Option(None, help="Side A: first local date."),
    a_until: str | None = typer.Option(None, help="Side A: date after the last."),
    b_since: str | None = typer.Option(None, help="Side B: first local date."),
    b_until: str | None = typer.Option(None, help="Side B: date after the last."),
    a_filter: list[str] = typer.Option([], help="Side A: DIMENSION=VALUE."),
    b_filter: list[str] = typer.Option([], help="Side B: DIMENSION=VALUE."),
) -> None:
    """Is the difference between two periods or two segments significant? Prints JSON."""
    from sada.core.errors import SadaError
    from sada.metrics.service import MetricFilter, compare_filters

    db, ws_id = _open(workspace)
    a = MetricFilter(
        metric,
        list(survey) or None,
        _parse_date(a_since, "--a-since"),
        _parse_date(a_until, "--a-until"),
        _filters(a_filter),
    )
    b = MetricFilter(
        metric,
        list(survey) or None,
        _parse_date(b_since, "--b-since"),
        _parse_date(b_until, "--b-until"),
        _filters(b_filter),
    )
    try:
        with db.reader(ws_id) as session:
            result = compare_filters(session, a, b)
    except SadaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result, ensure_ascii=False))


def _progress(workspace_id: int) -> Callable[[str], None]:
    """A rebuild's progress lines, prefixed with the workspace."""

    def say(line: str) -> None:
        typer.echo(f"workspace {workspace_id}: {line}")

    return say


@app.command("rebuild")
def rebuild_cmd(
    workspace: str | None = typer.Option(None, help="Workspace name (default: every workspace)."),
) -> None:
    """Recompute the metric and interaction rollups from raw data (e.g. after a time-zone change).

    Interaction rollups (the overview's volumes, sentiment, channel mix, progress) are kept
    for UTC, the workspace's zone and its members' zones.
    """
    from sqlalchemy import select

    from sada.cli.common import _db, _workspace_id
    from sada.metrics.rollups import rebuild
    from sada.tenants.models import Workspace

    db = _db()
    if workspace:
        ids = [_workspace_id(db, workspace)]
    else:
        with db.reader() as session:
            ids = list(session.execute(select(Workspace.id).order_by(Workspace.id)).scalars())
    import time

    from sada.dashboards.rollups import rebuild as rebuild_interactions

    for ws_id in ids:
        started = time.monotonic()
        with db.transaction(ws_id) as session:
            rows = rebuild(session)
        typer.echo(
            f"workspace {ws_id}: {rows} rollup rows rebuilt ({time.monotonic() - started:.1f} s)"
        )
        started = time.monotonic()
        with db.transaction(ws_id) as session:
            daily = rebuild_interactions(session, progress=_progress(ws_id))
        typer.echo(
            f"workspace {ws_id}: {rows} rollup rows rebuilt, {daily} interaction rollup rows "
            f"({time.monotonic() - started:.1f} s)"
        )
