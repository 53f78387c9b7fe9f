"""Rollups maintained incrementally always equal a recomputation from raw responses.

Random workspaces (time zones with odd offsets and DST), random responses arriving
in random order with completion times spread over a year (late arrivals land on
their own local day), random updates and deletes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sada.feedback import service
from sada.feedback.models import Response
from sada.metrics import rollups
from sada.metrics.service import MetricFilter, summarize
from sada.tenants.service import do_create_workspace
from tests.feedback.factories import csat_survey, nps_survey

ZONES = [
    "UTC",
    "Asia/Tehran",
    "America/Los_Angeles",
    "Asia/Shanghai",
    "Pacific/Chatham",
    "America/St_Johns",
]
BASE = datetime(2026, 3, 1, tzinfo=UTC)

create = st.tuples(
    st.just("create"),
    st.integers(0, 1),  # survey
    st.integers(0, 10),  # score
    st.integers(-400 * 24 * 60, 60 * 24 * 60),  # minutes from BASE (late arrivals: the past)
    st.sampled_from([None, "gold", "silver"]),
    st.sampled_from(["en", "fa", "zh"]),
)
change = st.tuples(st.sampled_from(["update", "delete"]), st.integers(0, 50), st.integers(0, 10))
ops_strategy = st.lists(st.one_of(create, create, change), min_size=1, max_size=14)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(zone=st.sampled_from(ZONES), ops=ops_strategy)
def test_rollups_equal_recomputation(sqlite_db, zone, ops):  # type: ignore[no-untyped-def]
    db = sqlite_db
    with db.transaction() as s:
        ws = do_create_workspace(s, f"prop-{uuid.uuid4().hex[:10]}", timezone=zone)
    with db.transaction(ws.id) as s:
        surveys = [
            service.do_create_survey(s, nps_survey()),
            service.do_create_survey(s, csat_survey()),
        ]
    live: list[int] = []
    for op in ops:
        with db.transaction(ws.id) as s:
            if op[0] == "create":
                _, which, score, minutes, segment, lang = op
                survey = service.access_survey(s, surveys[which].id)
                answers = (
                    {"nps": score}
                    if which == 0
                    else {"csat": max(1, score // 2), "ces": max(1, min(7, score))}
                )
                record = service.ExternalRecord(
                    source="prop",
                    external_id=uuid.uuid4().hex,
                    answers=answers,
                    submitted_at=BASE + timedelta(minutes=minutes),
                    language=lang,
                    hidden={"segment": segment} if segment else {},
                )
                assert service.do_import_response(s, survey, record) == "imported"
                rid = s.execute(
                    select(Response.id).where(Response.external_id == record.external_id)
                ).scalar_one()
                live.append(rid)
            elif live:
                _, index, score = op
                rid = live[index % len(live)]
                if op[0] == "delete":
                    service.do_delete_response(s, rid)
                    live.remove(rid)
                else:
                    r = service.access_response(s, rid)
                    answers = (
                        {"nps": score}
                        if r.survey_id == surveys[0].id
                        else {"csat": max(1, score // 2)}
                    )
                    service.do_update_answers(s, rid, answers)
    with db.reader(ws.id) as s:
        assert rollups.stored(s) == rollups.recompute(s)
        for metric, group in (("nps", "segment"), ("csat", "language"), ("ces", None)):
            f = MetricFilter(metric=metric)
            fast = summarize(s, f, by="week", group=group, source="rollup")
            slow = summarize(s, f, by="week", group=group, source="raw")
            fast.pop("source"), slow.pop("source")
            assert fast == slow
