"""Public survey pages, the embeddable snippet and the public JSON endpoint.

No login: a survey is reached by its unguessable public key (anonymous link,
snippet) or by a personal invitation token. Pages are self-contained (inline CSS
and a small script, no outside hosts), right-to-left for Arabic and Persian with
scales running in the reading direction, and save partial answers as the
respondent goes. Submissions are rate-limited per IP, and refused when the
hidden honeypot field is filled or the form was sent faster than a person can.

Here are the routes, in order: anonymous link, invitations, unsubscribe, snippet and public
API. Showing and saving the form is `sada.feedback.web_form`; templates and the content policy
`sada.feedback.web_render`; rate limits and form stamps `sada.feedback.web_guard`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.db.types import utcnow
from sada.feedback import i18n, invitations, service
from sada.feedback.models import Invitation
from sada.feedback.models import Response as SurveyResponse
from sada.feedback.schemas import is_rtl
from sada.feedback.web_form import (
    MAX_PUBLIC_BODY,
    choose_language,
    form_page,
    handle_form,
    hidden_from_query,
    invitation_for_token,
    message_page,
    save_body,
    save_json,
    survey_for_key,
)
from sada.feedback.web_guard import check_stamp, form_secret, limit_rate, make_stamp
from sada.feedback.web_render import asset, page_csp, render

router = APIRouter(include_in_schema=False)
public_api = APIRouter(prefix="/api/v1/public", tags=["surveys (public)"])


# ---------------------------------------------------------------- anonymous link


@router.get("/s/{key}", response_class=HTMLResponse)
def survey_page(request: Request, key: str, lang: str | None = None) -> HTMLResponse:
    survey = survey_for_key(request, key)
    if survey is None:
        return message_page(request, None, lang or "en", "not_found", 404)
    chosen = choose_language(request, survey, None, lang)
    if survey.status != "active":
        return message_page(request, survey, chosen, "closed", 410)
    return form_page(
        request,
        survey,
        lang=chosen,
        action=f"/s/{key}",
        save_url=f"/s/{key}/save",
        hidden=hidden_from_query(request, survey),
    )


@router.post("/s/{key}", response_class=HTMLResponse)
async def survey_submit(request: Request, key: str) -> HTMLResponse:
    survey = survey_for_key(request, key)
    if survey is None:
        return message_page(request, None, "en", "not_found", 404)
    limit_rate(request, "submit")
    form = await request.form()
    lang = i18n.best_language(
        [form.get("lang") if isinstance(form.get("lang"), str) else None],  # type: ignore[list-item]
        survey.languages,
        survey.default_language,
    )
    return handle_form(request, survey, form, lang, invitation=None)


@router.post("/s/{key}/save")
async def survey_save(request: Request, key: str) -> JSONResponse:
    survey = survey_for_key(request, key)
    if survey is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such survey"}}, 404)
    return await save_json(request, survey, None)


# ---------------------------------------------------------------- invitations


@router.get("/s/i/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
    invitation, survey = invitation_for_token(request, token)
    if invitation is None or survey is None:
        return message_page(request, None, lang or "en", "not_found", 404)
    chosen = choose_language(request, survey, invitation, lang)
    if invitation.completed_at is not None:
        return message_page(request, survey, chosen, "already", 200)
    if invitation.expires_at < utcnow():
        return message_page(request, survey, chosen, "expired", 410)
    if survey.status != "active":
        return message_page(request, survey, chosen, "closed", 410)
    db = request.app.state.services.db
    answers: dict[str, Any] = {}
    version = None
    with db.transaction(survey.workspace_id) as session:
        inv = session.get(Invitation, invitation.id)
        if inv is not None and inv.opened_at is None:
            inv.opened_at = utcnow()
        partial = session.execute(
            select(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id)
        ).scalar_one_or_none()
        if partial is not None:
            answers = service.answers_of(session, partial.id)
            version = partial.version
    return form_page(
        request,
        survey,
        lang=chosen,
        action=f"/s/i/{token}",
        save_url=f"/s/i/{token}/save",
        answers=answers,
        version=version,
    )


@router.post("/s/i/{token}", response_class=HTMLResponse)
async def invitation_submit(request: Request, token: str) -> HTMLResponse:
    invitation, survey = invitation_for_token(request, token)
    if invitation is None or survey is None:
        return message_page(request, None, "en", "not_found", 404)
    limit_rate(request, "submit")
    form = await request.form()
    lang = choose_language(
        request,
        survey,
        invitation,
        form.get("lang") if isinstance(form.get("lang"), str) else None,  # type: ignore[arg-type]
    )
    if invitation.completed_at is not None:
        return message_page(request, survey, lang, "already", 409)
    if invitation.expires_at < utcnow():
        return message_page(request, survey, lang, "expired", 410)
    return handle_form(request, survey, form, lang, invitation=invitation)


@router.post("/s/i/{token}/save")
async def invitation_save(request: Request, token: str) -> JSONResponse:
    invitation, survey = invitation_for_token(request, token)
    if invitation is None or survey is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such invitation"}}, 404)
    return await save_json(request, survey, invitation)


# ---------------------------------------------------------------- unsubscribe


def _unsubscribe_target(request: Request, token: str) -> Invitation | None:
    with request.app.state.services.db.reader() as session:
        return invitations.invitation_by_unsubscribe_token(session, form_secret(request), token)


@router.get("/s/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    invitation = _unsubscribe_target(request, token)
    if invitation is None:
        return message_page(request, None, "en", "not_found", 404)
    lang = invitation.language or "en"
    return HTMLResponse(
        render("unsubscribe.html", lang=lang, email=invitation.email, done=False),
        headers={"Content-Security-Policy": page_csp(asset("survey.css"))},
    )


@router.post("/s/u/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """Also the RFC 8058 one-click target of the List-Unsubscribe header."""
    invitation = _unsubscribe_target(request, token)
    if invitation is None:
        return message_page(request, None, "en", "not_found", 404)
    if invitation.email:
        with request.app.state.services.db.transaction(invitation.workspace_id) as session:
            invitations.do_unsubscribe(session, invitation.email)
    lang = invitation.language or "en"
    return HTMLResponse(
        render("unsubscribe.html", lang=lang, email=invitation.email, done=True),
        headers={"Content-Security-Policy": page_csp(asset("survey.css"))},
    )


# ---------------------------------------------------------------- snippet and public API


SNIPPET = """(function(){var s=document.currentScript,base=%(base)s,key=%(key)s;
var box=document.createElement("div");box.setAttribute("role","dialog");box.setAttribute("aria-label","Survey");
box.style.cssText="position:fixed;bottom:1rem;inset-inline-end:1rem;width:min(24rem,calc(100vw - 2rem));height:min(34rem,80vh);box-shadow:0 4px 24px rgba(0,0,0,.25);border-radius:.6rem;overflow:hidden;background:#fff;z-index:2147483000";
var close=document.createElement("button");close.type="button";close.textContent="\\u00d7";close.setAttribute("aria-label","Close");
close.style.cssText="position:absolute;top:.25rem;inset-inline-end:.25rem;border:0;background:transparent;font-size:1.5rem;cursor:pointer";
close.onclick=function(){box.remove()};
var f=document.createElement("iframe");f.title="Survey";f.style.cssText="border:0;width:100%%;height:100%%";
var q="?embed=1",lang=(s&&s.getAttribute("data-lang"))||document.documentElement.lang;if(lang)q+="&lang="+encodeURIComponent(lang);
var tp=s&&s.getAttribute("data-touchpoint");if(tp)q+="&touchpoint="+encodeURIComponent(tp);
f.src=base+"/s/"+key+q;box.appendChild(f);box.appendChild(close);
function show(){document.body.appendChild(box)}if(document.readyState=="loading")document.addEventListener("DOMContentLoaded",show);else show();})();
"""


@router.get("/s/{key}/embed.js")
def snippet(request: Request, key: str) -> Response:
    """`<script src="https://sada.example/s/KEY/embed.js" data-lang="fa" async></script>`"""
    survey = survey_for_key(request, key)
    if survey is None:
        return Response("/* unknown survey */", status_code=404, media_type="text/javascript")
    base = request.app.state.services.settings.base_url.rstrip("/")
    body = SNIPPET % {"base": json.dumps(base), "key": json.dumps(survey.public_key)}
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@public_api.get("/surveys/{key}")
def public_survey(request: Request, key: str, lang: str | None = None) -> JSONResponse:
    """The survey's questions in one language and a form stamp, for apps and widgets."""
    survey = survey_for_key(request, key)
    if survey is None or survey.status != "active":
        return JSONResponse({"error": {"code": "not_found", "message": "no such survey"}}, 404)
    chosen = choose_language(request, survey, None, lang)
    with request.app.state.services.db.reader(survey.workspace_id) as session:
        d = service.definition_of(session, survey)
    default = survey.default_language
    questions = [
        {
            "key": q.key,
            "type": q.type,
            "title": q.text("title", chosen, default),
            "required": q.required,
            "scale": [q.scale_min, q.scale_max] if q.is_scale else None,
            "low_label": q.text("low_label", chosen, default),
            "high_label": q.text("high_label", chosen, default),
            "choices": [
                {"key": c.key, "label": c.label.get(chosen) or c.label.get(default) or c.key}
                for c in q.choices
            ],
            "show_if": q.show_if.model_dump() if q.show_if else None,
        }
        for q in d.questions
        if q.type != "hidden"
    ]
    return JSONResponse(
        {
            "language": chosen,
            "dir": "rtl" if is_rtl(chosen) else "ltr",
            "languages": survey.languages,
            "questions": questions,
            "stamp": make_stamp(form_secret(request), survey.public_key),
            "honeypot_field": "website",
        },
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )


@public_api.post("/surveys/{key}/responses")
async def public_submit(request: Request, key: str) -> JSONResponse:
    """Answers from a widget or app: {answers, stamp, complete, lang, hidden, resume, website}."""
    survey = survey_for_key(request, key)
    if survey is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such survey"}}, 404)
    limit_rate(request, "submit")
    body = await read_json_body(request, MAX_PUBLIC_BODY)
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        raise Invalid('expected {"answers": {...}, "stamp": "..."}')
    if body.get("website"):  # honeypot
        return JSONResponse({"status": "completed"}, headers={"Access-Control-Allow-Origin": "*"})
    settings = request.app.state.services.settings
    complete = body.get("complete", True) is not False
    fid = check_stamp(
        form_secret(request),
        survey.public_key,
        body.get("stamp"),
        settings.survey_min_seconds if complete else 0,
    )
    out = save_body(request, survey, body, complete=complete, invitation=None, form=fid)
    return JSONResponse(out, headers={"Access-Control-Allow-Origin": "*"})


router.include_router(public_api)
