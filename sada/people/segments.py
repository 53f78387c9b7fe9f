"""Segment definitions: strict validation and compilation to one SQL condition on people.

A definition is a tree of groups and conditions (JSON, edited in the builder page and the API):

    {"all": [{"type": "audience", "in": ["customer"]},
             {"any": [{"type": "score", "metric": "nps", "band": "detractor"},
                      {"type": "sentiment", "sentiment": "negative", "op": "gte",
                       "share": 0.5, "days": 90}]}]}

Groups: `{"all": [...]}` (every condition holds) and `{"any": [...]}` (at least one), nested
up to `MAX_DEPTH`. An empty root group matches everyone. Conditions (`type`):

- `trait`: `field` is a person field (`name`, `audience`, `language`, `segment` (the legacy
  label), `created_at`, `updated_at`) or a custom trait `traits.<key>`; `op` is eq, ne,
  contains, in, not_in, exists, not_exists, gt, gte, lt, lte (numbers) or before, after
  (ISO dates; traits stored as ISO text compare as text);
- `audience` / `language`: `in` a list;
- `channel`: used one of the channels `in` a list (in the last `days`, when given);
- `activity`: performed interactions (optionally of `event` type, on `channel`, at the
  journey `touchpoint` key) `op` `count` times in the last `days`;
- `score`: the person's latest rating on a `metric` (nps, enps, csat, ces, stars, scale10) is in
  a `band` (promoter/passive/detractor, or high/mid/low for any metric; thresholds from the
  metric catalogue) and/or between `min` and `max`;
- `sentiment`: the share of their analysed texts of the last `days` with `sentiment`
  (positive, neutral, negative) is `op` `share` (0..1);
- `purchases`: purchases, orders, renewals or subscriptions in the last `days`, `op` `count`;
- `health`: their customer-health band is `in` a list (healthy, watch, at_risk, churned).

This module validates definitions (`validate_definition`, `validate_key`, `validate_names`);
`sada.people.segment_sql.compile_definition` turns a valid one into ONE SQLAlchemy Core
condition over `people`, with correlated EXISTS / scalar subqueries that each start with the
workspace and person (`ix_interactions_ws_person_at`,
`uq_text_analyses_workspace_id_interaction_id`), so counting or listing a segment is one query
on SQLite and PostgreSQL: nobody is filtered in Python.

Layering: people sit below interactions, text and health, so neither module imports them;
`segment_sql` reads their tables by name from the shared metadata (`sada.db.registry`), a
read-only contract on the columns named there (tests/people/test_segments.py covers each).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sada.core.errors import Invalid
from sada.metrics.catalogue import SCALES
from sada.people.models import BUILTIN_AUDIENCES

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_DAYS = 3650
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_TRAIT_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")

CONDITION_TYPES = (
    "trait",
    "audience",
    "language",
    "channel",
    "activity",
    "score",
    "sentiment",
    "purchases",
    "health",
)
TEXT_FIELDS = ("name", "audience", "language", "segment")
DATE_FIELDS = ("created_at", "updated_at")
TEXT_OPS = ("eq", "ne", "contains", "in", "not_in", "exists", "not_exists")
NUMBER_OPS = ("gt", "gte", "lt", "lte")
DATE_OPS = ("before", "after")
TRAIT_OPS = TEXT_OPS + NUMBER_OPS + DATE_OPS
COUNT_OPS = ("gte", "gt", "lte", "lt", "eq")
METRICS = tuple(sorted({s.metric for s in SCALES.values()}))
BANDS = {
    "promoter": "high",
    "passive": "mid",
    "detractor": "low",
    "high": "high",
    "mid": "mid",
    "low": "low",
}
SENTIMENTS = ("positive", "neutral", "negative")
HEALTH_BANDS = ("healthy", "watch", "at_risk", "churned")
# Kept in step with `sada.health.features.MONEY_TYPES` (a higher layer: not importable here).
MONEY_TYPES = ("purchase", "order", "renewal", "subscription")
# Whose ratings and texts speak for the person (`sada.interactions.models.VOICE_ORIGINS`).
VOICE_ORIGINS = ("customer", "import")


# ---------------------------------------------------------------- validation


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []
        self.conditions = 0

    def add(self, path: str, message: str) -> None:
        self.items.append({"path": path, "message": message})


def validate_definition(definition: Any, path: str = "definition") -> dict[str, Any]:
    """The definition if valid; otherwise `Invalid` (422) naming the path of each bad node."""
    errors = _Errors()
    if not isinstance(definition, dict) or not ({"all", "any"} & definition.keys()):
        errors.add(path, 'expected a group: {"all": [...]} or {"any": [...]}')
    else:
        _group(definition, path, 1, errors, root=True)
    if errors.conditions > MAX_CONDITIONS:
        errors.add(path, f"at most {MAX_CONDITIONS} conditions")
    if errors.items:
        first = errors.items[0]
        raise Invalid(f"{first['path']}: {first['message']}", details=errors.items)
    return definition


def _group(node: dict[str, Any], path: str, depth: int, errors: _Errors, root: bool) -> None:
    keys = set(node)
    if len(keys) != 1:
        errors.add(path, "a group has exactly one key: all or any")
        return
    (kind,) = keys
    items = node[kind]
    here = f"{path}.{kind}"
    if depth > MAX_DEPTH:
        errors.add(here, f"groups nest at most {MAX_DEPTH} deep")
        return
    if not isinstance(items, list):
        errors.add(here, "expected a list")
        return
    if not items and not root:
        errors.add(here, "a group needs at least one condition")
    for index, item in enumerate(items):
        _node(item, f"{here}[{index}]", depth, errors)


def _node(item: Any, path: str, depth: int, errors: _Errors) -> None:
    if not isinstance(item, dict):
        errors.add(path, "expected an object")
        return
    if "all" in item or "any" in item:
        _group(item, path, depth + 1, errors, root=False)
        return
    errors.conditions += 1
    kind = item.get("type")
    if kind not in CONDITION_TYPES:
        errors.add(f"{path}.type", f"use one of {', '.join(CONDITION_TYPES)}")
        return
    allowed = _ALLOWED_KEYS[kind]
    for extra in sorted(set(item) - allowed - {"type"}):
        errors.add(f"{path}.{extra}", "unknown key")
    _CHECKS[kind](item, path, errors)


def _strings(
    item: dict[str, Any], key: str, path: str, errors: _Errors, choices: Any = None
) -> None:
    value = item.get(key)
    if not isinstance(value, list) or not value or len(value) > 100:
        errors.add(f"{path}.{key}", "expected a list of 1-100 values")
        return
    for index, one in enumerate(value):
        if not isinstance(one, str) or not one or len(one) > 200:
            errors.add(f"{path}.{key}[{index}]", "expected a text of 1-200 characters")
        elif choices is not None and one not in choices:
            errors.add(f"{path}.{key}[{index}]", f"use one of {', '.join(choices)}")


def _days(item: dict[str, Any], path: str, errors: _Errors, required: bool) -> None:
    if "days" not in item and not required:
        return
    days = item.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        errors.add(f"{path}.days", f"expected a whole number of days, 1-{MAX_DAYS}")


def _count(item: dict[str, Any], path: str, errors: _Errors) -> None:
    if item.get("op", "gte") not in COUNT_OPS:
        errors.add(f"{path}.op", f"use one of {', '.join(COUNT_OPS)}")
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 1_000_000:
        errors.add(f"{path}.count", "expected a whole number, 0 or more")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_trait(item: dict[str, Any], path: str, errors: _Errors) -> None:
    field = item.get("field")
    op = item.get("op", "eq")
    value = item.get("value")
    if not isinstance(field, str):
        errors.add(f"{path}.field", "expected a person field or traits.<key>")
        return
    if field.startswith("traits."):
        if not _TRAIT_KEY.match(field[7:]):
            errors.add(f"{path}.field", "a trait key is 1-64 letters, digits, '_' or '-'")
            return
        ops: tuple[str, ...] = TRAIT_OPS
    elif field in TEXT_FIELDS:
        ops = TEXT_OPS
    elif field in DATE_FIELDS:
        ops = DATE_OPS + ("exists",)
    else:
        fields = ", ".join((*TEXT_FIELDS, *DATE_FIELDS, "traits.<key>"))
        errors.add(f"{path}.field", f"use one of {fields}")
        return
    if op not in ops:
        errors.add(f"{path}.op", f"use one of {', '.join(ops)}")
        return
    if op in ("exists", "not_exists"):
        return
    if op in ("in", "not_in"):
        _strings(item, "value", path, errors)
    elif op in NUMBER_OPS:
        if not _is_number(value):
            errors.add(f"{path}.value", "expected a number")
    elif op in DATE_OPS:
        if parse_date(value) is None:
            errors.add(f"{path}.value", "expected an ISO date (2026-01-31)")
    elif not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
        errors.add(f"{path}.value", "expected a text or a number")
    elif isinstance(value, str) and len(value) > 200:
        errors.add(f"{path}.value", "at most 200 characters")


def _check_in(item: dict[str, Any], path: str, errors: _Errors) -> None:
    _strings(item, "in", path, errors)


def _check_channel(item: dict[str, Any], path: str, errors: _Errors) -> None:
    _strings(item, "in", path, errors)
    _days(item, path, errors, required=False)


def _check_activity(item: dict[str, Any], path: str, errors: _Errors) -> None:
    for key in ("event", "channel", "touchpoint"):
        value = item.get(key)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 100):
            errors.add(f"{path}.{key}", "expected a text of 1-100 characters")
    _days(item, path, errors, required=True)
    _count(item, path, errors)


def _check_score(item: dict[str, Any], path: str, errors: _Errors) -> None:
    if item.get("metric") not in METRICS:
        errors.add(f"{path}.metric", f"use one of {', '.join(METRICS)}")
    band = item.get("band")
    if band is not None and band not in BANDS:
        errors.add(f"{path}.band", f"use one of {', '.join(BANDS)}")
    for key in ("min", "max"):
        if key in item and not _is_number(item[key]):
            errors.add(f"{path}.{key}", "expected a number")
    if band is None and "min" not in item and "max" not in item:
        errors.add(path, "give a band, a min or a max")
    if _is_number(item.get("min")) and _is_number(item.get("max")) and item["min"] > item["max"]:
        errors.add(f"{path}.min", "min is above max")


def _check_sentiment(item: dict[str, Any], path: str, errors: _Errors) -> None:
    if item.get("sentiment") not in SENTIMENTS:
        errors.add(f"{path}.sentiment", f"use one of {', '.join(SENTIMENTS)}")
    if item.get("op", "gte") not in COUNT_OPS:
        errors.add(f"{path}.op", f"use one of {', '.join(COUNT_OPS)}")
    share = item.get("share")
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
        errors.add(f"{path}.share", "expected a share from 0 to 1")
    _days(item, path, errors, required=True)


def _check_purchases(item: dict[str, Any], path: str, errors: _Errors) -> None:
    _days(item, path, errors, required=True)
    _count(item, path, errors)


def _check_health(item: dict[str, Any], path: str, errors: _Errors) -> None:
    _strings(item, "in", path, errors, choices=HEALTH_BANDS)


_CHECKS = {
    "trait": _check_trait,
    "audience": _check_in,
    "language": _check_in,
    "channel": _check_channel,
    "activity": _check_activity,
    "score": _check_score,
    "sentiment": _check_sentiment,
    "purchases": _check_purchases,
    "health": _check_health,
}
_ALLOWED_KEYS: dict[str, set[str]] = {
    "trait": {"field", "op", "value"},
    "audience": {"in"},
    "language": {"in"},
    "channel": {"in", "days"},
    "activity": {"event", "channel", "touchpoint", "days", "op", "count"},
    "score": {"metric", "band", "min", "max"},
    "sentiment": {"sentiment", "op", "share", "days"},
    "purchases": {"days", "op", "count"},
    "health": {"in"},
}


def validate_key(key: Any, path: str = "key") -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        message = "1-64 lower-case letters, digits, '_' or '-', starting with a letter or digit"
        raise Invalid(f"{path}: {message}", details=[{"path": path, "message": message}])
    return key


def validate_names(names: Any, path: str = "names") -> dict[str, str]:
    """{"en": "...", "fa": "..."}: at least one name, languages of the UI only."""
    from_langs = ("en", "ar", "fa", "zh")
    if not isinstance(names, dict) or not names:
        message = "give a name in at least one language (en, ar, fa, zh)"
        raise Invalid(f"{path}: {message}", details=[{"path": path, "message": message}])
    out: dict[str, str] = {}
    for lang, name in names.items():
        if lang not in from_langs:
            message = "use en, ar, fa or zh"
            raise Invalid(
                f"{path}.{lang}: {message}",
                details=[{"path": f"{path}.{lang}", "message": message}],
            )
        if not isinstance(name, str) or len(name.strip()) > 200:
            message = "expected a text of at most 200 characters"
            raise Invalid(
                f"{path}.{lang}: {message}",
                details=[{"path": f"{path}.{lang}", "message": message}],
            )
        if name.strip():
            out[lang] = name.strip()
    if not out:
        message = "give a name in at least one language (en, ar, fa, zh)"
        raise Invalid(f"{path}: {message}", details=[{"path": path, "message": message}])
    return out


def name_in(names: dict[str, str], lang: str, fallback: str = "") -> str:
    """The name in `lang`, else English, else any, else `fallback`."""
    return names.get(lang) or names.get("en") or next(iter(names.values()), fallback) or fallback


def audiences_hint() -> tuple[str, ...]:
    return BUILTIN_AUDIENCES
