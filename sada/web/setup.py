"""Wire the web app into create_app: security headers, static files and fonts.

`install_web(app, services)` is called once by `sada.app.create_app`; the page
routers themselves are listed in the domain manifest (sada/domains.py) like every other router.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sada.web.core import STATIC_DIR, make_state

# Content-Security-Policy of every answer: only Sada's own scripts, styles, fonts and images.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The API docs page (Swagger UI from the swagger-ui-bundle package) styles elements inline.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
_DOCS_PREFIX = "/api/docs"


class SecurityHeaders:
    """Pure ASGI middleware (no buffering) adding security headers to every answer."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(_DOCS_PREFIX) else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                own_csp = dict(headers).get(b"content-security-policy", b"")
                # A page that sets its own frame-ancestors (the embeddable chat frame) decides
                # who may frame it; everything else may not be framed at all.
                frameable = (
                    b"frame-ancestors" in own_csp and b"frame-ancestors 'none'" not in own_csp
                )
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if not frameable:
                    extra.append((b"x-frame-options", b"DENY"))
                if self.hsts:  # production: browsers use HTTPS only, for two years
                    extra.append(
                        (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
                    )
                extra.append((b"content-security-policy", csp.encode()))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                headers.extend(h for h in extra if h[0] not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Fonts served by Sada from installed Python packages (never copied into the repo, never a CDN).
# (package, file inside it, CSS family, unicode-range or None). Missing packages are skipped.
FONT_SOURCES: list[tuple[str, str, str, str | None]] = [
    ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf", "Sada Sans", None),
    (
        "fontpkg_noto_sans_arabic",
        "files/NotoSansArabic[wdth,wght].ttf",
        "Sada Sans",
        "U+0600-06FF, U+0750-077F, U+08A0-08FF, U+200C-200F, U+FB50-FDFF, U+FE70-FEFF",
    ),
    (
        "justmytype_intl_cjk",
        "fonts/ofl/notosanssc/NotoSansSC[wght].ttf",
        "Sada Sans CJK",
        "U+2E80-2FDF, U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF",
    ),
]


def available_fonts() -> list[tuple[str, Path, str, str | None]]:
    """(url name, path, family, unicode-range) of each font whose package is installed."""
    found = []
    for package, inner, family, urange in FONT_SOURCES:
        try:
            module = import_module(package)
        except ImportError:
            continue
        path = Path(module.__file__ or "").parent / inner
        if path.is_file():
            found.append(
                (
                    path.name.replace("[", "-").replace("]", "").replace(",", "-"),
                    path,
                    family,
                    urange,
                )
            )
    return found


def fonts_css() -> str:
    rules = []
    for url_name, _path, family, urange in available_fonts():
        local = {
            "Sada Sans CJK": 'local("Noto Sans CJK SC"), local("Noto Sans SC"), ',
        }.get(family, "")
        rule = (
            "@font-face{"
            f'font-family:"{family}";font-style:normal;font-weight:100 900;font-display:swap;'
            f'src:{local}url("/fonts/{url_name}") format("truetype");'
        )
        if urange:
            rule += f"unicode-range:{urange};"
        rules.append(rule + "}")
    return "\n".join(rules) + "\n"


def install_web(app: FastAPI, services: Any) -> None:
    """Security headers on every answer, the web state, static files and fonts."""
    app.state.web = make_state(services.settings)
    app.add_middleware(SecurityHeaders, hsts=services.settings.environment == "production")
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
