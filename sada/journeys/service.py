"""Audiences, versioned journey maps and task definitions (the editable part).

Services take a workspace-bound session; the caller owns the transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions.models import Touchpoint
from sada.interactions.service import RATING_RANGES
from sada.journeys.models import Audience, JourneyMap, JourneyMapVersion, JourneyTask
from sada.journeys.query import Compiled
from sada.journeys.schemas import (
    AudienceIn,
    AudienceOut,
    AudiencePatch,
    JourneyDefinition,
    JourneyMapIn,
    JourneyMapOut,
    Rule,
    TaskIn,
)
from sada.journeys.templates import template
from sada.metrics import catalogue
from sada.tenants.models import Membership, User

MEASURE_SCALES = {m: catalogue.scales_of(m) for m in ("nps", "enps", "csat", "ces")}


# -- audiences -----------------------------------------------------------------
def audience_out(a: Audience) -> AudienceOut:
    return AudienceOut(
        id=a.id,
        key=a.key,
        label=a.label,
        rank=a.rank,
        owner_user_id=a.owner_user_id,
        description=a.description,
        measure=a.measure,
        measure_scale=a.measure_scale,
        target=a.target,
    )


def _check_owner(session: Session, user_id: int | None) -> None:
    if user_id is None:
        return
    member = session.execute(
        select(Membership.id).where(Membership.user_id == user_id)
    ).scalar_one_or_none()
    if member is None:
        raise Invalid(f"user {user_id} is not a member of this workspace")


def _check_measure(measure: str | None, scale: str | None) -> None:
    if measure == "custom" and scale not in RATING_RANGES:
        raise Invalid(f"a custom measure needs measure_scale, one of {', '.join(RATING_RANGES)}")
    if scale is not None and scale not in RATING_RANGES:
        raise Invalid(f"unknown measure_scale {scale!r}")


def do_create_audience(session: Session, data: AudienceIn) -> Audience:
    if access_audience(session, data.key, missing_ok=True) is not None:
        raise Conflict(f"audience {data.key!r} exists")
    _check_owner(session, data.owner_user_id)
    _check_measure(data.measure, data.measure_scale)
    row = Audience(**data.model_dump(), updated_at=utcnow())
    session.add(row)
    session.flush()
    return row


def do_update_audience(session: Session, key: str, patch: AudiencePatch) -> Audience:
    row = access_audience(session, key)
    changes = patch.model_dump(exclude_unset=True)
    if "owner_user_id" in changes:
        _check_owner(session, changes["owner_user_id"])
    _check_measure(
        changes.get("measure", row.measure), changes.get("measure_scale", row.measure_scale)
    )
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return row


def do_delete_audience(session: Session, key: str) -> None:
    session.delete(access_audience(session, key))
    session.flush()


def access_audience(session: Session, key: str, *, missing_ok: bool = False) -> Audience:
    row = session.execute(select(Audience).where(Audience.key == key)).scalar_one_or_none()
    if row is None and not missing_ok:
        raise NotFound(f"no audience {key!r}")
    return row  # type: ignore[return-value]


def list_audiences(session: Session) -> list[Audience]:
    return list(session.execute(select(Audience).order_by(Audience.rank, Audience.key)).scalars())


def owner_names(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.name, User.email).where(User.id.in_(user_ids)))
    return {uid: (name or email) for uid, name, email in rows}


# -- journey maps ----------------------------------------------------------------
def do_create_map(session: Session, data: JourneyMapIn, *, author: str = "") -> JourneyMap:
    audience = access_audience(session, data.audience)
    if session.execute(select(JourneyMap.id).where(JourneyMap.key == data.key)).first():
        raise Conflict(f"journey map {data.key!r} exists")
    definition = data.definition or template(data.template or "")
    row = JourneyMap(
        audience_id=audience.id,
        key=data.key,
        name=data.name or data.key,
        template=data.template,
        current_version=1,
        updated_at=utcnow(),
    )
    session.add(row)
    session.flush()
    session.add(
        JourneyMapVersion(
            map_id=row.id,
            version=1,
            definition=definition.model_dump(mode="json", exclude_defaults=True),
            note=data.note or (f"from template {data.template}" if data.template else ""),
            created_by=author,
        )
    )
    session.flush()
    return row


def do_new_version(
    session: Session,
    map_key: str,
    definition: JourneyDefinition,
    *,
    note: str = "",
    author: str = "",
) -> JourneyMapVersion:
    row = access_map(session, map_key)
    version = row.current_version + 1
    out = JourneyMapVersion(
        map_id=row.id,
        version=version,
        definition=definition.model_dump(mode="json", exclude_defaults=True),
        note=note,
        created_by=author,
    )
    session.add(out)
    row.current_version = version
    row.updated_at = utcnow()
    session.flush()
    return out


def do_restore_version(
    session: Session, map_key: str, version: int, *, author: str = ""
) -> JourneyMapVersion:
    """Make an old version current again, as a new version (history never rewritten)."""
    old = map_version(session, map_key, version)
    return do_new_version(
        session,
        map_key,
        JourneyDefinition.model_validate(old.definition),
        note=f"restored version {version}",
        author=author,
    )


def access_map(session: Session, key: str) -> JourneyMap:
    row = session.execute(select(JourneyMap).where(JourneyMap.key == key)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no journey map {key!r}")
    return row


def map_version(session: Session, key: str, version: int | None = None) -> JourneyMapVersion:
    row = access_map(session, key)
    wanted = version or row.current_version
    out = session.execute(
        select(JourneyMapVersion).where(
            JourneyMapVersion.map_id == row.id, JourneyMapVersion.version == wanted
        )
    ).scalar_one_or_none()
    if out is None:
        raise NotFound(f"journey map {key!r} has no version {wanted}")
    return out


def list_maps(session: Session, audience: str | None = None) -> list[JourneyMap]:
    stmt = select(JourneyMap).order_by(JourneyMap.key)
    if audience is not None:
        stmt = stmt.where(JourneyMap.audience_id == access_audience(session, audience).id)
    return list(session.execute(stmt).scalars())


def map_out(session: Session, row: JourneyMap, *, with_versions: bool = False) -> JourneyMapOut:
    current = map_version(session, row.key)
    audience = session.get(Audience, row.audience_id)
    versions: list[dict[str, Any]] = []
    if with_versions:
        for v in session.execute(
            select(JourneyMapVersion)
            .where(JourneyMapVersion.map_id == row.id)
            .order_by(JourneyMapVersion.version.desc())
        ).scalars():
            versions.append(
                {
                    "version": v.version,
                    "note": v.note,
                    "created_by": v.created_by,
                    "created_at": v.created_at,
                }
            )
    return JourneyMapOut(
        id=row.id,
        key=row.key,
        name=row.name,
        audience=audience.key if audience else "",
        template=row.template,
        version=row.current_version,
        definition=current.definition,
        versions=versions,
        updated_at=row.updated_at,
    )


def touchpoint_ids(session: Session) -> dict[str, int]:
    return {k: i for k, i in session.execute(select(Touchpoint.key, Touchpoint.id)).all()}


def compile_map(
    session: Session, key: str, version: int | None = None
) -> tuple[JourneyMap, Compiled]:
    row = access_map(session, key)
    v = map_version(session, key, version)
    return row, Compiled(JourneyDefinition.model_validate(v.definition), touchpoint_ids(session))


def map_audience_key(session: Session, row: JourneyMap) -> str:
    audience = session.get(Audience, row.audience_id)
    return audience.key if audience else ""


# -- tasks ------------------------------------------------------------------------
def do_upsert_task(session: Session, data: TaskIn) -> JourneyTask:
    row = session.execute(
        select(JourneyTask).where(JourneyTask.key == data.key)
    ).scalar_one_or_none()
    if row is None:
        row = JourneyTask(key=data.key)
        session.add(row)
    row.name = data.name or data.key
    row.start_rule = data.start.model_dump(exclude_none=True)
    row.end_rule = data.end.model_dump(exclude_none=True)
    row.error_rule = data.error.model_dump(exclude_none=True) if data.error else None
    row.timeout_minutes = data.timeout_minutes
    session.flush()
    return row


def access_task(session: Session, key: str) -> JourneyTask:
    row = session.execute(select(JourneyTask).where(JourneyTask.key == key)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no task {key!r}")
    return row


def list_tasks(session: Session) -> list[JourneyTask]:
    return list(session.execute(select(JourneyTask).order_by(JourneyTask.key)).scalars())


def task_rules(row: JourneyTask) -> tuple[Rule, Rule, Rule | None]:
    return (
        Rule.model_validate(row.start_rule),
        Rule.model_validate(row.end_rule),
        Rule.model_validate(row.error_rule) if row.error_rule else None,
    )


def count_maps(session: Session) -> int:
    return int(session.execute(select(func.count(JourneyMap.id))).scalar_one())


def workspace_of(session: Session) -> int:
    return bound_workspace(session)
