"""The public survey pages' rendering: templates, inline assets and their content policy.

- `render(template, **context)`: a page in the respondent's language and direction
- `render_text(template, context)`: an email template (HTML autoescaped, text as is)
- `page_csp(css, js)`: a CSP that allows exactly the page's inline style and script, by hash
- `asset(name)`: a file of `static/` (the page's CSS and script, inlined)
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sada.feedback import i18n
from sada.feedback.schemas import is_rtl

HERE = Path(__file__).parent


@lru_cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache
def asset(name: str) -> str:
    return (HERE / "static" / name).read_text()


def render_text(template: str, context: dict[str, Any]) -> str:
    """Render an email template (HTML ones autoescaped, text ones as is)."""
    env = _env() if template.endswith(".html") else _text_env()
    return env.get_template(template).render(**context)


@lru_cache
def _text_env() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=False)  # noqa: S701 - plain-text mail


def page_csp(css: str = "", js: str = "") -> str:
    """A CSP that allows exactly this page's inline style and script, by hash.

    The public page inlines its small CSS and JS to save round trips on slow
    phones; hashes keep `unsafe-inline` out of the policy.
    """

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    style = f"style-src {digest(css)}" if css else "style-src 'none'"
    script = f"script-src {digest(js)}" if js else "script-src 'none'"
    return (
        f"default-src 'none'; {style}; {script}; connect-src 'self'; form-action 'self'; "
        "frame-ancestors *; img-src 'self' data:; base-uri 'none'"
    )


def render(template: str, **context: Any) -> str:
    lang = context.get("lang", "en")
    context.setdefault("dir", "rtl" if is_rtl(lang) else "ltr")
    context.setdefault("css", asset("survey.css"))
    context["t"] = lambda key: i18n.t(lang, key)
    return _env().get_template(template).render(**context)
