"""Turn pydantic validation errors into precise {path, message} pairs."""

from __future__ import annotations

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
