"""`sada workspace ...`, `sada apikey ...`, `sada user ...`: workspaces (tenants), their API
keys and the users who sign in."""

from __future__ import annotations

import typer

from sada.cli.common import _db, _fail, _workspace_id, console

workspace_app = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys: created once, stored hashed.", no_args_is_help=True)
user_app = typer.Typer(help="Users who sign in.", no_args_is_help=True)


@workspace_app.command("create")
def workspace_create(
    name: str = typer.Argument(..., help="Unique workspace name."),
    timezone: str = typer.Option("UTC", help="IANA time zone for reports, e.g. Asia/Tehran."),
) -> None:
    """Create a workspace."""
    from sada.core.errors import SadaError
    from sada.db.migrate import upgrade
    from sada.tenants.service import do_create_workspace

    db = _db()
    upgrade(db)
    try:
        with db.transaction() as session:
            ws = do_create_workspace(session, name, timezone=timezone)
            print(f"workspace_id={ws.id}")
    except SadaError as exc:
        _fail(exc.message)


@workspace_app.command("list")
def workspace_list() -> None:
    """List workspaces."""
    from sqlalchemy import select

    from sada.tenants.models import Workspace

    with _db().reader() as session:
        for ws in session.execute(select(Workspace).order_by(Workspace.id)).scalars():
            print(f"{ws.id}\t{ws.name}\t{ws.timezone}")


@apikey_app.command("create")
def apikey_create(
    workspace: str = typer.Option(..., help="Workspace name."),
    scope: list[str] = typer.Option(
        ["read:analytics"],
        help="ingest (the public key for Segment and browsers: ingest only), or server scopes "
        "read:people, read:analytics, write:data, manage:rules, manage:webhooks, reply, admin "
        "(read and write are the original bundles); repeat for several.",
    ),
    name: str = typer.Option("cli", help="A label for the key."),
    origin: list[str] = typer.Option(
        [], help="Ingest keys: a browser origin allowed to use the key; repeat for several."
    ),
) -> None:
    """Create an API key; the key is printed alone on the last line, once."""
    from sada.core.errors import SadaError
    from sada.tenants.service import do_create_api_key

    db = _db()
    ws_id = _workspace_id(db, workspace)
    try:
        with db.transaction(ws_id) as session:
            key, full = do_create_api_key(
                session, name=name, scopes=scope, allowed_origins=origin or None
            )
            console.print(
                f"API key {key.id} ({', '.join(key.scopes)}) created; it is shown only once:"
            )
    except (SadaError, ValueError) as exc:
        _fail(str(exc))
    print(full)


@apikey_app.command("list")
def apikey_list(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """List API keys (never their secrets)."""
    from sada.tenants.service import list_api_keys

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        for k in list_api_keys(session):
            state = "revoked" if k.revoked_at else "active"
            print(
                f"{k.id}\t{k.name}\t{','.join(k.scopes)}\t{state}\tlast used {k.last_used_at or 'never'}"
            )


@apikey_app.command("revoke")
def apikey_revoke(key_id: int, workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """Revoke an API key."""
    from sada.core.errors import SadaError
    from sada.tenants.service import do_revoke_api_key

    db = _db()
    try:
        with db.transaction(_workspace_id(db, workspace)) as session:
            do_revoke_api_key(session, key_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"API key {key_id} revoked")


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., help="Sign-in email."),
    workspace: str = typer.Option(..., help="Workspace name."),
    role: str = typer.Option("owner", help="owner, admin, manager, agent, analyst or viewer."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
    name: str = typer.Option("", help="Display name."),
    language: str = typer.Option("en", help="UI language: en, ar, fa or zh."),
) -> None:
    """Create a user and give them a role in a workspace."""
    from sada.core.errors import SadaError
    from sada.tenants.service import do_add_member, do_create_user, record_audit

    db = _db()
    ws_id = _workspace_id(db, workspace)
    try:
        with db.transaction(ws_id) as session:
            user = do_create_user(session, email, password, name=name, language=language)
            do_add_member(session, user, role)
            record_audit(
                session, None, "user.create", "user", user.id, {"email": user.email, "role": role}
            )
    except (SadaError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"user {email} created with role {role}")
