"""Turn pydantic validation errors into precise {path, message} pairs."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import ValidationError


def loc_to_path(prefix: str, loc: Sequence[int | str]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".")


def field_errors(prefix: str, exc: ValidationError) -> list[tuple[str, str]]:
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "field required"
        errors.append((loc_to_path(prefix, err["loc"]), message.removeprefix("Value error, ")))
    return errors


# Nesting allowed in free-form JSON (attributes, traits, Segment properties).
MAX_JSON_DEPTH = 16


def unsafe_json(
    value: object, path: str, *, max_depth: int = MAX_JSON_DEPTH
) -> tuple[str, str] | None:
    """The first (path, problem) in a decoded JSON value that no database stores faithfully:
    a NUL character or an unpaired surrogate in any string (keys too), or nesting deeper than
    `max_depth`. Walks without recursion, so any depth is safe to check.

    Most values are clean: a first walk collects every string without building paths and
    searches them at once; only a value with a problem is walked again to say where."""
    if _clean(value, max_depth):
        return None
    stack: list[tuple[object, str, int]] = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, str):
            problem = unsafe_text(node)
            if problem:
                return where or "body", problem
        elif isinstance(node, dict | list):
            if depth >= max_depth:
                return where or "body", f"nested more than {max_depth} levels deep"
            if isinstance(node, dict):
                for key, child in node.items():
                    sub = f"{where}.{key}" if where else str(key)
                    if isinstance(key, str) and (problem := unsafe_text(key)):
                        return sub[:300], f"field name {problem}"
                    stack.append((child, sub[:300], depth + 1))
            else:
                stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(node))
    return None


_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _clean(value: object, max_depth: int) -> bool:
    """No NUL, no surrogate in any string or key, no nesting deeper than `max_depth`.

    One regex search over the strings joined: a surrogate or a NUL is found in the whole
    exactly when it is in one of the parts (Python never pairs surrogates when joining)."""
    texts: list[str] = []
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            if depth >= max_depth:
                return False
            for key, child in node.items():
                if isinstance(key, str):
                    texts.append(key)
                if isinstance(child, str):
                    texts.append(child)
                elif isinstance(child, dict | list):
                    stack.append((child, depth + 1))
        elif isinstance(node, list):
            if depth >= max_depth:
                return False
            for child in node:
                if isinstance(child, str):
                    texts.append(child)
                elif isinstance(child, dict | list):
                    stack.append((child, depth + 1))
    return _UNSAFE_TEXT.search("".join(texts)) is None


def unsafe_text(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    bad = _UNSAFE_TEXT.search(value)
    if bad is None:
        return None
    if bad.group() == "\x00":
        return f"contains a NUL character at character {bad.start()}"
    return f"contains an unpaired surrogate (invalid Unicode) at character {bad.start()}"
