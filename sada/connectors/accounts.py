"""Accounts (companies) from outside tools, and the people who belong to them.

- `do_upsert_account(session, source, external_id, traits) -> Account`: create or update
  (traits merge; `name` becomes the account's name).
- `do_link_member(session, account, person_id) -> bool`: True when the link is new.
- `list_accounts(session, limit, cursor)`, `access_account(session, id)`, `members_of(...)`.
- `move_person_rows` / `restore_person_rows`: a person merge moves memberships to the
  survivor and an unmerge moves them back (the manifest's `person_rows`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sada.connectors.models import Account, AccountMember
from sada.core.errors import NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow

NAME_KEYS = ("name", "company", "companyName")


def do_upsert_account(
    session: Session, source: str, external_id: str, traits: dict[str, Any] | None
) -> Account:
    traits = dict(traits or {})
    account = session.execute(
        select(Account).where(Account.source == source, Account.external_id == external_id)
    ).scalar_one_or_none()
    name = next((str(traits[k])[:300] for k in NAME_KEYS if isinstance(traits.get(k), str)), None)
    if account is None:
        account = Account(
            workspace_id=bound_workspace(session),
            source=source,
            external_id=external_id[:200],
            name=name,
            traits=traits,
            updated_at=utcnow(),
        )
        session.add(account)
        session.flush()
        return account
    if traits:
        account.traits = {**(account.traits or {}), **traits}
    if name:
        account.name = name
    account.updated_at = utcnow()
    return account


def do_link_member(session: Session, account: Account, person_id: int) -> bool:
    exists = session.execute(
        select(AccountMember.id).where(
            AccountMember.account_id == account.id, AccountMember.person_id == person_id
        )
    ).first()
    if exists:
        return False
    session.add(
        AccountMember(
            workspace_id=bound_workspace(session), account_id=account.id, person_id=person_id
        )
    )
    session.flush()
    return True


def access_account(session: Session, account_id: int) -> Account:
    account = session.execute(select(Account).where(Account.id == account_id)).scalar_one_or_none()
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


def members_of(session: Session, account_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in account_ids}
    rows = session.execute(
        select(AccountMember.account_id, AccountMember.person_id)
        .where(AccountMember.account_id.in_(account_ids))
        .order_by(AccountMember.id)
    ).all()
    for account_id, person_id in rows:
        out[account_id].append(person_id)
    return out


def accounts_of_person(session: Session, person_id: int) -> list[Account]:
    return list(
        session.execute(
            select(Account)
            .join(AccountMember, AccountMember.account_id == Account.id)
            .where(AccountMember.person_id == person_id)
            .order_by(Account.id)
        ).scalars()
    )


def list_accounts(
    session: Session, *, limit: int = 50, cursor: int | None = None
) -> tuple[list[Account], int | None]:
    query = select(Account).order_by(Account.id.desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(Account.id < cursor)
    rows = list(session.execute(query).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def count_members(session: Session, account_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(AccountMember.account_id, func.count())
        .where(AccountMember.account_id.in_(account_ids))
        .group_by(AccountMember.account_id)
    ).all()
    return {int(a): int(n) for a, n in rows}


def move_person_rows(session: Session, from_person: int, to_person: int) -> list[int]:
    """A merge: memberships go to the survivor (one it already has stays with the merged)."""
    have = set(
        session.execute(
            select(AccountMember.account_id).where(AccountMember.person_id == to_person)
        ).scalars()
    )
    ids = [
        row_id
        for row_id, account_id in session.execute(
            select(AccountMember.id, AccountMember.account_id).where(
                AccountMember.person_id == from_person
            )
        ).all()
        if account_id not in have
    ]
    if ids:
        session.execute(
            update(AccountMember).where(AccountMember.id.in_(ids)).values(person_id=to_person)
        )
    return ids


def restore_person_rows(
    session: Session, ids: list[int], holders: list[int], to_person: int
) -> None:
    """An unmerge: the moved memberships go back."""
    if ids:
        session.execute(
            update(AccountMember)
            .where(AccountMember.id.in_(ids), AccountMember.person_id.in_(holders))
            .values(person_id=to_person)
        )
