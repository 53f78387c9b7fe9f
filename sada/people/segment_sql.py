"""Segment definitions compiled to SQL: one condition on `people` that a valid definition means.

- `compile_definition(definition, *, workspace_id, now, dialect, plan) -> ColumnElement[bool]`
- `matching(definition, *, workspace_id, now, dialect, plan)`: SELECT people.id of the live
  people of the workspace it matches
- `Compiler`: one method per condition type; `plan` says how behaviour and feedback
  conditions read the interaction log (`per_person` probes, or one `set` pass)
- `table_named(name)`: a table of a higher domain, read by name from the shared metadata

Each condition is a correlated EXISTS / scalar subquery that starts with the workspace and
person (`ix_interactions_ws_person_at`, `uq_text_analyses_workspace_id_interaction_id`), so
counting or listing a segment is one query on SQLite and PostgreSQL. The definition language
and its validation are in `sada.people.segments`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from sada.metrics.catalogue import SCALES
from sada.people.models import Person
from sada.people.segments import (
    BANDS,
    DATE_FIELDS,
    DATE_OPS,
    MONEY_TYPES,
    NUMBER_OPS,
    TEXT_FIELDS,
    VOICE_ORIGINS,
    parse_date,
)


def table_named(name: str) -> Table:
    import sada.db.registry  # noqa: F401 - loads every domain's tables into the metadata
    from sada.db.base import Base

    return Base.metadata.tables[name]


PLANS = ("per_person", "set")


class Compiler:
    """Compiles valid definitions for one workspace, at one moment, for one SQL dialect.

    `plan` says how behaviour and feedback conditions read the log (the same people either way):

    - `per_person`: correlated subqueries probing `ix_interactions_ws_person_at` for each
      person: cheap when few people are evaluated (membership updates after events, a chunk);
    - `set`: `people.id IN (one pass over the period's rows, grouped by person)`: cheap when
      everyone is evaluated (previews and counts: a correlated probe per person cost seconds
      at 20k people).
    """

    def __init__(
        self, workspace_id: int, now: datetime, dialect: str, plan: str = "per_person"
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"plan is one of {PLANS}")
        self.ws = workspace_id
        self.now = now
        self.pg = dialect == "postgresql"
        self.set_based = plan == "set"

    def compile(self, definition: dict[str, Any]) -> ColumnElement[bool]:
        return self._node(definition)

    def _node(self, node: dict[str, Any]) -> ColumnElement[bool]:
        if "all" in node:
            parts = [self._node(n) for n in node["all"]]
            return and_(true(), *parts) if parts else true()
        if "any" in node:
            parts = [self._node(n) for n in node["any"]]
            return or_(false(), *parts) if parts else false()
        return getattr(self, f"_{node['type']}")(node)

    # -- people's own fields

    def _trait(self, c: dict[str, Any]) -> ColumnElement[bool]:
        field: str = c["field"]
        op = c.get("op", "eq")
        value = c.get("value")
        if field in DATE_FIELDS:
            column: Any = getattr(Person, field)
            if op == "exists":
                return column.is_not(None)
            when = parse_date(value)
            return column < when if op == "before" else column >= when
        if field in TEXT_FIELDS:
            text: Any = getattr(Person, field)
        else:
            key = field[7:]
            text = Person.traits[key].as_string()
            if op in NUMBER_OPS:
                number = self._trait_number(key)
                return _compare(number, op, value)
            if op in DATE_OPS:
                when = parse_date(value)
                assert when is not None
                stamp = (
                    when.date().isoformat()
                    if when.time() == datetime.min.time()
                    else when.isoformat()
                )
                return text < stamp if op == "before" else text >= stamp
        return _text_compare(text, op, value)

    def _trait_number(self, key: str) -> Any:
        if self.pg:
            raw = Person.traits[key]
            return case((func.jsonb_typeof(raw) == "number", raw.as_float()), else_=None)
        path = f'$."{key}"'
        return case(
            (
                func.json_type(Person.traits, path).in_(("integer", "real")),
                func.json_extract(Person.traits, path),
            ),
            else_=None,
        )

    def _audience(self, c: dict[str, Any]) -> ColumnElement[bool]:
        return Person.audience.in_(c["in"])

    def _language(self, c: dict[str, Any]) -> ColumnElement[bool]:
        return Person.language.in_(c["in"])

    # -- behaviour

    def _interactions(self) -> Any:
        return table_named("interactions").alias()

    def _since(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def _own(self, i: Any) -> list[Any]:
        if self.set_based:  # every person's rows at once (NULL ids never match anyone)
            return [i.c.workspace_id == self.ws, i.c.person_id.is_not(None)]
        return [i.c.workspace_id == self.ws, i.c.person_id == Person.id]

    def _channel(self, c: dict[str, Any]) -> ColumnElement[bool]:
        i = self._interactions()
        where = [*self._own(i), i.c.channel.in_(c["in"])]
        if c.get("days"):
            where.append(i.c.occurred_at >= self._since(c["days"]))
        if self.set_based:
            return Person.id.in_(select(i.c.person_id).where(*where))
        return exists(select(literal(1)).select_from(i).where(*where))

    def _counted(self, i: Any, where: list[Any], op: str, count: int) -> ColumnElement[bool]:
        """`op count` on how many rows of `i` match, as EXISTS where that says the same."""
        if self.set_based:
            # People with at least one row, grouped once; people without any have 0, so
            # when 0 satisfies the condition the answer is "not among those who fail it".
            rows = func.count()
            holds_at_zero = _holds(0, op, count)
            having = _compare(rows, op, count)
            having = not_(having) if holds_at_zero else having
            people = select(i.c.person_id).where(*where).group_by(i.c.person_id).having(having)
            return Person.id.not_in(people) if holds_at_zero else Person.id.in_(people)
        probe = exists(select(literal(1)).select_from(i).where(*where))
        if (op == "gte" and count <= 1) or (op == "gt" and count == 0):
            return probe if count > 0 or op == "gt" else true()
        if (
            (op == "eq" and count == 0)
            or (op == "lt" and count == 1)
            or (op == "lte" and count == 0)
        ):
            return not_(probe)
        n = select(func.count()).select_from(i).where(*where).scalar_subquery()
        return _compare(n, op, count)

    def _activity(self, c: dict[str, Any]) -> ColumnElement[bool]:
        i = self._interactions()
        where = [*self._own(i), i.c.occurred_at >= self._since(c["days"])]
        if c.get("event"):
            where.append(i.c.type == c["event"])
        if c.get("channel"):
            where.append(i.c.channel == c["channel"])
        if c.get("touchpoint"):
            t = table_named("touchpoints")
            where.append(
                i.c.touchpoint_id.in_(
                    select(t.c.id).where(t.c.workspace_id == self.ws, t.c.key == c["touchpoint"])
                )
            )
        return self._counted(i, where, c.get("op", "gte"), int(c.get("count", 1)))

    def _purchases(self, c: dict[str, Any]) -> ColumnElement[bool]:
        i = self._interactions()
        where = [
            *self._own(i),
            i.c.occurred_at >= self._since(c["days"]),
            i.c.type.in_(MONEY_TYPES),
        ]
        return self._counted(i, where, c.get("op", "gte"), int(c.get("count", 1)))

    # -- feedback

    def _score(self, c: dict[str, Any]) -> ColumnElement[bool]:
        scales = [s for s in SCALES.values() if s.metric == c["metric"]]
        i = self._interactions()
        if self.set_based:
            return self._score_set(c, scales)
        latest = (
            select(i.c.id)
            .where(
                *self._own(i),
                i.c.rating_scale.in_([s.key for s in scales]),
                i.c.rating.is_not(None),
                i.c.origin.in_(VOICE_ORIGINS),
            )
            .order_by(i.c.occurred_at.desc(), i.c.id.desc())
            .limit(1)
            .correlate(Person)
            .scalar_subquery()
        )
        last = self._interactions()
        where: list[Any] = [last.c.id == latest]
        band = BANDS.get(c.get("band") or "")
        if band:
            where.append(
                or_(*[_in_band(last.c.rating, last.c.rating_scale, s, band) for s in scales])
            )
        if "min" in c:
            where.append(last.c.rating >= c["min"])
        if "max" in c:
            where.append(last.c.rating <= c["max"])
        return exists(select(literal(1)).select_from(last).where(*where))

    def _score_set(self, c: dict[str, Any], scales: list[Any]) -> ColumnElement[bool]:
        """The latest rating per person in one pass: ranked by time (then id), newest first."""
        i = self._interactions()
        ranked = (
            select(
                i.c.person_id.label("pid"),
                i.c.rating.label("rating"),
                i.c.rating_scale.label("scale"),
                func.row_number()
                .over(partition_by=i.c.person_id, order_by=(i.c.occurred_at.desc(), i.c.id.desc()))
                .label("rn"),
            )
            .where(
                *self._own(i),
                i.c.rating_scale.in_([s.key for s in scales]),
                i.c.rating.is_not(None),
                i.c.origin.in_(VOICE_ORIGINS),
            )
            .subquery()
        )
        where: list[Any] = [ranked.c.rn == 1]
        band = BANDS.get(c.get("band") or "")
        if band:
            where.append(or_(*[_in_band(ranked.c.rating, ranked.c.scale, s, band) for s in scales]))
        if "min" in c:
            where.append(ranked.c.rating >= c["min"])
        if "max" in c:
            where.append(ranked.c.rating <= c["max"])
        return Person.id.in_(select(ranked.c.pid).where(*where))

    def _sentiment(self, c: dict[str, Any]) -> ColumnElement[bool]:
        i = self._interactions()
        ta = table_named("text_analyses").alias()
        share_of = func.avg(case((ta.c.sentiment == c["sentiment"], 1.0), else_=0.0))
        rows = (
            select(share_of if not self.set_based else i.c.person_id)
            .select_from(i.join(ta, and_(ta.c.interaction_id == i.c.id)))
            .where(
                *self._own(i),
                ta.c.workspace_id == self.ws,
                i.c.occurred_at >= self._since(c["days"]),
                i.c.origin.in_(VOICE_ORIGINS),
            )
        )
        if self.set_based:
            # People without analysed texts have no share (NULL): never matched, as below.
            having = _compare(share_of, c.get("op", "gte"), float(c["share"]))
            return Person.id.in_(rows.group_by(i.c.person_id).having(having))
        return _compare(rows.scalar_subquery(), c.get("op", "gte"), float(c["share"]))

    def _health(self, c: dict[str, Any]) -> ColumnElement[bool]:
        h = table_named("health_scores").alias()
        return exists(
            select(literal(1))
            .select_from(h)
            .where(h.c.workspace_id == self.ws, h.c.person_id == Person.id, h.c.band.in_(c["in"]))
        )


def _in_band(rating: Any, scale: Any, s: Any, band: str) -> ColumnElement[bool]:
    if band == "high":
        cond = rating >= s.high_band_min
    elif band == "low":
        cond = rating <= s.low_band_max
    else:
        cond = and_(rating > s.low_band_max, rating < s.high_band_min)
    return and_(scale == s.key, cond)


def _holds(left: float, op: str, value: float) -> bool:
    """`_compare` on plain numbers."""
    return {
        "gt": left > value,
        "gte": left >= value,
        "lt": left < value,
        "lte": left <= value,
    }.get(op, left == value)


def _compare(left: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "gt":
        return left > value
    if op == "gte":
        return left >= value
    if op == "lt":
        return left < value
    if op == "lte":
        return left <= value
    return left == value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "exists":
        return column.is_not(None)
    if op == "not_exists":
        return column.is_(None)
    if op == "in":
        return column.in_([str(v) for v in value])
    if op == "not_in":
        return or_(column.is_(None), column.not_in([str(v) for v in value]))
    if op == "contains":
        pattern = f"%{_escape_like(str(value).lower())}%"
        return func.lower(column).like(pattern, escape="\\")
    if op == "ne":
        return or_(column.is_(None), column != str(value))
    return column == str(value)


def compile_definition(
    definition: dict[str, Any],
    *,
    workspace_id: int,
    now: datetime,
    dialect: str,
    plan: str = "per_person",
) -> ColumnElement[bool]:
    """The condition on `people` that a valid definition means (the language is described in
    `sada.people.segments`; `plan`: see `Compiler`)."""
    return Compiler(workspace_id, now, dialect, plan).compile(definition)


def matching(
    definition: dict[str, Any],
    *,
    workspace_id: int,
    now: datetime,
    dialect: str,
    plan: str = "per_person",
) -> Any:
    """SELECT people.id of the live (unmerged) people of the workspace the definition matches."""
    condition = compile_definition(
        definition, workspace_id=workspace_id, now=now, dialect=dialect, plan=plan
    )
    return select(Person.id).where(
        Person.workspace_id == workspace_id, Person.merged_into_id.is_(None), condition
    )
