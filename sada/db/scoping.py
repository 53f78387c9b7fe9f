"""Workspace scoping: one mechanism for every query.

A session is bound to a workspace with `bind_workspace(session, workspace_id)`.
From then on every ORM SELECT, UPDATE and DELETE that touches a workspace-owned
class gets `workspace_id = :bound` added by SQLAlchemy itself, and every new
workspace-owned object is stamped with (or checked against) the bound id.

A query on a workspace-owned class in an unbound session raises
`UnscopedQueryError`. Code that legitimately works across workspaces (migrations,
the job runner's claim loop, admin commands) says so explicitly with
`execution_options(all_workspaces=True)` — visible in review and easy to grep.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from sada.db.base import WorkspaceOwned

WORKSPACE_KEY = "workspace_id"
ALL_WORKSPACES = "all_workspaces"


class UnscopedQueryError(RuntimeError):
    """A workspace-owned table was queried without a workspace bound to the session."""


class CrossWorkspaceWriteError(RuntimeError):
    """An object of another workspace was about to be written through a bound session."""


def bind_workspace(session: Session, workspace_id: int) -> Session:
    current = session.info.get(WORKSPACE_KEY)
    if current is not None and current != workspace_id:
        raise CrossWorkspaceWriteError(
            f"session already bound to workspace {current}, cannot rebind to {workspace_id}"
        )
    session.info[WORKSPACE_KEY] = workspace_id
    return session


def bound_workspace(session: Session) -> int:
    workspace_id = session.info.get(WORKSPACE_KEY)
    if workspace_id is None:
        raise UnscopedQueryError("this session is not bound to a workspace")
    return int(workspace_id)


def _touches_owned_entity(state: ORMExecuteState) -> bool:
    return any(issubclass(desc.class_, WorkspaceOwned) for desc in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_statements(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(ALL_WORKSPACES):
        return
    workspace_id = state.session.info.get(WORKSPACE_KEY)
    if workspace_id is None:
        if _touches_owned_entity(state):
            raise UnscopedQueryError(
                "query on a workspace-owned table in a session with no workspace bound; "
                "call bind_workspace() or pass execution_options(all_workspaces=True)"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            WorkspaceOwned,
            lambda cls: cls.workspace_id == workspace_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_check_workspace(session: Session, _context: Any, _instances: Any) -> None:
    workspace_id = session.info.get(WORKSPACE_KEY)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, WorkspaceOwned):
            continue
        current = obj.workspace_id
        if workspace_id is None:
            if current is None:
                raise UnscopedQueryError(
                    f"{type(obj).__name__} has no workspace and the session is not bound"
                )
            continue
        if current is None:
            obj.workspace_id = workspace_id
        elif current != workspace_id:
            raise CrossWorkspaceWriteError(
                f"{type(obj).__name__} belongs to workspace {current}, "
                f"session is bound to {workspace_id}"
            )
