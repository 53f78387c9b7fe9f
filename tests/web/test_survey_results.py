"""Survey results that answer questions: score distribution, per-question results for each
question type, the filtered response list with keyset pages, the full response, the period."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sada.feedback import service
from tests.feedback.factories import nps_survey


def _seed(db: Any, workspace: Any) -> int:
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, nps_survey())
    answers = [
        ({"nps": 2, "why_low": "بسته دیر رسید", "reason": "service"}, "fa"),
        ({"nps": 5, "why_low": "too slow", "reason": "price"}, "en"),
        ({"nps": 8, "reason": "price"}, "en"),
        ({"nps": 10, "reason": "service"}, "ar"),
        ({"nps": 10}, "zh"),
    ]
    with db.transaction(workspace.id) as s:
        survey = service.access_survey(s, survey.id)
        for i, (given, language) in enumerate(answers):
            service.do_save_response(
                s,
                survey,
                given,
                complete=True,
                respondent=service.Respondent(language=language, channel="email"),
                now=datetime.now(UTC) - timedelta(hours=i + 1),
            )
    return int(survey.id)


def test_results_show_each_question_and_the_responses_behind_them(
    db: Any, workspace: Any, login: Any
) -> None:
    survey_id = _seed(db, workspace)
    client = login("manager")
    html = client.get(f"/surveys/{survey_id}?period=30d&compare=previous_period").text
    questions = html[html.index('id="h-questions"') : html.index('id="h-responses"')]
    # NPS distribution over 0..10 with the bands, choice counts, text samples.
    nps = questions[questions.index('id="q-nps"') : questions.index('id="q-why_low"')]
    assert re.search(r"<td>10</td>\s*<td>2</td>\s*<td>40%</td>", nps)
    assert re.search(r"<td>0</td>\s*<td>0</td>", nps)  # every scale point shows, even empty
    assert "Low score: 2" in nps and "High score: 2" in nps
    reason = questions[questions.index('id="q-reason"') :]
    assert re.search(r"<bdi>Price</bdi></td>\s*<td>2</td>", reason)
    assert "بسته دیر رسید" in questions and "order_id" not in questions  # hidden fields stay out
    assert "Previous period: no responses" in html
    # The list filters to detractors and opens a full response.
    low = client.get(f"/surveys/{survey_id}?band=low").text
    listing = low[low.index('id="h-responses"') :]
    assert "too slow" in listing and "Older responses" not in listing
    assert listing.count("full response") == 2
    link = re.search(r'href="(/surveys/\d+/responses/\d+)"', listing)
    assert link
    full = client.get(link.group(1) + "?lang=fa")
    assert full.status_code == 200 and 'dir="rtl"' in full.text
    assert "چقدر احتمال دارد" in full.text  # the question in the reader's language
    assert client.get(f"/surveys/{survey_id}/responses/999999999").status_code == 404
    assert client.get(f"/surveys/{survey_id}?band=worst").status_code == 422


def test_response_list_pages_past_the_first_page_with_a_keyset(
    db: Any, workspace: Any, login: Any
) -> None:
    from sada.feedback import results

    survey_id = _seed(db, workspace)
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, survey_id)
        definition = service.definition_of(s, survey)
        rf = results.ResultFilter(language=None)
        first, after = results.list_responses(s, survey, definition, rf, limit=2)
        second, after2 = results.list_responses(s, survey, definition, rf, before=after, limit=2)
        third, after3 = results.list_responses(s, survey, definition, rf, before=after2, limit=2)
    ids = [r.id for r in first + second + third]
    assert len(ids) == 5 == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert after3 is None
    html = login("manager").get(f"/surveys/{survey_id}?language=en").text
    assert html[html.index('id="h-responses"') :].count("full response") == 2
