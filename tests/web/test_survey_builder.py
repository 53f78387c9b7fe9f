"""Survey builder: extra questions in four languages, display logic, errors on the page, editing."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import csrf_of

LANGS = ("en", "ar", "fa", "zh")


def _form(csrf: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf": csrf,
        "name": "Delivery survey",
        "kind": "nps",
        "default_language": "en",
        "languages": list(LANGS),
        "q1_en": "How likely are you to recommend us?",
        "q1_ar": "ما مدى احتمال أن توصي بنا؟",
        "q1_fa": "چقدر احتمال دارد ما را پیشنهاد کنید؟",
        "q1_zh": "您向朋友推荐我们的可能性有多大？",
        "q2_en": "Why?",
        "thanks_en": "Thank you!",
    }
    data.update(extra)
    return data


CHOICE = {
    "x0_type": "single_choice",
    "x0_max_score": "۶",  # Persian digits are read as 6
    "x0_label_en": "What went wrong?",
    "x0_label_ar": "ما الذي حدث؟",
    "x0_label_fa": "چه مشکلی پیش آمد؟",
    "x0_label_zh": "出了什么问题？",
    "x0_options_en": "Late\nDamaged\n",
    "x0_options_ar": "متأخر\nتالف",
    "x0_options_fa": "دیر رسید\nآسیب دیده بود",
    "x0_options_zh": "迟到\n损坏",
}


def _survey(db: Any, workspace: Any, survey_id: int) -> tuple[Any, Any]:
    from sada.feedback import service

    with db.reader(workspace.id) as session:
        survey = service.access_survey(session, survey_id)
        definition = service.definition_of(session, survey)
        session.expunge(survey)
    return survey, definition


def _created_id(response: Any) -> int:
    assert response.status_code == 303, response.text[:2000]
    match = re.search(r"/surveys/(\d+)$", response.headers["location"])
    assert match
    return int(match.group(1))


def test_builder_stores_a_single_choice_question_in_four_languages_with_display_logic(
    db: Any, workspace: Any, login: Any
) -> None:
    client = login("owner")
    page = client.get("/surveys/new")
    assert page.status_code == 200
    # "Add a question" comes back with an empty block, nothing saved yet.
    added = client.post("/surveys/new", data=_form(csrf_of(page.text), op="add"))
    assert added.status_code == 200
    assert 'name="x0_type"' in added.text and 'name="x0_options_fa"' in added.text
    response = client.post(
        "/surveys/new", data=_form(csrf_of(page.text), **CHOICE), follow_redirects=False
    )
    survey, definition = _survey(db, workspace, _created_id(response))
    assert survey.languages == list(LANGS)
    keys = [q.key for q in definition.questions]
    assert keys[:2] == ["score", "comment"] and len(keys) == 3
    q = definition.questions[2]
    assert q.type == "single_choice"
    assert q.title == {lang: CHOICE[f"x0_label_{lang}"] for lang in LANGS}
    assert [c.label for c in q.choices] == [
        {"en": "Late", "ar": "متأخر", "fa": "دیر رسید", "zh": "迟到"},
        {"en": "Damaged", "ar": "تالف", "fa": "آسیب دیده بود", "zh": "损坏"},
    ]
    assert len({c.key for c in q.choices}) == 2
    assert q.show_if is not None
    assert (q.show_if.question, q.show_if.op, q.show_if.value) == ("score", "lte", 6)

    # The display logic works in the feedback service: shown for 3, hidden for 9.
    from sada.feedback import service

    assert q.key in [v.key for v in service.visible_questions(definition, {"score": 3})]
    assert q.key not in [v.key for v in service.visible_questions(definition, {"score": 9})]


def test_builder_shows_clear_problems_instead_of_saving(
    db: Any, workspace: Any, login: Any
) -> None:
    client = login("owner")
    csrf = csrf_of(client.get("/surveys/new?lang=fa").text)
    bad = dict(CHOICE, x0_options_en="", x0_options_fa="")
    response = client.post("/surveys/new?lang=fa", data=_form(csrf, **bad))
    assert response.status_code == 422
    assert "پرسش گزینه‌ای دست‌کم یک گزینه" in response.text
    mismatch = dict(CHOICE, x0_options_zh="迟到\n损坏\n丢失", x0_max_score="11")
    response = client.post("/surveys/new?lang=en", data=_form(csrf, **mismatch))
    assert response.status_code == 422
    assert "中文 has 3 options but the default language has 2" in response.text
    assert "the score limit must be a whole number from 0 to 10" in response.text
    # What was typed comes back, escaped.
    xss = dict(CHOICE, x0_label_en="<script>alert(1)</script>", x0_options_zh="a")
    response = client.post("/surveys/new", data=_form(csrf, **xss))
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    with db.reader(workspace.id) as session:
        from sada.feedback import service

        assert service.list_surveys(session) == []


def test_editing_a_survey_with_a_response_creates_a_new_version(
    db: Any, workspace: Any, login: Any
) -> None:
    from sada.feedback import service

    client = login("owner")
    csrf = csrf_of(client.get("/surveys/new").text)
    survey_id = _created_id(
        client.post("/surveys/new", data=_form(csrf, **CHOICE), follow_redirects=False)
    )
    assert f'href="/surveys/{survey_id}/edit"' in client.get(f"/surveys/{survey_id}").text
    # Before any response, an edit changes version 1 in place.
    edit = client.get(f"/surveys/{survey_id}/edit?lang=fa")
    assert edit.status_code == 200
    assert 'value="دیر رسید"' not in edit.text and "دیر رسید\nآسیب دیده بود" in edit.text
    assert 'value="6"' in edit.text and "۰" in edit.text  # preview scale in Persian digits
    survey, definition = _survey(db, workspace, survey_id)
    choice_key = definition.questions[2].key
    with db.transaction(workspace.id) as session:
        s = service.access_survey(session, survey_id)
        service.do_save_response(
            session,
            s,
            {"score": 4, choice_key: definition.questions[2].choices[1].key},
            complete=True,
        )
    form = _form(
        csrf_of(edit.text),
        name="Delivery survey (v2)",
        x0_key=choice_key,
        x0_ckeys=",".join(c.key for c in definition.questions[2].choices),
        x1_type="rating",
        x1_label_en="Rate the courier",
        x1_label_fa="به پیک امتیاز دهید",
        **{k: v for k, v in CHOICE.items()},
    )
    form["x0_options_en"] = "Late\nDamaged\nLost"
    form["x0_options_ar"] = "متأخر\nتالف\nمفقود"
    form["x0_options_fa"] = "دیر رسید\nآسیب دیده بود\nگم شد"
    form["x0_options_zh"] = "迟到\n损坏\n丢失"
    response = client.post(f"/surveys/{survey_id}/edit", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    survey, new = _survey(db, workspace, survey_id)
    assert survey.current_version == 2 and survey.name == "Delivery survey (v2)"
    old = _survey_version(db, workspace, survey_id, 1)
    assert len(old.questions) == 3 and len(new.questions) == 4
    q = new.questions[2]
    assert q.key == choice_key
    assert [c.key for c in q.choices][:2] == [c.key for c in definition.questions[2].choices]
    assert q.choices[2].label == {"en": "Lost", "ar": "مفقود", "fa": "گم شد", "zh": "丢失"}
    rating = new.questions[3]
    assert (rating.type, rating.scale_min, rating.scale_max) == ("rating", 1, 5)
    assert rating.title == {"en": "Rate the courier", "fa": "به پیک امتیاز دهید"}
    # The builder page now shows the new version, with the notice about versions.
    page = client.get(f"/surveys/{survey_id}/edit?lang=en").text
    assert "Rate the courier" in page and "saving changed questions creates a new version" in page


def _survey_version(db: Any, workspace: Any, survey_id: int, version: int) -> Any:
    from sada.feedback import service

    with db.reader(workspace.id) as session:
        return service.definition_of(session, service.access_survey(session, survey_id), version)


def test_a_survey_the_builder_cannot_show_is_refused_not_broken(
    db: Any, workspace: Any, login: Any
) -> None:
    from sada.feedback import service
    from sada.feedback.schemas import SurveyIn

    data = SurveyIn.model_validate(
        {
            "name": "API survey",
            "kind": "nps",
            "definition": {
                "questions": [
                    {"key": "score", "type": "nps", "title": {"en": "Score?"}},
                    {"key": "src", "type": "hidden"},
                ]
            },
        }
    )
    with db.transaction(workspace.id) as session:
        survey_id = service.do_create_survey(session, data).id
    client = login("owner")
    page = client.get(f"/surveys/{survey_id}/edit?lang=en")
    assert 400 <= page.status_code < 500
    assert "only the API can change" in page.text
    csrf = csrf_of(client.get("/surveys/new?lang=en").text)
    response = client.post(f"/surveys/{survey_id}/edit", data=_form(csrf))
    assert 400 <= response.status_code < 500
    with db.reader(workspace.id) as session:
        s = service.access_survey(session, survey_id)
        assert s.name == "API survey" and len(service.definition_of(session, s).questions) == 2
