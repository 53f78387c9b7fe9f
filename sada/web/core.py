"""What every page needs: the signed-in user, language, CSRF, roles and rendering.

Pages are server-rendered Jinja2 with autoescape on. Page routes use
`PageRoute`, which turns Sada's domain errors into HTML pages (the API keeps
its JSON errors).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, Signer
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    Template,
    select_autoescape,
)
from jinja2.ext import _make_new_gettext, _make_new_ngettext
from markupsafe import Markup

from sada.core.errors import Forbidden, NotFound, RateLimited, SadaError, Unauthorized
from sada.core.http import client_ip
from sada.core.ratelimit import RateLimiter
from sada.tenants.models import Role
from sada.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    Formatter,
    parse_accept_language,
    translations,
)
from sada.web.labels import labeler
from sada.web.login_backoff import LoginBackoff as LoginBackoff
from sada.web.period import PRESETS
from sada.web.service import SignedIn, load_session

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

SESSION_COOKIE = "sada_session"
PRE_COOKIE = "sada_pre"  # anonymous CSRF nonce for the sign-in forms
LANG_COOKIE = "sada_lang"

# What each role may do; checked on the server for every page and action.
_ALL_ROLES = {r.value for r in Role}
PERMISSIONS: dict[str, set[str]] = {
    "dashboards": {"viewer", "analyst", "manager", "admin", "owner"},
    "feedback": {"analyst", "manager", "admin", "owner"},
    "export": {"analyst", "manager", "admin", "owner"},
    "people": {"agent", "manager", "admin", "owner"},
    "people.merge": {"agent", "manager", "admin", "owner"},
    # The inbox and cases: every role reads them (without personal data unless `people`);
    # agents and above work them (reply, notes, assign, status, resolve).
    "inbox": _ALL_ROLES,
    "inbox.work": {"agent", "manager", "admin", "owner"},
    "surveys": {"manager", "admin", "owner"},
    "settings": {"admin", "owner"},
    "kb": {"agent", "manager", "admin", "owner"},
    "kb.publish": {"manager", "admin", "owner"},
    "account": _ALL_ROLES,
}

ROLE_LABELS = {
    "owner": N_("Owner"),
    "admin": N_("Admin"),
    "manager": N_("Manager"),
    "agent": N_("Agent"),
    "analyst": N_("Analyst"),
    "viewer": N_("Viewer"),
}


class LoginRequired(Exception):
    """No valid session: the page redirects to the sign-in form."""


@dataclass
class WebState:
    """Per-app web objects: template environment, signer, limiters, asset versions."""

    env: Environment
    signer: Signer
    csrf_key: bytes
    secure_cookies: bool
    session_hours: int
    login_limiter: RateLimiter
    login_backoff: LoginBackoff
    asset_versions: dict[str, str] = field(default_factory=dict)


def template_loader() -> ChoiceLoader:
    """The shell's templates by name (`base.html`), and each domain's page templates under its
    own prefix: `sada/<domain>/pages/inbox.html` is `<domain>/inbox.html`."""
    domains = {
        path.parent.name: FileSystemLoader(str(path))
        for path in sorted(WEB_DIR.parent.glob("*/pages"))
        if path.is_dir() and path.parent.name != "web"
    }
    return ChoiceLoader([FileSystemLoader(str(TEMPLATES_DIR)), PrefixLoader(domains)])


def make_state(settings: Any) -> WebState:
    env = Environment(
        loader=template_loader(),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.globals["domain_pages"] = domain_pages()
    env.globals["period_presets_list"] = list(PRESETS)
    env.globals["saveable_view"] = saveable_view_check()
    versions = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            rel = path.relative_to(STATIC_DIR).as_posix()
            versions[rel] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    secret = settings.secret_key.encode()
    per_minute = max(1, settings.login_attempts_per_minute)
    return WebState(
        env=env,
        signer=Signer(secret, salt="sada.web.session"),
        csrf_key=hmac.new(secret, b"sada.web.csrf", hashlib.sha256).digest(),
        # Production is served over HTTPS (HSTS says so): cookies are Secure there whatever
        # base_url says, so a misconfigured base_url cannot leak a session over HTTP.
        secure_cookies=settings.environment == "production"
        or settings.base_url.startswith("https://"),
        session_hours=settings.web_session_hours,
        login_limiter=RateLimiter(per_minute / 60.0, per_minute, namespace="login"),
        login_backoff=LoginBackoff(),
        asset_versions=versions,
    )


def state(request: Request) -> WebState:
    return request.app.state.web


def services(request: Request) -> Any:
    return request.app.state.services


# ---------------------------------------------------------------- session and user


def _session_token(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return state(request).signer.unsign(raw).decode()
    except BadSignature:
        return None


def optional_user(request: Request) -> SignedIn | None:
    if "web_user" in request.state._state:
        return request.state.web_user
    token = _session_token(request)
    user = None
    if token:
        user = load_session(services(request).db, token, hours=state(request).session_hours)
    request.state.web_user = user
    return user


def current_user(request: Request) -> SignedIn:
    user = optional_user(request)
    if user is None:
        raise LoginRequired()
    return user


def can(user: SignedIn | None, permission: str) -> bool:
    return user is not None and user.role in PERMISSIONS.get(permission, set())


def require(permission: str) -> Callable[[Request], SignedIn]:
    """Dependency: the signed-in user, who must hold `permission` (403 page otherwise)."""

    def dependency(request: Request) -> SignedIn:
        user = current_user(request)
        if not can(user, permission):
            raise Forbidden("your role does not allow this page")
        return user

    return dependency


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    web = state(request)
    response.set_cookie(
        SESSION_COOKIE,
        web.signer.sign(token).decode(),
        max_age=web.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=web.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def landing_path(user: SignedIn) -> str:
    if can(user, "dashboards"):
        return "/overview"
    if can(user, "people"):
        return "/people"
    return "/account"


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths may be redirect targets."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


# ---------------------------------------------------------------- CSRF


def _csrf_basis(request: Request) -> str | None:
    user = optional_user(request)
    if user is not None:
        return "s:" + user.session_hash
    nonce = request.cookies.get(PRE_COOKIE) or request.state._state.get("pre_nonce")
    return "p:" + nonce if nonce else None


def csrf_token(request: Request) -> str:
    basis = _csrf_basis(request)
    if basis is None:
        nonce = secrets.token_urlsafe(24)
        request.state.pre_nonce = nonce
        basis = "p:" + nonce
    return hmac.new(state(request).csrf_key, basis.encode(), hashlib.sha256).hexdigest()


async def checked_form(request: Request) -> Any:
    """The submitted form after checking its CSRF token and Origin (403 otherwise)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise Forbidden("cross-site form submission refused")
    form = await request.form()
    sent = str(form.get("csrf", ""))
    basis = _csrf_basis(request)
    expected = (
        hmac.new(state(request).csrf_key, basis.encode(), hashlib.sha256).hexdigest()
        if basis
        else ""
    )
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("the form expired; reload the page and try again")
    return form


def limit_login(request: Request, email: str) -> None:
    """Before checking a password: the address's rate limit, then the failure backoff."""
    web = state(request)
    web.login_limiter.hit(f"ip:{client_ip(request)}")
    web.login_backoff.check(client_ip(request), email.strip().lower())


def login_failed(request: Request, email: str) -> None:
    state(request).login_backoff.failed(client_ip(request), email.strip().lower())


def login_succeeded(request: Request, email: str) -> None:
    state(request).login_backoff.succeeded(client_ip(request), email.strip().lower())


# ---------------------------------------------------------------- language and rendering


def pick_language(request: Request, user: SignedIn | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    if user is not None and user.language in LANGUAGES:
        return user.language
    return parse_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


def formatter(request: Request, user: SignedIn | None, lang: str) -> Formatter:
    if user is None:
        return Formatter(lang=lang)
    return Formatter(
        lang=lang,
        timezone=user.timezone or user.workspace_timezone or "UTC",
        calendar=user.calendar or user.workspace_calendar,
        digits=user.digits or "latin",
    )


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + ("?" + query if query else "")


@dataclass
class Page:
    """The context pieces a handler computed, for `render`."""

    request: Request
    user: SignedIn | None
    lang: str
    fmt: Formatter

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.lang).gettext


def page(request: Request, user: SignedIn | None = None) -> Page:
    lang = pick_language(request, user)
    return Page(request=request, user=user, lang=lang, fmt=formatter(request, user, lang))


@lru_cache(maxsize=1)
def domain_pages() -> frozenset[str]:
    """Which other domains serve pages in this shell (for the navigation)."""
    from sada.domains import page_domains

    return page_domains()


def saveable_view_check() -> Callable[[str], bool]:
    """Whether a page path can be saved as a view (the analytic pages the reports domain
    lists), for the "Save this view" control of the page header."""
    if "reports" not in domain_pages():
        return lambda path: False
    from sada.reports.paths import is_analytic

    return is_analytic


def static_url(request: Request, path: str) -> str:
    version = state(request).asset_versions.get(path, "0")
    return f"/static/{path}?v={version}"


def render(p: Page, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template file in the page shell: a shell template (`person.html`) or a
    domain's page template (`cases/inbox.html`, kept in `sada/cases/pages/inbox.html`)."""
    return _render_with(p, state(p.request).env.get_template(template), status_code, context)


_SOURCES: weakref.WeakKeyDictionary[Environment, dict[str, Template]] = weakref.WeakKeyDictionary()
_SOURCES_LOCK = threading.Lock()


def _from_source(env: Environment, source: str) -> Template:
    """A template kept as a string, compiled once per environment: compiling it on every
    request cost more than rendering it (about 45 ms of CPU for the journey map)."""
    with _SOURCES_LOCK:
        compiled = _SOURCES.setdefault(env, {})
        template = compiled.get(source)
    if template is None:
        template = env.from_string(source)
        with _SOURCES_LOCK:
            if len(compiled) > 512:  # sources are module constants; this only bounds misuse
                compiled.clear()
            compiled[source] = template
    return template


def render_source(p: Page, source: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template kept as a string by another domain's `web.py`, in the same shell."""
    return _render_with(p, _from_source(state(p.request).env, source), status_code, context)


def _globals(p: Page) -> dict[str, Any]:
    request = p.request
    trans = translations(p.lang)
    language = LANGUAGES[p.lang]
    return dict(
        request=request,
        me=p.user,
        lang=p.lang,
        dir=language.dir,
        languages=LANGUAGES,
        fmt=p.fmt,
        gettext=_make_new_gettext(trans.gettext),
        ngettext=_make_new_ngettext(trans.ngettext),
        csrf=csrf_token(request),
        can=lambda perm: can(p.user, perm),
        path=request.url.path,
        url_with=lambda **kw: url_with(request, **kw),
        static=lambda path: static_url(request, path),
        role_label=lambda role: trans.gettext(ROLE_LABELS.get(role) or str(role)),
        label=labeler(trans.gettext),
        unread_notifications=lambda: unread_notifications(p),
    )


def unread_notifications(p: Page) -> int:
    """The bell's count: the signed-in member's unread notifications (one indexed count; 0
    when the database cannot answer, so an error page still renders its header)."""
    if p.user is None or "notifications" not in domain_pages():
        return 0
    from sqlalchemy.exc import SQLAlchemyError

    from sada.notifications.service import unread_count

    try:
        with services(p.request).db.reader(p.user.workspace_id) as session:
            return unread_count(session, p.user.user_id)
    except SQLAlchemyError:
        log.warning("unread notifications: the database did not answer", exc_info=True)
        return 0


def _render_with(p: Page, template: Any, status_code: int, context: dict[str, Any]) -> HTMLResponse:
    html = template.render(**_globals(p), **context)
    response = HTMLResponse(html, status_code=status_code)
    finish(request=p.request, response=response, lang=p.lang)
    return response


def render_fragment(p: Page, template: str, **context: Any) -> Markup:
    """A piece of a page (a card another domain adds to the person page), rendered with the
    same globals as a whole page."""
    html = state(p.request).env.get_template(template).render(**_globals(p), **context)
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment


def finish(request: Request, response: Response, lang: str | None = None) -> None:
    """Cookies every page answer may set: the anonymous CSRF nonce, a chosen language."""
    nonce = request.state._state.get("pre_nonce")
    if nonce and not request.cookies.get(PRE_COOKIE):
        response.set_cookie(
            PRE_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=state(request).secure_cookies,
            path="/",
        )
    asked = request.query_params.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",
            secure=state(request).secure_cookies,
            path="/",
        )


def redirect(request: Request, target: str, *, status_code: int = 303) -> RedirectResponse:
    response = RedirectResponse(target, status_code=status_code)
    finish(request, response)
    return response


def render_error(request: Request, status_code: int, message: str) -> HTMLResponse:
    user = request.state._state.get("web_user")
    p = page(request, user)
    titles = {
        403: N_("You do not have access to this page"),
        404: N_("Not found"),
        429: N_("Too many attempts"),
        422: N_("This request cannot be answered"),
        400: N_("This request cannot be answered"),
    }
    title = titles.get(status_code, N_("Something went wrong"))
    # What was wrong with the request is worth saying (translated when it is a known message);
    # other errors keep their reasons to the log.
    shown = p.gettext(message) if status_code in (400, 409, 413, 422) else None
    return render(
        p, "error.html", status_code=status_code, title=title, message=message, shown=shown
    )


class PageRoute(APIRoute):
    """Routes that answer HTML errors and sign-in redirects instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired:
                target = request.url.path + ("?" + request.url.query if request.url.query else "")
                response = RedirectResponse(
                    "/login?" + urlencode({"next": target}), status_code=303
                )
                if request.cookies.get(SESSION_COOKIE):
                    clear_session_cookie(response)
                return response
            except (Forbidden, Unauthorized) as exc:
                return render_error(request, 403, exc.message)
            except NotFound as exc:
                return render_error(request, 404, exc.message)
            except RateLimited as exc:
                limited = render_error(request, 429, exc.message)
                limited.headers["Retry-After"] = str(max(1, int(exc.retry_after + 0.999)))
                return limited
            except SadaError as exc:
                return render_error(request, exc.status_code, exc.message)

        return handler


def markup(text: str) -> Markup:
    """Trusted HTML built by Sada itself (charts); never user text."""
    return Markup(text)  # noqa: S704
