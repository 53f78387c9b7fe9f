"""Segment pages: the list, the builder (conditions added and removed by plain form posts, a
live count and sample of 20 from `POST /segments/preview`), refresh with progress, delete.

The builder edits the root group (match all / any) of flat conditions, one row each; nested
groups are kept as they are and edited through the API (`/api/v1/segments`). The page works
without JavaScript; `segments.js` (served from `/segment-assets/`, no inline code: CSP
`script-src 'self'`) shows each row's relevant inputs and refreshes the count as one types.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from sada.core.errors import Forbidden, Invalid, NotFound
from sada.people import membership
from sada.people.models import BUILTIN_AUDIENCES, Segment
from sada.people.segments import (
    BANDS,
    CONDITION_TYPES,
    COUNT_OPS,
    DATE_FIELDS,
    HEALTH_BANDS,
    METRICS,
    SENTIMENTS,
    TEXT_FIELDS,
    TRAIT_OPS,
    name_in,
)
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    page,
    redirect,
    render,
    render_fragment,
    require,
    services,
)
from sada.web.i18n import LANGUAGES, N_
from sada.web.labels import register
from sada.web.service import SignedIn

# The health bands a segment condition names, as the builder's hint shows them.
register(
    "health_band",
    {
        "healthy": N_("Healthy"),
        "watch": N_("Watch"),
        "at_risk": N_("At risk"),
        "churned": N_("Churned"),
    },
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ASSETS = Path(__file__).parent / "static"
EDITORS = {"manager", "admin", "owner"}
RESERVED = {"new", "preview"}
MAX_ROWS = 30

TYPE_WORDS = {
    "trait": N_("Person field or trait"),
    "audience": N_("Audience"),
    "language": N_("Language"),
    "channel": N_("Channel used"),
    "activity": N_("Did something"),
    "score": N_("Latest score"),
    "sentiment": N_("Sentiment of their texts"),
    "purchases": N_("Purchases"),
    "health": N_("Customer health"),
}
OP_WORDS = {
    "eq": N_("is"),
    "ne": N_("is not"),
    "contains": N_("contains"),
    "in": N_("is one of"),
    "not_in": N_("is none of"),
    "exists": N_("is set"),
    "not_exists": N_("is not set"),
    "gt": N_("more than"),
    "gte": N_("at least"),
    "lt": N_("less than"),
    "lte": N_("at most"),
    "before": N_("before"),
    "after": N_("on or after"),
}
BAND_WORDS = {
    "promoter": N_("Promoter"),
    "passive": N_("Passive"),
    "detractor": N_("Detractor"),
    "high": N_("High (top box, easy)"),
    "mid": N_("Middle"),
    "low": N_("Low (bottom box, hard)"),
}
METRIC_WORDS = {
    "nps": "NPS",
    "enps": "eNPS",
    "csat": "CSAT",
    "ces": "CES",
    "stars": N_("Stars"),
    "scale10": N_("0-10 scale"),
}
SENTIMENT_WORDS = {
    "positive": N_("positive"),
    "neutral": N_("neutral"),
    "negative": N_("negative"),
}
HEALTH_WORDS = {
    "healthy": N_("Healthy"),
    "watch": N_("Watch"),
    "at_risk": N_("At risk"),
    "churned": N_("Churned"),
}
STATE_WORDS = {
    "idle": N_("Not built yet"),
    "queued": N_("Refresh queued"),
    "running": N_("Refreshing"),
    "done": N_("Up to date"),
}
ROW_FIELDS = (
    "type",
    "field",
    "op",
    "value",
    "event",
    "channel",
    "touchpoint",
    "days",
    "count",
    "metric",
    "band",
    "min",
    "max",
    "sentiment",
    "share",
    "group",  # "" in the main list, or "1".."MAX_GROUPS": a nested group of the main list
)
MAX_GROUPS = 5


def _editor(me: SignedIn) -> bool:
    return can(me, "people") and me.role in EDITORS


# ---------------------------------------------------------------- form <-> definition


def _number(text: str) -> int | float | str:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def _whole(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("،", ",").split(",") if part.strip()]


def row_to_condition(row: dict[str, str]) -> dict[str, Any]:
    """One builder row as a condition (validation happens on the whole definition)."""
    kind = row.get("type", "")
    c: dict[str, Any] = {"type": kind}
    value = row.get("value", "").strip()
    if kind == "trait":
        c["field"] = row.get("field", "").strip()
        c["op"] = row.get("op") or "eq"
        if c["op"] in ("in", "not_in"):
            c["value"] = _split(value)
        elif c["op"] in ("gt", "gte", "lt", "lte"):
            c["value"] = _number(value)
        elif c["op"] not in ("exists", "not_exists"):
            c["value"] = value
    elif kind in ("audience", "language", "channel", "health"):
        c["in"] = _split(value)
    if kind in ("channel", "activity", "purchases", "sentiment") and row.get("days", "").strip():
        c["days"] = _whole(row["days"])
    if kind == "activity":
        for key in ("event", "channel", "touchpoint"):
            if row.get(key, "").strip():
                c[key] = row[key].strip()
    if kind in ("activity", "purchases"):
        c["op"] = row.get("op") if row.get("op") in COUNT_OPS else "gte"
        c["count"] = _whole(row.get("count", "") or "1")
    if kind == "score":
        c["metric"] = row.get("metric", "")
        if row.get("band"):
            c["band"] = row["band"]
        for key in ("min", "max"):
            if row.get(key, "").strip():
                c[key] = _number(row[key].strip())
    if kind == "sentiment":
        c["sentiment"] = row.get("sentiment", "")
        c["op"] = row.get("op") if row.get("op") in COUNT_OPS else "gte"
        share = _number(row.get("share", "").strip() or "0.5")
        c["share"] = share / 100 if isinstance(share, int | float) and share > 1 else share
    return c


def condition_to_row(c: dict[str, Any]) -> dict[str, str]:
    row = {name: "" for name in ROW_FIELDS}
    row["type"] = str(c.get("type", ""))
    for key in ("field", "op", "event", "channel", "touchpoint", "metric", "band", "sentiment"):
        if c.get(key) is not None:
            row[key] = str(c[key])
    for key in ("days", "count", "min", "max", "share"):
        if c.get(key) is not None:
            row[key] = str(c[key])
    if "in" in c:
        row["value"] = ", ".join(str(v) for v in c["in"])
        if c.get("type") == "channel":
            row["channel"] = ""
    elif isinstance(c.get("value"), list):
        row["value"] = ", ".join(str(v) for v in c["value"])
    elif c.get("value") is not None:
        row["value"] = str(c["value"])
    return row


def _group_of(row: dict[str, str]) -> int | None:
    text = row.get("group", "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_GROUPS else None


def _group_matches(form: FormData) -> dict[int, str]:
    """Each nested group's own "match all / any" (any by default: "this, or that")."""
    out = {}
    for n in range(1, MAX_GROUPS + 1):
        value = str(form.get(f"g{n}-match", "any"))
        out[n] = value if value in ("all", "any") else "any"
    return out


def _layout(
    match: str, rows: list[dict[str, str]], groups: dict[int, str] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """(definition, path of each condition -> builder row) for the builder's rows.

    Rows of the main list come first, then one nested group per group number used (in
    number order), each `{"all": [...]}` or `{"any": [...]}` as `groups` says."""
    root = match if match in ("all", "any") else "all"
    groups = groups or {}
    items: list[Any] = []
    paths: dict[str, int] = {}
    by_group: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        group = _group_of(row)
        if group is None:
            paths[f"definition.{root}[{len(items)}]"] = index
            items.append(row_to_condition(row))
        else:
            by_group.setdefault(group, []).append(index)
    for group in sorted(by_group):
        inner = groups.get(group, "any")
        position = len(items)
        conditions = []
        for sub, index in enumerate(by_group[group]):
            paths[f"definition.{root}[{position}].{inner}[{sub}]"] = index
            conditions.append(row_to_condition(rows[index]))
        items.append({inner: conditions})
    return {root: items}, paths


def rows_of_definition(
    definition: dict[str, Any],
) -> tuple[str, list[dict[str, str]], dict[int, str]] | None:
    """(match, rows, group matches) of a stored definition, or None when it nests deeper
    than the builder shows (groups inside groups: edited through the API)."""
    match = "any" if "any" in definition else "all"
    items = definition.get(match, [])
    rows = [
        {**condition_to_row(c), "group": ""} for c in items if isinstance(c, dict) and "type" in c
    ]
    groups: dict[int, str] = {}
    for c in items:
        if isinstance(c, dict) and "type" in c:
            continue
        inner = "any" if isinstance(c, dict) and "any" in c else "all"
        conditions = c.get(inner) if isinstance(c, dict) else None
        if (
            not isinstance(conditions, list)
            or len(groups) >= MAX_GROUPS
            or not all(isinstance(x, dict) and "type" in x for x in conditions)
        ):
            return None
        groups[len(groups) + 1] = inner
        rows += [{**condition_to_row(x), "group": str(len(groups))} for x in conditions]
    return match, rows, groups


def _empty_row() -> dict[str, str]:
    row = {name: "" for name in ROW_FIELDS}
    row.update(type="trait", op="eq")
    return row


def _rows_of(form: FormData) -> list[dict[str, str]]:
    rows = []
    for index in range(MAX_ROWS):
        if f"c{index}-type" not in form:
            continue
        rows.append({name: str(form.get(f"c{index}-{name}", "")) for name in ROW_FIELDS})
    return rows


def _definition(
    match: str, rows: list[dict[str, str]], groups: dict[int, str] | None = None
) -> dict[str, Any]:
    return _layout(match, rows, groups)[0]


def _row_errors(
    details: Any, paths: dict[str, int] | None = None
) -> tuple[dict[int, list[str]], list[str]]:
    """Errors of a definition by builder row (`definition.all[2].value` -> the row whose
    condition is at `definition.all[2]`, nested groups included)."""
    by_row: dict[int, list[str]] = {}
    general: list[str] = []
    known = sorted((paths or {}).items(), key=lambda kv: -len(kv[0]))
    for d in details if isinstance(details, list) else []:
        path = str(d.get("path", ""))
        message = str(d.get("message", ""))
        for prefix, index in known:
            if path == prefix or path.startswith(prefix + "."):
                field = path[len(prefix) :].lstrip(".")
                by_row.setdefault(index, []).append(f"{field}: {message}" if field else message)
                break
        else:
            general.append(f"{path}: {message}" if path else message)
    return by_row, general


# ---------------------------------------------------------------- pages


def _context(p: Page, me: SignedIn) -> dict[str, Any]:
    return dict(
        type_words=TYPE_WORDS,
        op_words=OP_WORDS,
        band_words=BAND_WORDS,
        metric_words=METRIC_WORDS,
        sentiment_words=SENTIMENT_WORDS,
        health_words=HEALTH_WORDS,
        state_words=STATE_WORDS,
        types=CONDITION_TYPES,
        trait_ops=TRAIT_OPS,
        count_ops=COUNT_OPS,
        metrics=METRICS,
        bands=tuple(BANDS),
        sentiments=SENTIMENTS,
        health_bands=HEALTH_BANDS,
        person_fields=(*TEXT_FIELDS, *DATE_FIELDS),
        audiences=BUILTIN_AUDIENCES,
        ui_languages=LANGUAGES,
        editor=_editor(me),
        script=asset_url("segments.js"),
        name_in=name_in,
    )


@router.get("/segment-assets/{name}")
def asset(name: str) -> Response:
    """The builder's own small script; no third-party code."""
    path = ASSETS / name
    if "/" in name or ".." in name or not path.is_file() or path.suffix != ".js":
        raise NotFound("no such file")
    return Response(
        path.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def asset_url(name: str) -> str:
    path = ASSETS / name
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"
    return f"/segment-assets/{name}?v={version}"


@router.get("/segments")
def segments_page(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        segments = membership.list_segments(session)
    return render(
        p,
        "people/segments.html",
        segments=segments,
        deleted=request.query_params.get("deleted") == "1",
        **_context(p, me),
    )


def _builder(
    p: Page,
    me: SignedIn,
    *,
    segment: Segment | None,
    key: str,
    names: dict[str, str],
    description: str,
    match: str,
    rows: list[dict[str, str]],
    preview: membership.Preview | None,
    errors: Any = None,
    saved: bool = False,
    status_code: int = 200,
    nested: bool = False,
    groups: dict[int, str] | None = None,
) -> Response:
    groups = groups or {}
    by_row, general = _row_errors(errors, _layout(match, rows, groups)[1])
    used = sorted({g for g in (_group_of(r) for r in rows) if g is not None})
    return render(
        p,
        "people/segment_builder.html",
        status_code=status_code,
        segment=segment,
        key=key,
        names=names,
        description=description,
        match=match,
        rows=rows,
        preview=preview,
        row_errors=by_row,
        errors=general,
        saved=saved,
        nested=nested,
        groups={n: groups.get(n, "any") for n in used},
        group_numbers=range(1, MAX_GROUPS + 1),
        **_context(p, me),
    )


def _safe_preview(
    session: Any, definition: dict[str, Any]
) -> tuple[membership.Preview | None, Any]:
    try:
        return membership.preview(session, definition), None
    except Invalid as exc:
        return None, exc.details


@router.get("/segments/new")
def new_segment(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    p = page(request, me)
    rows = [_empty_row()]
    with services(request).db.reader(me.workspace_id) as session:
        preview, _ = _safe_preview(session, {"all": []})
    return _builder(
        p,
        me,
        segment=None,
        key="",
        names={},
        description="",
        match="all",
        rows=rows,
        preview=preview,
    )


@router.get("/segments/{key}")
def edit_segment(request: Request, key: str, me: SignedIn = Depends(require("people"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        segment = membership.get_segment(session, key)
        definition = dict(segment.definition)
        preview, _ = _safe_preview(session, definition)
    shown = rows_of_definition(definition)
    nested = shown is None
    match, rows, groups = shown or ("any" if "any" in definition else "all", [], {})
    return _builder(
        p,
        me,
        segment=segment,
        key=segment.key,
        names=dict(segment.names),
        description=segment.description,
        match=match,
        rows=rows,
        preview=preview,
        saved=request.query_params.get("saved") == "1",
        nested=nested,
        groups=groups,
    )


@router.post("/segments/preview")
async def preview_fragment(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    """The count and sample for the builder's current rows (HTML fragment for segments.js)."""
    form = await checked_form(request)
    p = page(request, me)
    definition, paths = _layout(str(form.get("match", "all")), _rows_of(form), _group_matches(form))
    with services(request).db.reader(me.workspace_id) as session:
        preview, errors = _safe_preview(session, definition)
    by_row, general = _row_errors(errors, paths)
    return render(
        p,
        "people/segment_preview.html",
        preview=preview,
        row_errors=by_row,
        errors=general,
    )


async def _post_builder(request: Request, me: SignedIn, existing_key: str | None) -> Response:
    form = await checked_form(request)
    p = page(request, me)
    action = str(form.get("action", "preview"))
    rows = _rows_of(form)
    match = str(form.get("match", "all"))
    groups = _group_matches(form)
    key = existing_key or str(form.get("key", "")).strip()
    names = {lang: str(form.get(f"name_{lang}", "")).strip() for lang in LANGUAGES}
    names = {lang: n for lang, n in names.items() if n}
    description = str(form.get("description", "")).strip()
    if action == "add" and len(rows) < MAX_ROWS:
        rows.append(_empty_row())
    elif action.startswith("remove-"):
        index = int(action[7:]) if action[7:].isdigit() else -1
        rows = [r for i, r in enumerate(rows) if i != index]
    definition = _definition(match, rows, groups)
    with services(request).db.reader(me.workspace_id) as session:
        segment = membership.get_segment(session, existing_key) if existing_key else None
        preview, errors = _safe_preview(session, definition)
    if action == "save" and errors is None:
        if not _editor(me):
            raise Forbidden("your role does not allow changing segments")
        if not existing_key and key in RESERVED:
            errors = [{"path": "key", "message": "this key is reserved"}]
        else:
            try:
                with services(request).db.transaction(me.workspace_id) as session:
                    membership.save_segment(
                        session,
                        key=key,
                        names=names,
                        description=description,
                        definition=definition,
                        create=existing_key is None,
                    )
            except Invalid as exc:
                errors = exc.details or [{"path": "", "message": exc.message}]
            else:
                return redirect(request, f"/segments/{key}?saved=1")
    return _builder(
        p,
        me,
        segment=segment,
        key=key,
        names=names,
        description=description,
        match=match,
        rows=rows,
        preview=preview,
        errors=errors,
        status_code=422 if errors and action == "save" else 200,
        groups=groups,
    )


@router.post("/segments/new")
async def post_new(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    return await _post_builder(request, me, None)


@router.post("/segments/{key}")
async def post_edit(
    request: Request, key: str, me: SignedIn = Depends(require("people"))
) -> Response:
    return await _post_builder(request, me, key)


@router.post("/segments/{key}/refresh")
async def refresh_page(
    request: Request, key: str, me: SignedIn = Depends(require("people"))
) -> Response:
    await checked_form(request)
    if not _editor(me):
        raise Forbidden("your role does not allow changing segments")
    with services(request).db.transaction(me.workspace_id) as session:
        membership.queue_refresh(session, membership.get_segment(session, key))
    return redirect(request, f"/segments/{key}")


@router.post("/segments/{key}/delete")
async def delete_page(
    request: Request, key: str, me: SignedIn = Depends(require("people"))
) -> Response:
    await checked_form(request)
    if not _editor(me):
        raise Forbidden("your role does not allow changing segments")
    with services(request).db.transaction(me.workspace_id) as session:
        membership.delete_segment(session, key)
    return redirect(request, "/segments?deleted=1")


def person_panel(p: Page, session: Session, person_id: int) -> Markup | None:
    """The person page's card of the segments the person is in (as membership was last kept)."""
    if not can(p.user, "people"):
        return None
    segments = membership.segments_of(session, person_id)
    if not segments:
        return None
    return render_fragment(p, "people/person_segments.html", segments=segments, name_in=name_in)
