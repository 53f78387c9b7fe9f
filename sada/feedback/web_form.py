"""The public survey form: find the survey, show it, and save what the respondent sends.

- `survey_for_key` / `invitation_for_token`: the survey behind a public key or an invitation
- `choose_language(request, survey, invitation, asked)`: the language the form is shown in
- `form_page(request, survey, *, lang, action, save_url, ...)`: the form (with errors, answers)
- `message_page(request, survey, lang, key, status)`: thanks, closed, expired, not found ...
- `handle_form(request, survey, form, lang, *, invitation)`: a posted HTML form
- `save_json(request, survey, invitation)`: the page's autosave and script submit
- `save_body(request, survey, body, *, complete, invitation, form)`: answers sent as JSON
  (autosave, widgets and apps), saved through `submit_answers`

The routes are in `sada.feedback.web`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

from sada.core.errors import Conflict, Invalid, SadaError
from sada.core.http import read_json_body
from sada.feedback import i18n, invitations, service
from sada.feedback.models import Invitation, Survey
from sada.feedback.schemas import SurveyDefinition
from sada.feedback.web_guard import TooFast, check_stamp, form_secret, limit_rate, make_stamp
from sada.feedback.web_render import asset, page_csp, render

MAX_PUBLIC_BODY = 128 * 1024


def survey_for_key(request: Request, key: str) -> Survey | None:
    with request.app.state.services.db.reader() as session:
        return service.survey_by_public_key(session, key)


def invitation_for_token(request: Request, token: str) -> tuple[Invitation | None, Survey | None]:
    db = request.app.state.services.db
    with db.reader() as session:
        invitation = invitations.invitation_by_token(session, token)
    if invitation is None:
        return None, None
    with db.reader(invitation.workspace_id) as session:
        return invitation, service.access_survey(session, invitation.survey_id)


def _person_language(request: Request, workspace_id: int, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    with request.app.state.services.db.reader(workspace_id) as session:
        person = service.person_of(session, person_id)
        return person.language if person else None


def choose_language(
    request: Request, survey: Survey, invitation: Invitation | None, asked: str | None
) -> str:
    candidates: list[str | None] = [asked]
    if invitation is not None:
        candidates.append(invitation.language)
        candidates.append(_person_language(request, survey.workspace_id, invitation.person_id))
    candidates.extend(i18n.accept_language(request.headers.get("accept-language")))
    return i18n.best_language(candidates, survey.languages, survey.default_language)


# ---------------------------------------------------------------- page


def form_page(
    request: Request,
    survey: Survey,
    *,
    lang: str,
    action: str,
    save_url: str,
    answers: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    hidden: dict[str, str] | None = None,
    resume: str = "",
    message: str | None = None,
    status: int = 200,
    version: int | None = None,
) -> HTMLResponse:
    answers = answers or {}
    errors = errors or {}
    default = survey.default_language
    with request.app.state.services.db.reader(survey.workspace_id) as session:
        definition: SurveyDefinition = service.definition_of(session, survey, version)
    visible = {q.key for q in service.visible_questions(definition, answers)}
    questions = []
    for q in definition.questions:
        if q.type == "hidden":
            continue
        entry: dict[str, Any] = {
            "key": q.key,
            "title": q.text("title", lang, default),
            "description": q.text("description", lang, default),
            "required": q.required,
            "visible": q.key in visible,
            "show_if": json.dumps(q.show_if.model_dump(), ensure_ascii=False) if q.show_if else "",
            "error": errors.get(q.key),
            "multi": q.type == "multiple_choice",
            "value": answers.get(q.key),
        }
        if q.is_scale:
            entry["points"] = [
                {"value": v, "label": i18n.digits(lang, v), "checked": answers.get(q.key) == v}
                for v in range(q.scale_min or 0, (q.scale_max or 0) + 1)
            ]
            entry["low"] = q.text("low_label", lang, default)
            entry["high"] = q.text("high_label", lang, default)
        elif q.choices:
            chosen = answers.get(q.key)
            chosen = chosen if isinstance(chosen, list) else [chosen]
            entry["options"] = [
                {
                    "value": c.key,
                    "label": c.label.get(lang) or c.label.get(default) or c.key,
                    "checked": c.key in chosen,
                }
                for c in q.choices
            ]
        questions.append(entry)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    switch_url = "?" + "".join(f"{k}={v}&" for k, v in query.items())
    html = render(
        "survey.html",
        lang=lang,
        title=survey.name,
        intro=definition.intro.get(lang) or definition.intro.get(default) or "",
        languages=[(code, i18n.LANGUAGE_NAMES.get(code, code)) for code in survey.languages],
        switch_url=switch_url,
        message=message,
        form_error=form_error,
        action=action,
        save_url=save_url,
        stamp=make_stamp(form_secret(request), survey.public_key),
        resume=resume,
        hidden=hidden or {},
        questions=questions,
        js=asset("survey.js"),
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": page_csp(asset("survey.css"), asset("survey.js")),
            "Referrer-Policy": "no-referrer",
        },
    )


def message_page(
    request: Request, survey: Survey | None, lang: str, key: str, status: int
) -> HTMLResponse:
    html = render(
        "survey.html",
        lang=lang,
        title=survey.name if survey else "Sada",
        languages=[],
        message=(
            _thank_you(request, survey, lang) if key == "thanks" and survey else i18n.t(lang, key)
        ),
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": page_csp(asset("survey.css")),
        },
    )


def _thank_you(request: Request, survey: Survey, lang: str) -> str:
    with request.app.state.services.db.reader(survey.workspace_id) as session:
        d = service.definition_of(session, survey)
    return (
        d.thank_you.get(lang) or d.thank_you.get(survey.default_language) or i18n.t(lang, "thanks")
    )


def hidden_from_query(request: Request, survey: Survey) -> dict[str, str]:
    with request.app.state.services.db.reader(survey.workspace_id) as session:
        d = service.definition_of(session, survey)
    keys = {q.key for q in d.questions if q.type == "hidden"} | {
        "touchpoint",
        "channel",
        "agent",
        "segment",
    }
    return {k: v[:500] for k, v in request.query_params.items() if k in keys}


def _form_answers(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    answers: dict[str, Any] = {}
    hidden: dict[str, str] = {}
    for key in set(form.keys()):
        if key.startswith("q_"):
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            answers[key[2:]] = values if len(values) > 1 else (values[0] if values else None)
        elif key.startswith("h_"):
            value = form.get(key)
            if isinstance(value, str):
                hidden[key[2:]] = value[:500]
    return answers, hidden


def _normalize_multi(survey: Survey, request: Request, answers: dict[str, Any]) -> dict[str, Any]:
    with request.app.state.services.db.reader(survey.workspace_id) as session:
        d = service.definition_of(session, survey)
    for q in d.questions:
        if q.type == "multiple_choice" and isinstance(answers.get(q.key), str):
            answers[q.key] = [answers[q.key]]
    return answers


def _errors_by_question(exc: SadaError) -> dict[str, str]:
    out = {}
    for d in exc.details if isinstance(exc.details, list) else []:
        path = str(d.get("path", ""))
        if path.startswith("answers."):
            out[path[8:]] = str(d.get("message"))
    return out


def _meta(request: Request) -> dict[str, Any]:
    agent = request.headers.get("user-agent", "")[:300]
    return {"user_agent": agent}


def submit_answers(
    request: Request,
    survey: Survey,
    answers: dict[str, Any],
    *,
    complete: bool,
    invitation: Invitation | None,
    resume: str | None,
    lang: str,
    hidden: dict[str, str],
    channel: str,
    form: str | None = None,
) -> tuple[int, str | None]:
    db = request.app.state.services.db
    with db.transaction(survey.workspace_id) as session:
        fresh = service.access_survey(session, survey.id)
        inv = None
        if invitation is not None:
            inv = session.get(Invitation, invitation.id)
        response, new_resume = service.do_save_response(
            session,
            fresh,
            answers,
            complete=complete,
            invitation=inv,
            resume=resume or None,
            respondent=service.Respondent(
                language=lang, channel=channel, hidden=hidden, meta=_meta(request)
            ),
            form_id=form if invitation is None else None,
        )
        response_id = response.id
    if complete:
        request.app.state.services.wake_jobs()
    return response_id, new_resume


def handle_form(
    request: Request, survey: Survey, form: Any, lang: str, *, invitation: Invitation | None
) -> HTMLResponse:
    answers, hidden = _form_answers(form)
    answers = _normalize_multi(survey, request, answers)
    resume = form.get("resume") if isinstance(form.get("resume"), str) else None
    if invitation is None:
        action, save_url = f"/s/{survey.public_key}", f"/s/{survey.public_key}/save"
    else:
        token = request.path_params["token"]
        action, save_url = f"/s/i/{token}", f"/s/i/{token}/save"
    if form.get("website"):  # honeypot: pretend all is well, store nothing
        return message_page(request, survey, lang, "thanks", 200)
    settings = request.app.state.services.settings
    try:
        fid = check_stamp(
            form_secret(request), survey.public_key, form.get("t"), settings.survey_min_seconds
        )
        submit_answers(
            request,
            survey,
            answers,
            complete=True,
            invitation=invitation,
            resume=resume,
            lang=lang,
            hidden=hidden,
            channel=invitation.channel if invitation else "link",
            form=fid,
        )
    except Conflict:
        return message_page(request, survey, lang, "already", 409)
    except Invalid as exc:  # TooFast is one too: the form again, saying why
        too_fast = isinstance(exc, TooFast)
        return form_page(
            request,
            survey,
            lang=lang,
            action=action,
            save_url=save_url,
            answers=answers,
            errors=None if too_fast else _errors_by_question(exc),
            form_error=i18n.t(lang, "too_fast" if too_fast else "errors"),
            hidden=hidden,
            resume=resume or "",
            status=422,
        )
    return message_page(request, survey, lang, "thanks", 200)


async def save_json(
    request: Request, survey: Survey, invitation: Invitation | None
) -> JSONResponse:
    limit_rate(request, "save")
    body = await read_json_body(request, MAX_PUBLIC_BODY)
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        raise Invalid('expected {"answers": {...}}')
    if body.get("website"):
        return JSONResponse({"status": "ok"})
    settings = request.app.state.services.settings
    fid = check_stamp(form_secret(request), survey.public_key, body.get("t"), 0)
    complete = bool(body.get("complete"))
    if complete:
        check_stamp(
            form_secret(request), survey.public_key, body.get("t"), settings.survey_min_seconds
        )
    return JSONResponse(
        save_body(request, survey, body, complete=complete, invitation=invitation, form=fid)
    )


def save_body(
    request: Request,
    survey: Survey,
    body: dict[str, Any],
    *,
    complete: bool,
    invitation: Invitation | None,
    form: str,
) -> dict[str, Any]:
    """Save answers sent as JSON ({answers, lang, hidden, resume, channel}); returns the reply."""
    lang = i18n.best_language([body.get("lang")], survey.languages, survey.default_language)
    raw_hidden = body.get("hidden")
    hidden: dict[str, Any] = raw_hidden if isinstance(raw_hidden, dict) else {}
    _id, resume = submit_answers(
        request,
        survey,
        body.get("answers") or {},
        complete=complete,
        invitation=invitation,
        resume=body.get("resume") if isinstance(body.get("resume"), str) else None,
        lang=lang,
        hidden={str(k): str(v)[:500] for k, v in hidden.items()},
        channel=invitation.channel if invitation else str(body.get("channel") or "web")[:20],
        form=form,
    )
    out: dict[str, Any] = {"status": "completed" if complete else "saved"}
    if resume:
        out["resume"] = resume
    return out
