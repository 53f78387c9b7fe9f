"""Sign-in sessions, invitations and password resets (no HTTP here).

Tokens are 256-bit random strings; only their SHA-256 is stored. Users are
global and belong to workspaces through memberships, so lookups that start
from a token or an email run unbound and name the workspace explicitly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound, Unauthorized
from sada.core.mail import smtp_connection
from sada.core.security import (
    hash_password,
    hash_secret,
    new_token,
    password_needs_rehash,
    verify_password,
)
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.settings import Settings
from sada.tenants.models import Membership, Role, User, Workspace
from sada.tenants.service import Actor, do_add_member, do_create_user, record_audit
from sada.web.models import Invitation, PasswordReset, WebSession

log = logging.getLogger(__name__)

_ALL = {ALL_WORKSPACES: True}
# Refresh last_seen_at at most this often so reading pages does not write every time.
_TOUCH_EVERY = timedelta(minutes=5)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class SignedIn:
    """The person behind a browser session, with their role in the current workspace."""

    session_hash: str
    user_id: int
    email: str
    name: str
    role: str
    workspace_id: int
    workspace_name: str
    workspace_timezone: str
    workspace_calendar: str
    language: str
    timezone: str | None
    calendar: str
    digits: str

    @property
    def label(self) -> str:
        return self.name or self.email

    def actor(self, ip: str | None = None) -> Actor:
        return Actor(
            workspace_id=self.workspace_id,
            user_id=self.user_id,
            label=self.email,
            ip=ip,
            role=self.role,
        )


def memberships_of(session: Session, user_id: int) -> list[tuple[Membership, Workspace]]:
    rows = session.execute(
        select(Membership, Workspace)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.id)
        .execution_options(**_ALL)
    ).all()
    return [(m, w) for m, w in rows]


def authenticate(db: Database, email: str, password: str) -> User:
    """The active user with this email and password, or Unauthorized (same answer for all)."""
    email = email.strip().lower()
    with db.reader() as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.is_active:
        verify_password(None, password)  # same time as a real check
        raise Unauthorized("wrong email or password")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong email or password")
    return user


def do_start_session(
    db: Database,
    user: User,
    *,
    hours: int,
    password: str | None = None,
    ip: str | None = None,
    user_agent: str = "",
    workspace_id: int | None = None,
) -> str:
    """Create a session row; return the token to put in the cookie."""
    with db.transaction() as session:
        members = memberships_of(session, user.id)
        if workspace_id is not None:
            members = [(m, w) for m, w in members if w.id == workspace_id]
        if not members:
            raise Unauthorized("this account has no workspace")
        _membership, workspace = members[0]
        token = new_token()
        now = utcnow()
        session.add(
            WebSession(
                token_hash=hash_secret(token),
                user_id=user.id,
                workspace_id=workspace.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=hours),
                ip=ip,
                user_agent=user_agent[:300],
            )
        )
        values: dict[str, object] = {"last_login_at": now}
        if password and user.password_hash and password_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(password)
        session.execute(update(User).where(User.id == user.id).values(**values))
    with db.transaction(workspace.id) as session:
        record_audit(
            session,
            Actor(workspace_id=workspace.id, user_id=user.id, label=user.email, ip=ip),
            "user.login",
            "user",
            user.id,
        )
    return token


def load_session(db: Database, token: str, *, hours: int) -> SignedIn | None:
    """The signed-in user for a cookie token, or None when unknown, expired or removed."""
    token_hash = hash_secret(token)
    now = utcnow()
    with db.reader() as session:
        row = session.execute(
            select(WebSession, User, Membership, Workspace)
            .join(User, User.id == WebSession.user_id)
            .join(
                Membership,
                (Membership.user_id == WebSession.user_id)
                & (Membership.workspace_id == WebSession.workspace_id),
            )
            .join(Workspace, Workspace.id == WebSession.workspace_id)
            .where(WebSession.token_hash == token_hash)
            .execution_options(**_ALL)
        ).first()
    if row is None:
        return None
    web_session, user, membership, workspace = row
    if web_session.expires_at <= now or not user.is_active:
        return None
    if now - web_session.last_seen_at > _TOUCH_EVERY:
        with db.transaction() as session:
            session.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash)
                .values(last_seen_at=now, expires_at=now + timedelta(hours=hours))
            )
    return SignedIn(
        session_hash=token_hash,
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        workspace_id=workspace.id,
        workspace_name=workspace.display_name or workspace.name,
        workspace_timezone=workspace.timezone,
        workspace_calendar=workspace.calendar,
        language=user.language,
        timezone=user.timezone,
        calendar=user.calendar,
        digits=user.digits,
    )


def do_end_session(db: Database, token_hash: str) -> None:
    with db.transaction() as session:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def do_switch_workspace(db: Database, me: SignedIn, workspace_id: int) -> None:
    with db.transaction() as session:
        if not any(w.id == workspace_id for _m, w in memberships_of(session, me.user_id)):
            raise NotFound("no such workspace")
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == me.session_hash)
            .values(workspace_id=workspace_id)
        )


def do_update_preferences(
    db: Database,
    user_id: int,
    *,
    name: str,
    language: str,
    timezone: str | None,
    calendar: str,
    digits: str,
) -> None:
    with db.transaction() as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                name=name[:200],
                language=language,
                timezone=timezone,
                calendar=calendar,
                digits=digits,
            )
        )


def do_change_password(
    db: Database, me: SignedIn, current: str, new: str, *, ip: str | None = None
) -> None:
    with db.reader() as session:
        user = session.get(User, me.user_id)
    if user is None or not verify_password(user.password_hash, current):
        raise Unauthorized("the current password is wrong")
    _check_password(new)
    with db.transaction() as session:
        session.execute(
            update(User).where(User.id == me.user_id).values(password_hash=hash_password(new))
        )
        # Every other browser of this user is signed out.
        session.execute(
            delete(WebSession).where(
                WebSession.user_id == me.user_id, WebSession.token_hash != me.session_hash
            )
        )
    with db.transaction(me.workspace_id) as session:
        record_audit(session, me.actor(ip), "user.password_change", "user", me.user_id)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must be at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise Invalid("password is too long")


# ---------------------------------------------------------------- password reset


def do_request_password_reset(db: Database, email: str, *, minutes: int) -> tuple[User, str] | None:
    """A reset token for an active account, or None (the page answers the same either way)."""
    email = email.strip().lower()
    with db.transaction() as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None or not user.is_active:
            return None
        _retire_resets(session, user.id)  # only the newest link works
        token = new_token()
        session.add(
            PasswordReset(
                token_hash=hash_secret(token),
                user_id=user.id,
                expires_at=utcnow() + timedelta(minutes=minutes),
            )
        )
    return user, token


def _retire_resets(session: Session, user_id: int) -> None:
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )


def access_password_reset(db: Database, token: str) -> PasswordReset:
    with db.reader() as session:
        reset = session.execute(
            select(PasswordReset).where(PasswordReset.token_hash == hash_secret(token))
        ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise NotFound("this link is invalid or has expired")
    return reset


def do_reset_password(db: Database, token: str, new_password: str) -> int:
    reset = access_password_reset(db, token)
    _check_password(new_password)
    with db.transaction() as session:
        claimed = session.execute(
            update(PasswordReset)
            .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            raise NotFound("this link is invalid or has expired")
        _retire_resets(session, reset.user_id)  # any other link of this user is spent too
        session.execute(
            update(User)
            .where(User.id == reset.user_id)
            .values(password_hash=hash_password(new_password))
        )
        session.execute(delete(WebSession).where(WebSession.user_id == reset.user_id))
    return reset.user_id


# ---------------------------------------------------------------- invitations


def do_invite(
    session: Session, email: str, role: str, *, actor: Actor, days: int
) -> tuple[Invitation, str]:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise Invalid("email must contain @")
    role = Role(role).value
    if role == Role.OWNER.value and actor.role != Role.OWNER.value:
        raise Invalid("only an owner can invite an owner")
    existing = session.execute(
        select(User.id).join(Membership, Membership.user_id == User.id).where(User.email == email)
    ).first()
    if existing is not None:
        raise Conflict("this person is already a member")
    token = new_token()
    invitation = Invitation(
        workspace_id=bound_workspace(session),
        token_hash=hash_secret(token),
        email=email,
        role=role,
        invited_by_id=actor.user_id,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    record_audit(
        session, actor, "user.invite", "invitation", invitation.id, {"email": email, "role": role}
    )
    return invitation, token


def list_invitations(session: Session) -> list[Invitation]:
    return list(
        session.execute(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.id.desc())
        ).scalars()
    )


def do_revoke_invitation(session: Session, invitation_id: int, *, actor: Actor) -> None:
    invitation = session.execute(
        select(Invitation).where(Invitation.id == invitation_id)
    ).scalar_one_or_none()
    if invitation is None:
        raise NotFound("no such invitation")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_audit(
            session,
            actor,
            "user.invite_revoke",
            "invitation",
            invitation.id,
            {"email": invitation.email},
        )


def access_invitation(db: Database, token: str) -> tuple[Invitation, Workspace, bool]:
    """The open invitation for a token, its workspace, and whether its email has an account."""
    with db.reader() as session:
        row = session.execute(
            select(Invitation, Workspace)
            .join(Workspace, Workspace.id == Invitation.workspace_id)
            .where(Invitation.token_hash == hash_secret(token))
            .execution_options(**_ALL)
        ).first()
        if row is None:
            raise NotFound("this invitation is invalid or has expired")
        invitation, workspace = row
        has_account = (
            session.execute(select(User.id).where(User.email == invitation.email)).first()
            is not None
        )
    if (
        invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound("this invitation is invalid or has expired")
    return invitation, workspace, has_account


def do_accept_invitation(
    db: Database, token: str, *, name: str, password: str, language: str = "en"
) -> User:
    """Join the workspace: a new account gets `password`; an existing one must prove it."""
    invitation, workspace, has_account = access_invitation(db, token)
    if has_account:
        user = authenticate(db, invitation.email, password)
    else:
        _check_password(password)
    with db.transaction(workspace.id) as session:
        claimed = session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
            .values(accepted_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            raise NotFound("this invitation is invalid or has expired")
        if not has_account:
            user = do_create_user(session, invitation.email, password, name=name, language=language)
        else:
            user = session.get(User, user.id)  # type: ignore[assignment]
        do_add_member(session, user, invitation.role)
        record_audit(
            session,
            Actor(workspace_id=workspace.id, user_id=user.id, label=user.email),
            "user.join",
            "user",
            user.id,
            {"role": invitation.role, "invitation_id": invitation.id},
        )
    return user


# ---------------------------------------------------------------- members


def list_members(session: Session) -> list[tuple[Membership, User]]:
    return [
        (m, u)
        for m, u in session.execute(
            select(Membership, User).join(User, User.id == Membership.user_id).order_by(User.email)
        ).all()
    ]


def do_set_role(session: Session, user_id: int, role: str, *, actor: Actor) -> None:
    role = Role(role).value
    membership = session.execute(
        select(Membership).where(Membership.user_id == user_id)
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound("no such member")
    _check_can_manage(session, membership, actor, new_role=role)
    old = membership.role
    membership.role = role
    record_audit(session, actor, "user.role", "user", user_id, {"from": old, "to": role})


def do_remove_member(session: Session, user_id: int, *, actor: Actor) -> None:
    membership = session.execute(
        select(Membership).where(Membership.user_id == user_id)
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound("no such member")
    _check_can_manage(session, membership, actor, new_role=None)
    session.delete(membership)
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user_id, WebSession.workspace_id == bound_workspace(session)
        )
    )
    record_audit(session, actor, "user.remove", "user", user_id, {"role": membership.role})


def _check_can_manage(
    session: Session, membership: Membership, actor: Actor, *, new_role: str | None
) -> None:
    owner = Role.OWNER.value
    if actor.role != owner and (membership.role == owner or new_role == owner):
        raise Invalid("only an owner can change an owner or make one")
    if membership.role == owner and new_role != owner:
        owners = session.execute(select(Membership.id).where(Membership.role == owner)).all()
        if len(owners) <= 1:
            raise Invalid("a workspace keeps at least one owner")
    if membership.user_id == actor.user_id and new_role not in (owner, Role.ADMIN.value):
        raise Invalid("you cannot remove your own administration rights")


# ---------------------------------------------------------------- mail


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send a plain-text email through the configured SMTP server."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtp_connection(settings, timeout=10) as smtp:
        smtp.send_message(message)
