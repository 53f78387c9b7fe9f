"""Listening's local days: the time zone its rollups are kept in, and the term rollup.

Figures are bucketed by the workspace's local day, as every other analytic of Sada is (a post
at 00:30 in Tehran counts on that Tehran day, not on the UTC day before). The zone the rollups
were built in is kept (`ListeningState`); when the workspace's time zone changes, reads go on
answering in the kept zone, consistently, until the `listening.rezone` job has rebuilt the
rollups in the new one (from the stored mentions and posts) and moved the kept zone.

Terms: for each post, its content words (Sada's tokenisation: letter variants of Arabic and
Persian folded into one key, function words left out, jieba words for Chinese), counted once
per post per local day and language, with the first spelling seen as the label, and the term
"" counting every post (the denominator of a term's share).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sada.db.dialect import bulk_insert, dialect_name
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.listening.models import ListeningState, ListeningTerm
from sada.tenants.models import Workspace

REZONE_JOB = "listening.rezone"
ALL_POSTS = ""  # the term row that counts every post of a day and language
MAX_TERMS = 40  # distinct terms kept per post (a long post does not flood the rollup)
_ZONE_KEY = "sada.listening.zone"


def zone_info(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


def zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or "UTC")


def workspace_zone(session: Session) -> str:
    """The workspace's time zone as set in its settings (UTC when unset or unknown)."""
    name = session.execute(
        select(Workspace.timezone).where(Workspace.id == bound_workspace(session))
    ).scalar_one_or_none()
    return zone_name(zone_info(name))


def rollup_zone(session: Session) -> tzinfo:
    """The zone the rollups are kept in (cached for the transaction). A workspace without
    listening rollups yet keeps its own zone (recorded on its first write)."""
    cached = session.info.get(_ZONE_KEY)
    if cached is not None:
        return cast(tzinfo, cached)
    kept = session.execute(select(ListeningState.zone)).scalar_one_or_none()
    tz = zone_info(kept or workspace_zone(session))
    session.info[_ZONE_KEY] = tz
    return tz


def keep_zone(session: Session) -> tzinfo:
    """For writers: the zone to count new rows in, recorded if it was not yet."""
    tz = rollup_zone(session)
    if session.info.get(_ZONE_KEY + ".kept"):
        return tz
    exists = session.execute(select(ListeningState.id)).first()
    if exists is None:
        from sada.db.dialect import insert_ignoring_conflicts

        stmt = insert_ignoring_conflicts(session, ListeningState.__table__, ["workspace_id"])
        session.execute(
            stmt.values(
                workspace_id=bound_workspace(session), zone=zone_name(tz), updated_at=utcnow()
            )
        )
    session.info[_ZONE_KEY + ".kept"] = True
    return tz


def needs_rezone(session: Session) -> bool:
    kept = session.execute(select(ListeningState.zone)).scalar_one_or_none()
    return kept is not None and kept != workspace_zone(session)


def local_day(at: datetime, tz: tzinfo) -> date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(tz).date()


def bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants [from, to) of local days `start`..`end` (both included)."""
    lo = datetime.combine(start, time.min, tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC)
    return lo, hi


def set_kept_zone(session: Session, name: str) -> None:
    row = session.execute(select(ListeningState)).scalar_one_or_none()
    if row is None:
        session.add(
            ListeningState(workspace_id=bound_workspace(session), zone=name, updated_at=utcnow())
        )
    else:
        row.zone = name
        row.updated_at = utcnow()
    session.flush()
    session.info[_ZONE_KEY] = zone_info(name)
    session.info[_ZONE_KEY + ".kept"] = True


# ---------------------------------------------------------------- terms


@lru_cache(maxsize=50_000)
def _content(key: str, lang: str) -> bool:
    from sada.text.themes import tokens

    return bool(tokens(key, lang))


LANGUAGES = ("ar", "fa", "zh", "en")


def post_language(text: str, lang: str | None) -> str:
    """The post's language as the matcher reads it: the network's, else detected."""
    if lang in LANGUAGES:
        return str(lang)
    from sada.text.langid import detect_language, model_language

    return str(model_language(detect_language(text or "")) or "")


def post_terms(text: str, lang: str | None) -> tuple[str, dict[str, str]]:
    """A post's language and distinct content terms (folded key -> spelling in the post)."""
    from sada.text.themes import surface_tokens

    lang = post_language(text, lang)
    out: dict[str, str] = {}
    for key, surface in surface_tokens(text or "", "zh" if lang == "zh" else lang):
        if key in out or len(key) < 2 or len(key) > 100:
            continue
        if not _content(key, lang):
            continue
        out[key] = surface[:100]
        if len(out) >= MAX_TERMS:
            break
    return lang, out


def terms_of(
    texts: Sequence[str], languages: Sequence[str | None]
) -> list[tuple[str, dict[str, str]]]:
    """`post_terms` of many posts (run in the import's worker processes)."""
    return [post_terms(t, lang) for t, lang in zip(texts, languages, strict=True)]


def add_terms(
    session: Session,
    posts: Iterable[tuple[datetime, str | None, dict[str, str]]],
    tz: tzinfo | None = None,
) -> None:
    """Add posts (when, language, terms) to the term rollup (upsert: counts add up)."""
    tz = tz or keep_zone(session)
    sums: dict[tuple[date, str, str], list[Any]] = {}
    for at, lang, terms in posts:
        day = local_day(at, tz)
        language = (lang or "")[:8]
        for key, label in ((ALL_POSTS, ""), *terms.items()):
            entry = sums.get((day, language, key))
            if entry is None:
                sums[(day, language, key)] = [label, 1]
            else:
                entry[1] += 1
    if not sums:
        return
    upsert_counts(
        session,
        ListeningTerm.__tablename__,
        ["language", "day", "term", "label"],
        ["posts"],
        # one lock order for every writer
        [(lang, d, key, v[0], v[1]) for (d, lang, key), v in sorted(sums.items())],
        key_columns=3,
    )


def upsert_counts(
    session: Session,
    table: str,
    keys: list[str],
    counts: list[str],
    rows: list[tuple[Any, ...]],
    *,
    key_columns: int | None = None,
) -> None:
    """Add `counts` to a rollup's rows (the workspace's, keyed by the first `key_columns` of
    `keys`: all by default; the other keys are written only by the insert); insert missing.

    Driver-ready tuples through `bulk_insert` (executemany on SQLite, COPY on PostgreSQL):
    the rollups of an import are tens of thousands of rows. Rows must have distinct keys."""
    if not rows:
        return
    workspace_id = bound_workspace(session)
    sqlite_days = dialect_name(session) == "sqlite"
    day = keys.index("day") if "day" in keys else -1
    values = [
        (workspace_id, *(r[:day]), r[day].isoformat(), *(r[day + 1 :]))
        if sqlite_days and day >= 0
        else (workspace_id, *r)
        for r in rows
    ]
    unique = ", ".join(keys[: key_columns or len(keys)])
    add = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    bulk_insert(
        session,
        table,
        ["workspace_id", *keys, *counts],
        values,
        f"ON CONFLICT (workspace_id, {unique}) DO UPDATE SET {add}",
    )


def clear_terms(session: Session) -> None:
    session.execute(delete(ListeningTerm))


def analyse(
    matcher: Any, texts: list[str], languages: list[str | None]
) -> tuple[list[Any] | None, list[tuple[str, dict[str, str]]]]:
    """A part of an import, in a worker process: its mentions (None without brands) and terms."""
    found = matcher.find(texts, languages) if matcher.brands else None
    return found, terms_of(texts, languages)
