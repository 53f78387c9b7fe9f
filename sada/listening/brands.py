"""Listening brands and competitors: their names, aliases and exclusions, and the matcher built
from them. Changing a brand queues a re-match of the stored posts (`listening.rematch`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.jobs.service import enqueue
from sada.listening.matching import BrandSpec, Matcher
from sada.listening.models import (
    BRAND_KINDS,
    ListeningBrand,
    ListeningDay,
    ListeningMention,
    ListeningSpike,
)

REMATCH_JOB = "listening.rematch"


def _words(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"{field} must be a list of texts", details={"field": field})
    words = [v.strip() for v in value if v.strip()]
    if len(words) > 200:
        raise Invalid(f"{field}: at most 200 entries", details={"field": field})
    for w in words:
        if len(w) > 200:
            raise Invalid(f"{field}: each entry at most 200 characters", details={"field": field})
    return list(dict.fromkeys(words))


def brand_out(brand: ListeningBrand) -> dict[str, Any]:
    return {
        "id": brand.id,
        "name": brand.name,
        "kind": brand.kind,
        "aliases": list(brand.aliases or []),
        "exclude": list(brand.exclude or []),
        "created_at": brand.created_at.isoformat(),
        "updated_at": brand.updated_at.isoformat(),
    }


def list_brands(session: Session) -> list[ListeningBrand]:
    return list(
        session.execute(
            select(ListeningBrand).order_by(ListeningBrand.kind.desc(), ListeningBrand.name)
        ).scalars()
    )


def access_brand(session: Session, brand_id: int) -> ListeningBrand:
    brand = session.execute(
        select(ListeningBrand).where(ListeningBrand.id == brand_id)
    ).scalar_one_or_none()
    if brand is None:
        raise NotFound(f"no brand {brand_id}")
    return brand


def _apply(brand: ListeningBrand, data: dict[str, Any], *, partial: bool) -> None:
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            raise Invalid("name: 1 to 200 characters", details={"field": "name"})
        brand.name = name.strip()
    if "kind" in data or not partial:
        kind = data.get("kind", "own")
        if kind not in BRAND_KINDS:
            raise Invalid("kind must be own or competitor", details={"field": "kind"})
        brand.kind = kind
    if "aliases" in data or not partial:
        brand.aliases = _words(data.get("aliases"), "aliases")
    if "exclude" in data or not partial:
        brand.exclude = _words(data.get("exclude"), "exclude")
    brand.updated_at = utcnow()


def _check_unique(session: Session, brand: ListeningBrand) -> None:
    clash = session.execute(
        select(ListeningBrand.id).where(
            ListeningBrand.name == brand.name, ListeningBrand.id != (brand.id or 0)
        )
    ).first()
    if clash is not None:
        raise Conflict(f"a brand named {brand.name!r} exists already")


def do_create_brand(session: Session, data: dict[str, Any]) -> ListeningBrand:
    brand = ListeningBrand(workspace_id=bound_workspace(session))
    _apply(brand, data, partial=False)
    _check_unique(session, brand)
    session.add(brand)
    session.flush()
    _queue_rematch(session, brand.id)
    return brand


def do_update_brand(session: Session, brand_id: int, data: dict[str, Any]) -> ListeningBrand:
    brand = access_brand(session, brand_id)
    before = (brand.name, tuple(brand.aliases or ()), tuple(brand.exclude or ()))
    _apply(brand, data, partial=True)
    _check_unique(session, brand)
    session.flush()
    if before != (brand.name, tuple(brand.aliases or ()), tuple(brand.exclude or ())):
        _queue_rematch(session, brand.id)
    return brand


def do_delete_brand(session: Session, brand_id: int) -> None:
    brand = access_brand(session, brand_id)
    for table in (ListeningMention, ListeningDay, ListeningSpike):
        session.execute(delete(table).where(table.brand_id == brand.id))
    session.delete(brand)
    session.flush()


def _queue_rematch(session: Session, brand_id: int) -> None:
    enqueue(
        session,
        REMATCH_JOB,
        {"brand_id": brand_id, "stamp": utcnow().isoformat()},
        workspace_id=bound_workspace(session),
    )


def spec_of(brand: ListeningBrand) -> BrandSpec:
    return BrandSpec(
        id=brand.id,
        name=brand.name,
        kind=brand.kind,
        aliases=tuple(brand.aliases or ()),
        exclude=tuple(brand.exclude or ()),
    )


def matcher_for(session: Session, brand_ids: Sequence[int] | None = None) -> Matcher:
    brands = [b for b in list_brands(session) if brand_ids is None or b.id in brand_ids]
    return Matcher([spec_of(b) for b in brands])
