"""A person merge moves their web-chat sessions to the survivor; an unmerge moves them back.

Listed as this domain's `person_rows` in `sada.domains`: the people domain calls these
on a merge and an unmerge without importing this domain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sada.db.person_rows import move_person_column, restore_person_column
from sada.selfservice.models import ChatSession

MODELS = (ChatSession,)


def move_person_rows(session: Session, from_person: int, to_person: int) -> dict[str, list[int]]:
    return move_person_column(session, MODELS, from_person, to_person)


def restore_person_rows(session: Session, moved: Any, holders: list[int], to_person: int) -> None:
    restore_person_column(session, MODELS, moved, holders, to_person)
