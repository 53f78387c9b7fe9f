"""The time zones a workspace keeps its rollups in, and a moment's local day in one.

A workspace keeps rollups (`sada.interactions.rollups`, `sada.interactions.who_spoke`) for
the zones in `rollup_zones`: a new workspace gets UTC and its own zone with its first
interactions (`kept_zones`); `sada metrics rebuild` adds its members' zones.
`ALL` is the channel or language of the rows that count every channel or language.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.interactions.models import Interaction, RollupZone

ALL = "*"  # channel or language of the rows that count every channel or language

_ZONES_KEY = "sada.interactions.rollup_zones"


def zone_info(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


def zones(session: Session) -> list[str]:
    """The zones this workspace keeps rollups in (cached for the transaction)."""
    cached = session.info.get(_ZONES_KEY)
    if cached is None:
        cached = sorted(session.execute(select(RollupZone.zone)).scalars())
        session.info[_ZONES_KEY] = cached
    return list(cached)


def add_zones(session: Session, names: Iterable[str]) -> None:
    from sada.db.dialect import insert_ignoring_conflicts

    workspace_id = bound_workspace(session)
    statement = insert_ignoring_conflicts(session, RollupZone.__table__, ["workspace_id", "zone"])
    for name in sorted(set(names)):
        session.execute(statement.values(workspace_id=workspace_id, zone=name))
    session.info.pop(_ZONES_KEY, None)


def _default_zones(session: Session) -> list[str]:
    from sada.tenants.models import Workspace

    own = session.execute(
        select(Workspace.timezone).where(Workspace.id == bound_workspace(session))
    ).scalar_one_or_none()
    return sorted({"UTC", own or "UTC"})


def kept_zones(session: Session) -> list[str]:
    """Zones to count a new row in; registers the defaults for a workspace's first rows.

    Called before the rows are inserted. The order of the two reads matters: a workspace
    with rows but no zones predates rollups (left to `sada metrics rebuild`); one whose
    first rows commit concurrently shows either no rows (we register too, idempotent) or
    its zones.
    """
    has_rows = session.execute(select(exists().where(Interaction.id.is_not(None)))).scalar()
    found = zones(session)
    if found or has_rows:
        return found
    add_zones(session, _default_zones(session))
    return zones(session)


def local_day(at: datetime, tz: tzinfo) -> date | None:
    """The local day, or None for an instant the zone cannot hold (year 1 or 9999):
    such rows are left out of the rollups, as the overview always left them out."""
    try:
        return at.astimezone(tz).date()
    except (OverflowError, ValueError):
        return None
