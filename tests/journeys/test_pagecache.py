"""The journey pages' cached figures equal a fresh computation, before and after each kind of
write: new interactions, analyses added and changed, a person's language, a merge, an
erasure, a new map version, and a write that commits after the figures were cached."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from sada.db.engine import Database
from sada.journeys import analytics, experience, pagecache, service
from sada.journeys.analytics import EngineChoice
from sada.journeys.columnar import close_stores, reset_copies
from sada.journeys.schemas import JourneyDefinition
from sada.people.models import Person
from sada.text.models import TextAnalysis

from .conftest import T0, Log
from .test_insights import MAP, make_map

SINCE = int((T0 - timedelta(days=1)).timestamp())
UNTIL = int((T0 + timedelta(days=3)).timestamp())
PREVIOUS = (SINCE - 4 * 86400, SINCE)
MAP_KEY = "customer-j"


@pytest.fixture(params=["sql", "duckdb"])
def choice(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> Any:
    yield EngineChoice(
        engine=request.param,
        db=db,
        store_path=tmp_path / "copy.duckdb",
        max_staleness_seconds=3600,  # the cache must not inherit a lagging copy
    )
    close_stores()


def _analyse(db: Database, ws: int, iid: int, sentiment: str) -> None:
    with db.transaction(ws) as s:
        s.add(
            TextAnalysis(
                interaction_id=iid,
                language="en",
                script="Latn",
                sentiment=sentiment,
                topics=[],
                aspects=[],
                text_hash=uuid.uuid4().hex,
                model_version="test",
            )
        )


def _seed(db: Database, ws: int, log: Log) -> dict[str, list[int]]:
    make_map(db, ws, measure="nps")
    people: dict[str, list[int]] = {"fa": [], "en": []}
    for i in range(12):
        for lang, (kind, rating, text) in {
            "fa": ("complaint", 2, "دیر رسید"),
            "en": ("review", 9, "on time"),
        }.items():
            pid = log.person(language=lang)
            people[lang].append(pid)
            ids = log.events(
                pid,
                {"at": 60 * i, "tp": "delivery", "type": kind, "rating": rating, "scale": "nps",
                 "text": text, "conversation": f"c{ws}-{lang}-{i}"},
                {"at": 60 * i + 30, "direction": "outbound", "conversation": f"c{ws}-{lang}-{i}"},
                {"at": 3600 + i, "tp": "support_chat", "type": "message", "text": "help"},
                {"at": -2 * 86400 + i, "tp": "delivery", "type": "review", "rating": 7,
                 "scale": "nps"},
            )  # fmt: skip
            _analyse(db, ws, ids[0], "negative" if lang == "fa" else "positive")
    return people


def _direct(s: Any, choice: EngineChoice, group_by: str | None) -> dict[str, Any]:
    # From scratch on the main database: the kept figures are read from it, whatever the
    # choice (the columnar copy's people sync follows `updated_at`, which a direct update of
    # a person's language below does not move).
    fresh = EngineChoice(engine="sql", db=choice.db, store_path=choice.store_path)
    return {
        "experience": experience.experience(
            s, MAP_KEY, since=SINCE, until=UNTIL, group_by=group_by, choice=fresh
        ),
        "group_by": group_by,
        "before": experience.experience(
            s, MAP_KEY, since=PREVIOUS[0], until=PREVIOUS[1], choice=fresh
        ),
        "funnel": analytics.funnel(
            s,
            MAP_KEY,
            steps=None,
            since=SINCE,
            until=UNTIL,
            window_seconds=pagecache.FUNNEL_WINDOW_SECONDS,
            choice=fresh,
        ),
        "paths": analytics.paths(s, MAP_KEY, since=SINCE, until=UNTIL, choice=fresh),
    }


def _engineless(figures: dict[str, Any]) -> dict[str, Any]:
    out = dict(figures)
    for part in ("funnel", "paths"):
        out[part] = {k: v for k, v in figures[part].items() if k != "engine"}
    return out


def _check(
    db: Database, ws: int, choice: EngineChoice, group_bys: tuple[str | None, ...] = (None,)
) -> dict[str, Any]:
    """Cached figures (asked twice: the second is a hit) equal fresh ones."""
    with db.reader(ws) as s:
        for group_by in group_bys:
            ask = {"since": SINCE, "until": UNTIL, "group_by": group_by}
            before = pagecache.stats()["hits"]
            cached = [
                pagecache.map_figures(s, MAP_KEY, previous=PREVIOUS, choice=choice, **ask)
                for _ in range(2)
            ]
            assert pagecache.stats()["hits"] >= before + 4
            # The kept figures come from the main database whatever the choice (read per person,
            # `sada.journeys.incremental`): the same figures, another engine name.
            assert cached[0] == cached[1]
            assert _engineless(cached[0]) == _engineless(_direct(s, choice, group_by))
            group = None if group_by is None else "fa"
            words = pagecache.verbatims(s, MAP_KEY, "delivery", limit=50, group=group, **ask)
            assert words == experience.verbatims(
                s, MAP_KEY, "delivery", limit=50, group=group, **ask
            )
        return cached[0]


def _delivery(figures: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in figures["experience"]["touchpoints"] if t["touchpoint"] == "delivery")


def test_cached_figures_follow_every_write(
    db: Database, workspace: Any, log: Log, choice: EngineChoice, tmp_path: Path
) -> None:
    ws = workspace.id
    people = _seed(db, ws, log)
    first = _check(db, ws, choice, (None, "language"))
    assert _delivery(first)["volume"] == 24

    # A new interaction (ingest) and its analysis.
    fa = people["fa"][0]
    (iid,) = log.events(
        fa, {"at": 500, "tp": "delivery", "type": "complaint", "rating": 0, "scale": "nps",
             "text": "خراب"},
    )  # fmt: skip
    assert _delivery(_check(db, ws, choice))["volume"] == 25
    _analyse(db, ws, iid, "negative")
    assert _delivery(_check(db, ws, choice))["analyzed"] == 25

    # Re-analysed: the sentiment changes in place.
    with db.transaction(ws) as s:
        s.execute(
            update(TextAnalysis)
            .where(TextAnalysis.interaction_id == iid)
            .values(sentiment="positive")
        )
    negative = _delivery(_check(db, ws, choice))["negative_share"]
    assert negative == pytest.approx(12 / 25)

    # A person's language changes: the grouped cells move.
    with db.transaction(ws) as s:
        s.execute(update(Person).where(Person.id == people["en"][0]).values(language="zh"))
    with db.reader(ws) as s:
        grouped = pagecache.map_figures(
            s, MAP_KEY, since=SINCE, until=UNTIL, group_by="language", choice=choice
        )
    cells = grouped["experience"]["pain_points"] + grouped["experience"]["insufficient_data"]
    assert "zh" in {c["group"] for c in cells}
    _check(db, ws, choice, ("language",))

    # A merge moves interactions to the survivor (paths and funnel per person change).
    from sada.people.merges import do_merge

    with db.transaction(ws) as s:
        do_merge(s, people["fa"][1], people["fa"][2], reason="test")
    merged = _check(db, ws, choice)
    assert merged["paths"]["people"] == first["paths"]["people"] - 1

    # An erasure removes a person and their interactions.
    from sada.privacy.erase import erase

    with db.transaction(ws) as s:
        erase(s, people["en"][1], allow_return=True)
    reset_copies(db, choice.store_path)
    assert _delivery(_check(db, ws, choice))["volume"] == 24

    # A new version of the map (another definition, same data).
    with db.transaction(ws) as s:
        definition = {**MAP, "stages": list(reversed(MAP["stages"]))}
        service.do_new_version(
            s, MAP_KEY, JourneyDefinition.model_validate(definition), author="test"
        )
    changed = _check(db, ws, choice)
    assert [st["stage"] for st in changed["experience"]["stages"]] == ["support", "delivery"]


def test_a_write_committed_after_caching_is_seen(
    db: Database, workspace: Any, log: Log, choice: EngineChoice
) -> None:
    """A writer holds its transaction open while a reader computes and caches figures
    without its rows; once it commits, the next read shows them."""
    ws = workspace.id
    people = _seed(db, ws, log)
    with db.transaction(ws) as writer:
        from sada.interactions.models import Interaction

        writer.add(
            Interaction(
                person_id=people["en"][3],
                occurred_at=T0 + timedelta(seconds=900),
                received_at=T0,
                channel="web",
                direction="inbound",
                type="complaint",
                touchpoint_id=writer.execute(
                    select(Interaction.touchpoint_id).where(Interaction.text == "on time")
                )
                .scalars()
                .first(),
                rating=1,
                rating_scale="nps",
                attributes={},
                source="test",
                external_id=f"late-{uuid.uuid4().hex}",
            )
        )
        writer.flush()
        assert _delivery(_check(db, ws, choice))["volume"] == 24
    assert _delivery(_check(db, ws, choice))["volume"] == 25


def test_map_page_same_html_cached_or_not(
    client: Any, db: Database, workspace: Any, log: Log
) -> None:
    from .test_pages import _sign_in

    _sign_in(client, db, workspace)
    _seed(db, workspace.id, log)
    path = f"/journeys/maps/{MAP_KEY}?from=2024-03-03&to=2024-03-06&compare=previous_period"
    words = f"/journeys/maps/{MAP_KEY}/touchpoints/delivery?from=2024-03-03&to=2024-03-06"
    for url in (path, path + "&group_by=language", words):
        pagecache.clear()
        computed = client.get(url)
        assert computed.status_code == 200
        hits = pagecache.stats()["hits"]
        again = client.get(url)
        assert pagecache.stats()["hits"] > hits
        assert again.text == computed.text
    assert "دیر رسید" in again.text
