"""Sign-in, sign-out, password reset, invitations, the user's own preferences, fonts."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from sada.core.errors import Conflict, Invalid, NotFound, RateLimited, Unauthorized
from sada.core.http import client_ip
from sada.db.types import utcnow
from sada.tenants.models import Workspace
from sada.web import service as web
from sada.web.core import (
    LANG_COOKIE,
    PageRoute,
    checked_form,
    clear_session_cookie,
    current_user,
    landing_path,
    limit_login,
    login_failed,
    login_succeeded,
    optional_user,
    page,
    redirect,
    render,
    safe_next,
    services,
    set_session_cookie,
    state,
)
from sada.web.i18n import (
    CALENDARS,
    DEFAULT_LANGUAGE,
    DIGITS,
    LANGUAGES,
    N_,
    translations,
    valid_timezone,
)
from sada.web.service import SignedIn
from sada.web.setup import available_fonts, fonts_css

log = logging.getLogger(__name__)
router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002
    user = optional_user(request)
    if user is not None:
        return redirect(request, safe_next(next) or landing_path(user))
    return render(page(request), "login.html", next=safe_next(next) or "", error=None, email="")


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await checked_form(request)
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1024]
    target = safe_next(str(form.get("next", "")))
    p = page(request)
    try:
        limit_login(request, email)
        try:
            user = web.authenticate(services(request).db, email, password)
        except Unauthorized:
            login_failed(request, email)
            raise
        login_succeeded(request, email)
        token = web.do_start_session(
            services(request).db,
            user,
            hours=state(request).session_hours,
            password=password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    except RateLimited as exc:
        response = render(
            p,
            "login.html",
            status_code=429,
            next=target or "",
            email=email,
            error=N_("Too many sign-in attempts. Wait a minute and try again."),
        )
        response.headers["Retry-After"] = str(max(1, int(exc.retry_after + 0.999)))
        return response
    except Unauthorized:
        return render(
            p,
            "login.html",
            status_code=401,
            next=target or "",
            email=email,
            error=N_("Wrong email or password."),
        )
    done = RedirectResponse(target or "/", status_code=303)
    set_session_cookie(request, done, token)
    keep_sign_in_language(request, done, str(form.get("lang") or p.lang), user.language)
    return done


def keep_sign_in_language(request: Request, response: Response, shown: str, saved: str) -> None:
    """The language the sign-in page was read in stays after signing in.

    A browser asking for Persian shows the sign-in page in Persian; an account that never chose
    a language (the default, English) would flip the next page to English. A non-default
    language on the sign-in page is kept in the language cookie unless one is set already
    (an explicit switch) or the account saved that very language.
    """
    if request.cookies.get(LANG_COOKIE) in LANGUAGES:
        return
    if shown in LANGUAGES and shown != DEFAULT_LANGUAGE and shown != saved:
        response.set_cookie(
            LANG_COOKIE,
            shown,
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",
            secure=state(request).secure_cookies,
            path="/",
        )


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    user = optional_user(request)
    if user is not None:
        web.do_end_session(services(request).db, user.session_hash)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


# ---------------------------------------------------------------- password reset


@router.get("/password/forgot")
def forgot_form(request: Request) -> Response:
    return render(page(request), "forgot.html", sent=False)


@router.post("/password/forgot")
async def forgot_submit(request: Request) -> Response:
    form = await checked_form(request)
    email = str(form.get("email", ""))[:320]
    p = page(request)
    limit_login(request, email)
    settings = services(request).settings
    found = web.do_request_password_reset(
        services(request).db, email, minutes=settings.password_reset_minutes
    )
    if found is not None:
        user, token = found
        _ = translations(user.language if user.language in LANGUAGES else p.lang).gettext
        link = f"{settings.base_url.rstrip('/')}/password/reset/{token}"
        body = _(
            "Someone asked to reset the password of your Sada account. "
            "Open this link within %(minutes)s minutes to choose a new one:"
        ) % {"minutes": settings.password_reset_minutes}
        body += f"\n\n{link}\n\n" + _("If it was not you, ignore this email.")
        try:
            web.send_mail(settings, user.email, _("Reset your Sada password"), body)
        except OSError:
            log.exception("could not send the password reset email")
    # Same answer whether or not the account exists.
    return render(p, "forgot.html", sent=True)


@router.get("/password/reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    web.access_password_reset(services(request).db, token)
    return render(page(request), "reset.html", token=token, error=None)


@router.post("/password/reset/{token}")
async def reset_submit(request: Request, token: str) -> Response:
    form = await checked_form(request)
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        return render(
            page(request),
            "reset.html",
            status_code=422,
            token=token,
            error=N_("The two passwords differ."),
        )
    try:
        web.do_reset_password(services(request).db, token, password)
    except Invalid:
        return render(
            page(request),
            "reset.html",
            status_code=422,
            token=token,
            error=N_("A password needs at least 8 characters."),
        )
    return render(
        page(request),
        "message.html",
        title=N_("Password changed"),
        text=N_("Your password was changed. You can sign in now."),
        link="/login",
    )


# ---------------------------------------------------------------- invitations


@router.get("/invite/{token}")
def invite_form(request: Request, token: str) -> Response:
    invitation, workspace, has_account = web.access_invitation(services(request).db, token)
    return render(
        page(request),
        "invite.html",
        token=token,
        invitation=invitation,
        workspace=workspace,
        has_account=has_account,
        error=None,
    )


@router.post("/invite/{token}")
async def invite_submit(request: Request, token: str) -> Response:
    form = await checked_form(request)
    db = services(request).db
    invitation, workspace, has_account = web.access_invitation(db, token)
    p = page(request)
    limit_login(request, invitation.email)
    try:
        user = web.do_accept_invitation(
            db,
            token,
            name=str(form.get("name", ""))[:200],
            password=str(form.get("password", "")),
            language=p.lang,
        )
    except (Invalid, Unauthorized, Conflict) as exc:
        error = (
            N_("Wrong password.")
            if isinstance(exc, Unauthorized)
            else N_("A password needs at least 8 characters.")
        )
        return render(
            p,
            "invite.html",
            status_code=422,
            token=token,
            invitation=invitation,
            workspace=workspace,
            has_account=has_account,
            error=error,
        )
    session_token = web.do_start_session(
        db,
        user,
        hours=state(request).session_hours,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        workspace_id=workspace.id,
    )
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, session_token)
    return response


# ---------------------------------------------------------------- own account


def _account(
    request: Request,
    me: SignedIn,
    *,
    status_code: int = 200,
    error: str | None = None,
    saved: str | None = None,
) -> Response:
    with services(request).db.reader() as session:
        workspaces = [w for _m, w in web.memberships_of(session, me.user_id)]
    return render(
        page(request, me),
        "account.html",
        status_code=status_code,
        error=error,
        saved=saved,
        workspaces=workspaces,
        calendars=CALENDARS,
        digit_styles=DIGITS,
        now=utcnow(),
    )


@router.get("/account")
def account(request: Request, me: SignedIn = Depends(current_user)) -> Response:
    return _account(request, me)


@router.post("/account")
async def account_save(request: Request, me: SignedIn = Depends(current_user)) -> Response:
    form = await checked_form(request)
    language = str(form.get("language", "en"))
    timezone = str(form.get("timezone", "")).strip() or None
    calendar = str(form.get("calendar", "gregorian"))
    digits = str(form.get("digits", "latin"))
    if (
        language not in LANGUAGES
        or calendar not in CALENDARS
        or digits not in DIGITS
        or (timezone and not valid_timezone(timezone))
    ):
        return _account(request, me, status_code=422, error=N_("Some values are not valid."))
    web.do_update_preferences(
        services(request).db,
        me.user_id,
        name=str(form.get("name", "")).strip(),
        language=language,
        timezone=timezone,
        calendar=calendar,
        digits=digits,
    )
    response = redirect(request, "/account?saved=1")
    # The explicit choice replaces an earlier language switch.
    response.delete_cookie("sada_lang", path="/")
    return response


@router.post("/account/password")
async def account_password(request: Request, me: SignedIn = Depends(current_user)) -> Response:
    form = await checked_form(request)
    new = str(form.get("new_password", ""))
    if new != str(form.get("new_password2", "")):
        return _account(request, me, status_code=422, error=N_("The two passwords differ."))
    try:
        limit_login(request, me.email)
        web.do_change_password(
            services(request).db,
            me,
            str(form.get("current_password", "")),
            new,
            ip=client_ip(request),
        )
    except Unauthorized:
        login_failed(request, me.email)
        return _account(request, me, status_code=422, error=N_("Wrong password."))
    except Invalid:
        return _account(
            request, me, status_code=422, error=N_("A password needs at least 8 characters.")
        )
    return _account(request, me, saved=N_("Password changed"))


@router.post("/account/workspace")
async def switch_workspace(request: Request, me: SignedIn = Depends(current_user)) -> Response:
    form = await checked_form(request)
    try:
        workspace_id = int(str(form.get("workspace_id", "")))
    except ValueError:
        raise NotFound("no such workspace") from None
    web.do_switch_workspace(services(request).db, me, workspace_id)
    return redirect(request, "/")


@router.get("/")
def home(request: Request) -> Response:
    user = optional_user(request)
    return redirect(request, landing_path(user) if user else "/login")


# ---------------------------------------------------------------- fonts and icon


@router.get("/favicon.ico")
def favicon() -> Response:
    from sada.web.core import STATIC_DIR

    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/fonts.css")
def fonts_stylesheet() -> Response:
    return Response(
        fonts_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/fonts/{name}")
def font_file(name: str) -> Response:
    for url_name, path, _family, _range in available_fonts():
        if url_name == name:
            return FileResponse(
                path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"}
            )
    raise NotFound("no such font")


__all__ = ["router", "Workspace"]
