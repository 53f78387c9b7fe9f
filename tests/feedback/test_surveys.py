from __future__ import annotations

import pytest
from sqlalchemy import select

from sada.core.errors import Conflict, Invalid
from sada.feedback import service
from sada.feedback.schemas import SurveyIn, SurveyPatch
from sada.interactions.models import Interaction
from sada.people.schemas import PersonRef
from tests.feedback.factories import nps_definition, nps_survey


def test_response_completes_as_interaction_with_rollups(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, nps_survey())
    with db.transaction(workspace.id) as s:
        survey = service.access_survey(s, survey.id)
        resp, resume = service.do_save_response(
            s,
            survey,
            {"nps": 3, "why_low": "دیر رسید"},
            complete=True,
            respondent=service.Respondent(
                language="fa", person_ref=PersonRef(email="a@example.com")
            ),
        )
    with db.reader(workspace.id) as s:
        out = service.response_out(s, service.access_response(s, resp.id))
        assert out.status == "completed"
        assert out.scores == {"nps": [3, 10]}
        assert out.person_id is not None
        inter = s.execute(
            select(Interaction).where(Interaction.id == out.interaction_id)
        ).scalar_one()
        assert inter.type == "survey_response" and inter.channel == "survey"
        assert inter.rating == 3 and inter.rating_scale == "nps"
        assert inter.text == "دیر رسید"
        assert inter.person_id == out.person_id
        from sada.metrics import rollups

        assert rollups.stored(s) == rollups.recompute(s)
        assert len(rollups.stored(s)) == 7


def test_invalid_definitions_are_refused(db, workspace):  # type: ignore[no-untyped-def]
    bad = nps_definition()
    bad["questions"][1]["show_if"] = {"question": "later", "op": "lte", "value": 6}
    bad["questions"][0]["title"].pop("en")
    with db.transaction(workspace.id) as s, pytest.raises(Invalid) as err:
        service.do_create_survey(s, nps_survey(definition=bad))
    text = str(err.value.details)
    assert "default language" in text and "not an earlier question" in text
    with pytest.raises(Exception):
        SurveyIn.model_validate(
            {
                "name": "x",
                "definition": {
                    "questions": [
                        {"key": "q", "type": "csat", "scale_max": 10, "title": {"en": "x"}}
                    ]
                },
            }
        )


def test_answers_out_of_range_and_unknown_are_rejected(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, nps_survey())
        definition = service.definition_of(s, survey)
    for bad in (
        {"nps": 11},
        {"nps": -1},
        {"nps": "7.5"},
        {"nps": True},
        {"nope": 1},
        {"reason": "free"},
    ):
        with pytest.raises(Invalid):
            service.validate_answers(definition, bad, complete=True)
    with pytest.raises(Invalid):
        service.validate_answers(definition, {"reason": "price"}, complete=True)  # nps required
    # Persian digits are accepted; display logic drops answers to hidden questions
    clean = service.validate_answers(definition, {"nps": "۹", "why_low": "x"}, complete=True)
    assert clean == {"nps": 9}


def test_editing_a_survey_with_responses_makes_a_new_version(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, nps_survey())
        # no responses yet: edit in place
        d = nps_definition()
        d["questions"][2]["choices"].append({"key": "speed", "label": {"en": "Speed"}})
        service.do_update_survey(s, survey.id, SurveyPatch.model_validate({"definition": d}))
        assert survey.current_version == 1
        service.do_save_response(s, survey, {"nps": 9, "reason": "speed"}, complete=True)
    with db.transaction(workspace.id) as s:
        d = nps_definition()  # "speed" removed, "reason" now means something else
        d["questions"][2]["choices"] = [{"key": "value", "label": {"en": "Value"}}]
        survey = service.do_update_survey(
            s, survey.id, SurveyPatch.model_validate({"definition": d})
        )
        assert survey.current_version == 2
    with db.reader(workspace.id) as s:
        rows, _ = service.list_responses(s, service.ResponseQuery(survey_id=survey.id))
        out = service.response_out(s, rows[0])
        assert out.version == 1
        assert {a.question: a.value for a in out.answers}["reason"] == "speed"


def test_partial_saves_then_resume_and_complete(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, nps_survey())
        resp, resume = service.do_save_response(s, survey, {"nps": 10}, complete=False)
        assert resp.status == "partial" and resume
    with db.transaction(workspace.id) as s:
        survey = service.access_survey(s, survey.id)
        resp2, _ = service.do_save_response(
            s, survey, {"reason": "service"}, complete=True, resume=resume
        )
        assert resp2.id == resp.id and resp2.status == "completed"
        assert service.answers_of(s, resp.id) == {"nps": 10, "reason": "service"}
    with db.transaction(workspace.id) as s, pytest.raises(Conflict):
        service.do_save_response(
            s, service.access_survey(s, survey.id), {"nps": 1}, complete=True, resume=resume
        )
