"""Articles are Markdown: rendered to safe HTML for readers, flattened to text for search.

markdown-it-py with raw HTML disabled: whatever an author types, the page shows it as text;
link targets pass markdown-it's own URL check (no `javascript:` or `data:` links), and images
may only come from Sada itself (`/…`) or https (the page's CSP shows Sada's own only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    default_image = getattr(md.renderer, "rules", {}).get("image")

    def image(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        if not (src.startswith("/") and not src.startswith("//")) and not src.startswith(
            "https://"
        ):
            token.attrSet("src", "")
        token.attrSet("loading", "lazy")
        assert default_image is not None
        return str(default_image(tokens, idx, options, env))

    def link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if href.startswith(("http://", "https://")):
            token.attrSet("rel", "noopener noreferrer nofollow")
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("image", image)
    md.add_render_rule("link_open", link_open)
    return md


def render(text: str) -> Markup:
    """Safe HTML of an article body (raw HTML in the source is shown as text)."""
    return Markup(_md().render(text or ""))  # noqa: S704 - markdown-it escapes; html disabled


def plain(text: str) -> str:
    """The article's readable text without Markdown syntax (for search and answers)."""
    out: list[str] = []
    for token in _md().parse(text or ""):
        if token.type == "inline" and token.children is not None:
            parts = []
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif child.type == "image":
                    parts.append(child.content)
            out.append("".join(parts).strip())
        elif token.type in ("code_block", "fence"):
            out.append(token.content.strip())
    return "\n".join(p for p in out if p)


@dataclass(frozen=True)
class Passage:
    heading: str
    text: str


def passages(text: str) -> list[Passage]:
    """Blocks of readable text under their nearest heading (what an answer is cut from)."""
    found: list[Passage] = []
    heading = ""
    in_heading = False
    for token in _md().parse(text or ""):
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and token.children is not None:
            content = "".join(
                c.content for c in token.children if c.type in ("text", "code_inline")
            ).strip()
            if not content:
                continue
            if in_heading:
                heading = content
            else:
                found.append(Passage(heading, content))
    return found


_HEADING = re.compile(r"^#{1,6}\s*")


def lead(text: str, chars: int = 320) -> str:
    """The first readable characters of a body (summaries, embeddings, meta descriptions)."""
    flat = " ".join(plain(text).split())
    return flat if len(flat) <= chars else flat[:chars].rsplit(" ", 1)[0] + "…"
