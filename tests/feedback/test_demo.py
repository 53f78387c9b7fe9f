"""Demo survey seeding: four surveys, four languages, scores following mood, fast."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from sada.feedback.demo import seed_demo_surveys
from sada.feedback.models import Response
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.metrics import rollups
from sada.metrics.service import MetricFilter, summarize

LANGS = ["en", "fa", "ar", "zh"]


def test_seed_demo_surveys(sqlite_db, make_workspace):  # type: ignore[no-untyped-def]
    db = sqlite_db
    ws = make_workspace(db)
    items = [
        {
            "source": "crm",
            "external_id": f"p{i}",
            "occurred_at": "2026-01-01T00:00:00Z",
            "channel": "email",
            "type": "signup",
            "direction": "inbound",
            "person": {
                "email": f"p{i}@demo.example",
                "audience": "employee" if i % 20 == 0 else "customer",
                "traits": {"language": LANGS[i % 4], "segment": "gold" if i % 3 else "silver"},
            },
        }
        for i in range(400)
    ]
    with db.transaction(ws.id) as s:
        results = ingest_batch(s, items)
    people = [(LANGS[i % 4], r.person_id) for i, r in enumerate(results)]
    by_lang: dict[str, list[int]] = {}
    for lang, pid in people:
        by_lang.setdefault(lang, []).append(pid)
    rng = random.Random(7)
    mood = {pid: (1.0 if i % 2 else -1.0) for i, (_l, pid) in enumerate(people)}
    employees = [pid for i, (_l, pid) in enumerate(people) if i % 20 == 0]
    # Its cost is measured by bench/demo_seed.py (a wall-clock bound here failed under load).
    out = seed_demo_surveys(db, ws.id, rng, by_lang, mood, responses=3000, employee_ids=employees)
    assert out["responses"] == 3000 and set(out["surveys"]) == {"nps", "csat", "ces", "enps"}
    with db.reader(ws.id) as s:
        langs = dict(
            s.execute(select(Response.language, func.count()).group_by(Response.language)).all()
        )
        assert set(langs) == set(LANGS)
        n_inter = s.execute(
            select(func.count())
            .select_from(Interaction)
            .where(Interaction.type == "survey_response")
        ).scalar_one()
        assert n_inter == 3000
        assert rollups.stored(s) == rollups.recompute(s)
        happy = MetricFilter("nps", [out["surveys"]["nps"]])
        rows = s.execute(
            select(Response.person_id, Response.scores).where(
                Response.survey_id == out["surveys"]["nps"]
            )
        ).all()
        good = [sc["nps"][0] for pid, sc in rows if mood[pid] > 0]
        bad = [sc["nps"][0] for pid, sc in rows if mood[pid] < 0]
        assert sum(good) / len(good) > sum(bad) / len(bad) + 3
        assert summarize(s, happy, by="month")["n"] == len(rows)
        enps = summarize(s, MetricFilter("enps"))
        assert enps["n"] > 0
