"""Declarative base and the workspace-owned mixin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from sada.db.types import BigIntId, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class WorkspaceOwned:
    """Every row of a class with this mixin belongs to exactly one workspace.

    The session refuses to query such a class unless it is bound to a workspace
    (see sada.db.scoping), and adds the workspace filter to every query itself.
    """

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            BigIntId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=False, nullable=False
        )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
