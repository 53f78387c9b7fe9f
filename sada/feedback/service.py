"""The feedback domain's service API in one place: `from sada.feedback import service`.

Kept as a re-export facade because some 45 modules, tests and benchmarks call `service.X`;
the code lives in modules by purpose, read top-down:

- `sada.feedback.surveys`: surveys and their versions (create, update, delete, definitions)
- `sada.feedback.answers`: validating, scoring and storing answers
- `sada.feedback.respondents`: who answered (Respondent, the person and their reference)
- `sada.feedback.responses`: saving, importing, correcting, deleting and listing responses
- `sada.feedback.completion`: what completing a response does (interaction, rollups, event)

Invitations, tokens, unsubscribes and the contact-frequency rule live in
`sada.feedback.invitations`.

Service functions take a Session bound to a workspace unless said otherwise; the caller owns
the transaction.
"""

from __future__ import annotations

from sada.feedback.answers import (
    answer_row,
    answers_of,
    metric_scores,
    validate_answers,
    visible_questions,
)
from sada.feedback.respondents import Respondent, person_of, person_ref_for
from sada.feedback.responses import (
    ExternalRecord,
    ResponseQuery,
    access_response,
    do_delete_response,
    do_import_response,
    do_save_response,
    do_update_answers,
    list_responses,
    response_out,
)
from sada.feedback.surveys import (
    access_survey,
    definition_of,
    do_create_survey,
    do_delete_survey,
    do_update_survey,
    list_surveys,
    parse_survey_in,
    response_count,
    survey_by_public_key,
    survey_link,
    survey_out,
)

__all__ = [
    "ExternalRecord",
    "Respondent",
    "ResponseQuery",
    "access_response",
    "access_survey",
    "answer_row",
    "answers_of",
    "definition_of",
    "do_create_survey",
    "do_delete_response",
    "do_delete_survey",
    "do_import_response",
    "do_save_response",
    "do_update_answers",
    "do_update_survey",
    "list_responses",
    "list_surveys",
    "metric_scores",
    "parse_survey_in",
    "person_of",
    "person_ref_for",
    "response_count",
    "response_out",
    "survey_by_public_key",
    "survey_link",
    "survey_out",
    "validate_answers",
    "visible_questions",
]
