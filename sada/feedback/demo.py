"""Demo surveys and responses for `sada demo`.

`seed_demo_surveys(db, workspace_id, rng, people_ids_by_lang, mood, *, responses=20_000,
employee_ids=None, now=None, days=365) -> dict` creates four surveys in en/fa/ar/zh
(relationship NPS, CSAT after support with a CES question, CES after onboarding,
eNPS for employees) and bulk-creates completed responses whose scores follow each
person's `mood` in [-1, 1] (missing: 0). Every response is also an interaction on the
person's timeline (stored as `ingest_batch` stores it, in bulk: the person is known), and
the rollups are filled in one pass.
Returns {"surveys": {kind: id}, "responses": n}.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from sada.db.dialect import chunks, reserve_ids
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.demo.bulk import insert_rows
from sada.feedback import service
from sada.feedback.models import Answer, Response
from sada.feedback.schemas import SurveyIn
from sada.interactions import rollups as interaction_rollups
from sada.interactions.models import Interaction
from sada.interactions.service import TouchpointRegistry, notify_ingested
from sada.metrics import rollups
from sada.people.models import Person

LANGS = ["en", "fa", "ar", "zh"]


def _t(en: str, fa: str, ar: str, zh: str) -> dict[str, str]:
    return {"en": en, "fa": fa, "ar": ar, "zh": zh}


COMMENT_Q = {
    "key": "comment",
    "type": "text",
    "title": _t("Tell us why", "دلیلش را بگویید", "أخبرنا لماذا", "请告诉我们原因"),
}


def _surveys() -> dict[str, dict[str, Any]]:
    thanks = _t("Thank you!", "سپاسگزاریم!", "شكراً لك!", "谢谢！")
    return {
        "nps": {
            "name": "Relationship NPS",
            "kind": "nps",
            "audience": "customer",
            "touchpoint": "relationship",
            "definition": {
                "thank_you": thanks,
                "questions": [
                    {
                        "key": "nps",
                        "type": "nps",
                        "required": True,
                        "title": _t(
                            "How likely are you to recommend us to a friend or colleague?",
                            "چقدر احتمال دارد ما را به دوست یا همکارتان پیشنهاد کنید؟",
                            "ما مدى احتمال أن توصي بنا لصديق أو زميل؟",
                            "您向朋友或同事推荐我们的可能性有多大？",
                        ),
                        "low_label": _t(
                            "Not at all likely", "اصلاً", "غير محتمل إطلاقاً", "完全不可能"
                        ),
                        "high_label": _t("Extremely likely", "خیلی زیاد", "محتمل جداً", "极有可能"),
                    },
                    COMMENT_Q,
                ],
            },
        },
        "csat": {
            "name": "CSAT after support",
            "kind": "csat",
            "audience": "customer",
            "touchpoint": "support",
            "settings": {"ignore_contact_frequency": True},
            "definition": {
                "thank_you": thanks,
                "questions": [
                    {
                        "key": "csat",
                        "type": "csat",
                        "required": True,
                        "title": _t(
                            "How satisfied are you with the help you received?",
                            "از کمکی که دریافت کردید چقدر راضی هستید؟",
                            "ما مدى رضاك عن المساعدة التي تلقيتها؟",
                            "您对获得的帮助满意吗？",
                        ),
                    },
                    {
                        "key": "ces",
                        "type": "ces",
                        "title": _t(
                            "It was easy to get my issue resolved.",
                            "حل مشکلم آسان بود.",
                            "كان من السهل حل مشكلتي.",
                            "我的问题很容易就得到了解决。",
                        ),
                    },
                    COMMENT_Q,
                ],
            },
        },
        "ces": {
            "name": "CES after onboarding",
            "kind": "ces",
            "audience": "customer",
            "touchpoint": "onboarding",
            "definition": {
                "thank_you": thanks,
                "questions": [
                    {
                        "key": "ces",
                        "type": "ces",
                        "required": True,
                        "title": _t(
                            "Getting started with us was easy.",
                            "شروع کار با ما آسان بود.",
                            "كان البدء معنا سهلاً.",
                            "开始使用我们的服务很容易。",
                        ),
                    },
                    COMMENT_Q,
                ],
            },
        },
        "enps": {
            "name": "Employee NPS",
            "kind": "enps",
            "audience": "employee",
            "touchpoint": "workplace",
            "definition": {
                "thank_you": thanks,
                "questions": [
                    {
                        "key": "enps",
                        "type": "enps",
                        "required": True,
                        "title": _t(
                            "How likely are you to recommend us as a place to work?",
                            "چقدر احتمال دارد اینجا را به‌عنوان محل کار پیشنهاد کنید؟",
                            "ما مدى احتمال أن توصي بنا كمكان للعمل؟",
                            "您向他人推荐我们作为工作单位的可能性有多大？",
                        ),
                    },
                    COMMENT_Q,
                ],
            },
        },
    }


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, int(round(value))))


def _scores(kind: str, rng: random.Random, mood: float) -> tuple[dict[str, int], int]:
    """Answers for one respondent and the 0-10 equivalent used for the comment."""
    if kind in ("nps", "enps"):
        score = _clip(rng.gauss(7.2 + 2.6 * mood, 1.7), 0, 10)
        return {kind: score}, score
    if kind == "csat":
        csat = _clip(rng.gauss(3.7 + 1.3 * mood, 0.8), 1, 5)
        ces = _clip(rng.gauss(4.9 + 1.8 * mood, 1.0), 1, 7)
        return {"csat": csat, "ces": ces}, round((csat - 1) * 2.5)
    ces = _clip(rng.gauss(4.8 + 1.9 * mood, 1.1), 1, 7)
    return {"ces": ces}, round((ces - 1) * 10 / 6)


def _comment(rng: random.Random, language: str, score: int) -> str | None:
    try:
        from sada.demo.content import make_survey_comment
    except ImportError:  # pragma: no cover - the demo content module is optional
        return None
    try:
        return make_survey_comment(rng, language, score)
    except (KeyError, ValueError):
        return None


_ZONES = {"fa": "Asia/Tehran", "ar": "Asia/Riyadh", "zh": "Asia/Shanghai", "en": "Europe/London"}


def _daytime(at: datetime, lang: str, rng: random.Random) -> datetime:
    """People answer surveys in their daytime: a night-time answer moves to the same day."""
    local = at.astimezone(ZoneInfo(_ZONES.get(lang, "UTC")))
    if local.hour < 7:
        local = local.replace(hour=rng.randint(8, 22), minute=rng.randint(0, 59))
    return local.astimezone(UTC)


def seed_demo_surveys(
    db: Database,
    workspace_id: int,
    rng: random.Random,
    people_ids_by_lang: dict[str, list[int]],
    mood: dict[int, float],
    *,
    responses: int = 20_000,
    employee_ids: list[int] | None = None,
    now: datetime | None = None,
    days: int = 365,
    count_interaction_rollups: bool = True,
) -> dict[str, Any]:
    """`count_interaction_rollups=False`: leave the interaction rollups to the caller (the
    full demo builds them all once at the end)."""
    now = now or datetime.now(UTC)
    specs = _surveys()
    survey_ids: dict[str, int] = {}
    with db.transaction(workspace_id) as session:
        for kind, spec in specs.items():
            data = SurveyIn.model_validate({**spec, "default_language": "en", "languages": LANGS})
            survey_ids[kind] = service.do_create_survey(session, data).id
    all_people = [(lang, pid) for lang, ids in people_ids_by_lang.items() for pid in ids]
    if not all_people:
        return {"surveys": survey_ids, "responses": 0}
    employees = set(employee_ids or [])
    customers = [p for p in all_people if p[1] not in employees] or all_people
    staff = [p for p in all_people if p[1] in employees]
    lang_of = {pid: lang for lang, pid in all_people}
    weights = {"nps": 0.45, "csat": 0.35, "ces": 0.2}
    plan: list[tuple[str, str, int]] = []  # kind, language, person
    for _ in range(responses):
        if staff and rng.random() < 0.05:
            lang, pid = rng.choice(staff)
            plan.append(("enps", lang, pid))
        else:
            kind = rng.choices(list(weights), list(weights.values()))[0]
            lang, pid = rng.choice(customers)
            plan.append((kind, lang_of[pid] if lang_of[pid] in LANGS else "en", pid))
    if not staff:  # an eNPS survey with a few answers still shows how it works
        for lang, pid in rng.sample(all_people, min(60, len(all_people))):
            plan.append(("enps", lang, pid))

    agents = ["agent1@demo.sada", "agent2@demo.sada", "agent3@demo.sada", "agent4@demo.sada"]
    channels = {"nps": "email", "csat": "chat", "ces": "app", "enps": "email"}
    definitions = {}
    with db.reader(workspace_id) as session:
        for kind, sid in survey_ids.items():
            definitions[kind] = service.definition_of(session, service.access_survey(session, sid))
        profile: dict[int, tuple[str | None, str | None]] = {}
        for part in chunks(sorted({pid for _k, _l, pid in plan}), 900):
            for pid, segment, audience in session.execute(
                select(Person.id, Person.segment, Person.audience).where(Person.id.in_(part))
            ):
                profile[pid] = (segment, audience)
    kind_of = {sid: kind for kind, sid in survey_ids.items()}
    # One transaction; each part's rows are written in bulk with reserved ids: the
    # responses, their answers, and their interactions as `ingest_batch` would store them
    # (same columns and values; the person is known, so no identity lookup), with the
    # history events that queue their analysis.
    with db.transaction(workspace_id) as session:
        touchpoints = TouchpointRegistry(session)
        facts: list[rollups.Facts] = []
        for part in chunks(plan, 2000):
            rows: list[dict[str, Any]] = []
            answers_by_row: list[dict[str, Any]] = []
            for kind, lang, pid in part:
                person = profile.get(pid)
                m = float(mood.get(pid, 0.0))
                scored, score10 = _scores(kind, rng, m)
                answers: dict[str, Any] = dict(scored)
                comment = _comment(rng, lang, score10)
                if comment:
                    answers["comment"] = comment
                # recent months skew a little happier so trends have a shape
                age = rng.random() ** 1.15 * days
                done = _daytime(now - timedelta(days=age, seconds=rng.randrange(86400)), lang, rng)
                if done > now:
                    done = now - timedelta(minutes=rng.randrange(30, 600))
                definition = definitions[kind]
                hidden = {"agent": rng.choice(agents)} if kind == "csat" else {}
                rows.append(
                    {
                        "workspace_id": workspace_id,
                        "survey_id": survey_ids[kind],
                        "version": 1,
                        "person_id": pid if person else None,
                        "status": "completed",
                        "source": "sada",
                        "external_id": uuid.UUID(int=rng.getrandbits(128)).hex,
                        "language": lang,
                        "channel": channels[kind],
                        "touchpoint": specs[kind]["touchpoint"],
                        "segment": person[0] if person else None,
                        "audience": person[1] if person else None,
                        "agent": hidden.get("agent"),
                        "scores": service.metric_scores(definition, answers),
                        "hidden": hidden,
                        "meta": {"demo": True},
                        "started_at": done - timedelta(seconds=rng.randrange(30, 300)),
                        "completed_at": done,
                        "updated_at": done,
                    }
                )
                answers_by_row.append(answers)
            stored = _write_part(
                session, rows, answers_by_row, kind_of, definitions, specs, touchpoints
            )
            if count_interaction_rollups:
                interaction_rollups.count_ingested(
                    session, stored, interaction_rollups.kept_zones(session)
                )
            facts.extend(
                rollups.Facts(
                    survey_id=row["survey_id"],
                    completed_at=row["completed_at"],
                    scores=row["scores"],
                    segment=row["segment"],
                    audience=row["audience"],
                    channel=row["channel"],
                    touchpoint=row["touchpoint"],
                    language=row["language"],
                    agent=row["agent"],
                )
                for row in rows
            )
        rollups.record_many(session, facts)  # once: every part adds to the same months
    return {"surveys": survey_ids, "responses": len(plan)}


def _write_part(
    session: Session,
    rows: list[dict[str, Any]],
    answers_by_row: list[dict[str, Any]],
    kind_of: dict[int, str],
    definitions: dict[str, Any],
    specs: dict[str, dict[str, Any]],
    touchpoints: TouchpointRegistry,
) -> list[dict[str, Any]]:
    """Responses, answers and interactions of one part, in bulk with reserved ids; returns
    the interaction rows (for the write-time rollups)."""
    workspace_id = bound_workspace(session)
    response_ids = reserve_ids(session, cast(Table, Response.__table__), len(rows))
    interaction_ids = reserve_ids(session, cast(Table, Interaction.__table__), len(rows))
    received = utcnow()
    interactions: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for rid, iid, row, answers in zip(
        response_ids, interaction_ids, rows, answers_by_row, strict=True
    ):
        kind = kind_of[row["survey_id"]]
        row["id"] = rid
        row["interaction_id"] = iid
        d = definitions[kind]
        for key, value in answers.items():
            q = d.question(key)
            if q is not None:
                answer_rows.append(service.answer_row(workspace_id, rid, q, value))
        rating, scale = _rating(kind, row["scores"])
        interactions.append(
            {
                "id": iid,
                "workspace_id": workspace_id,
                "person_id": row["person_id"],
                "anonymous_id": None,
                "occurred_at": row["completed_at"],
                "received_at": received,
                "channel": "survey",
                "touchpoint_id": touchpoints.id_for(row["touchpoint"]),
                "direction": "inbound",
                "type": "survey_response",
                "subject": specs[kind]["name"],
                "text": answers.get("comment"),
                "language": row["language"],
                "rating": rating,
                "rating_scale": scale,
                "agent_id": None,
                "conversation_id": None,
                "attributes": {
                    "survey_id": row["survey_id"],
                    "survey_kind": kind,
                    "response_id": rid,
                    "scores": row["scores"],
                },
                "source": "survey:sada",
                "external_id": f"{row['survey_id']}:{row['external_id']}",
                "origin": "customer",
                # Demo history: it feeds metrics but opens no case and sends nothing.
                "backfill": True,
            }
        )
    # The interactions first: each response points at its own.
    insert_rows(session, cast(Table, Interaction.__table__), interactions)
    insert_rows(session, cast(Table, Response.__table__), rows)
    insert_rows(session, cast(Table, Answer.__table__), answer_rows)
    notify_ingested(session, interaction_ids, live=False)
    return interactions


def _rating(kind: str, scores: dict[str, Any]) -> tuple[float | None, str | None]:
    if kind in ("nps", "enps"):
        return float(scores[kind][0]), kind
    if kind == "csat":
        return float(scores["csat"][0]), "csat5"
    return float(scores["ces"][0]), "ces7"
