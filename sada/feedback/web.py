"""Public survey pages, the embeddable snippet and the public JSON endpoint.

No login: a survey is reached by its unguessable public key (anonymous link,
snippet) or by a personal invitation token. Pages are self-contained (inline CSS
and a small script, no outside hosts), right-to-left for Arabic and Persian with
scales running in the reading direction, and save partial answers as the
respondent goes. Submissions are rate-limited per IP, and refused when the
hidden honeypot field is filled or the form was sent faster than a person can.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from sada.core.errors import Conflict, Invalid, SadaError
from sada.core.http import client_ip, read_json_body
from sada.core.ratelimit import RateLimiter
from sada.db.types import utcnow
from sada.feedback import i18n, invitations, service
from sada.feedback.models import Invitation, Survey
from sada.feedback.models import Response as SurveyResponse
from sada.feedback.schemas import SurveyDefinition, is_rtl

router = APIRouter(include_in_schema=False)
public_api = APIRouter(prefix="/api/v1/public", tags=["surveys (public)"])

HERE = Path(__file__).parent
MAX_PUBLIC_BODY = 128 * 1024


@lru_cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache
@lru_cache
def _asset(name: str) -> str:
    return (HERE / "static" / name).read_text()


def render_text(template: str, context: dict[str, Any]) -> str:
    """Render an email template (HTML ones autoescaped, text ones as is)."""
    env = _env() if template.endswith(".html") else _text_env()
    return env.get_template(template).render(**context)


@lru_cache
def _text_env() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=False)  # noqa: S701 - plain-text mail


def page_csp(css: str = "", js: str = "") -> str:
    """A CSP that allows exactly this page's inline style and script, by hash.

    The public page inlines its small CSS and JS to save round trips on slow
    phones; hashes keep `unsafe-inline` out of the policy.
    """

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    style = f"style-src {digest(css)}" if css else "style-src 'none'"
    script = f"script-src {digest(js)}" if js else "script-src 'none'"
    return (
        f"default-src 'none'; {style}; {script}; connect-src 'self'; form-action 'self'; "
        "frame-ancestors *; img-src 'self' data:; base-uri 'none'"
    )


def render(template: str, **context: Any) -> str:
    lang = context.get("lang", "en")
    context.setdefault("dir", "rtl" if is_rtl(lang) else "ltr")
    context.setdefault("css", _asset("survey.css"))
    context["t"] = lambda key: i18n.t(lang, key)
    return _env().get_template(template).render(**context)


# ---------------------------------------------------------------- protections


def _limiters(request: Request) -> tuple[RateLimiter, RateLimiter]:
    state = request.app.state
    limiters = getattr(state, "survey_limiters", None)
    if limiters is None:
        per_minute = max(1, request.app.state.services.settings.survey_public_per_minute)
        limiters = (
            RateLimiter(per_minute / 60, per_minute),
            RateLimiter(per_minute * 10 / 60, per_minute * 10),  # autosaves are frequent
        )
        state.survey_limiters = limiters
    return limiters


def _limit(request: Request, kind: str) -> None:
    submit, save = _limiters(request)
    (save if kind == "save" else submit).hit(f"ip:{client_ip(request) or '?'}")


def _secret(request: Request) -> str:
    return str(request.app.state.services.settings.secret_key)


def make_stamp(secret: str, key: str, now: float | None = None) -> str:
    """A signed form stamp: when the form was shown, plus a nonce that makes each one unique.

    The stamp is single-use: the response it creates carries `form_id(stamp)` as
    its external id, so a replayed stamp stores nothing (see `do_save_response`).
    """
    ms = str(int((now if now is not None else time.time()) * 1000))
    nonce = secrets.token_hex(8)
    mac = hmac.new(secret.encode(), f"stamp:{key}:{ms}:{nonce}".encode(), hashlib.sha256)
    return f"{ms}.{nonce}.{mac.hexdigest()[:24]}"


def check_stamp(secret: str, key: str, stamp: Any, min_seconds: float) -> str:
    """The form must have been shown by us, at least `min_seconds` ago, within two days.

    Returns the form's id: the key under which its one response is stored.
    """
    if not isinstance(stamp, str) or stamp.count(".") != 2 or len(stamp) > 64:
        raise Invalid("the form is missing its time stamp; reload the page")
    ms, nonce, mac = stamp.split(".")
    expected = hmac.new(
        secret.encode(), f"stamp:{key}:{ms}:{nonce}".encode(), hashlib.sha256
    ).hexdigest()[:24]
    if not ms.isdigit() or not nonce or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise Invalid("the form's time stamp is not valid; reload the page")
    age = time.time() - int(ms) / 1000
    if age < min_seconds:
        raise TooFast("sent too fast")
    if age > 2 * 86400:
        raise Invalid("the form is too old; reload the page")
    return form_id(stamp)


def form_id(stamp: str) -> str:
    """The external id of the one response a form stamp may create."""
    return "form-" + hashlib.sha256(stamp.encode()).hexdigest()[:40]


class TooFast(Invalid):
    code = "too_fast"


# ---------------------------------------------------------------- lookups


def _survey_for_key(request: Request, key: str) -> Survey | None:
    with request.app.state.services.db.reader() as session:
        return service.survey_by_public_key(session, key)


def _invitation(request: Request, token: str) -> tuple[Invitation | None, Survey | None]:
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


def _choose_language(
    request: Request, survey: Survey, invitation: Invitation | None, asked: str | None
) -> str:
    candidates: list[str | None] = [asked]
    if invitation is not None:
        candidates.append(invitation.language)
        candidates.append(_person_language(request, survey.workspace_id, invitation.person_id))
    candidates.extend(i18n.accept_language(request.headers.get("accept-language")))
    return i18n.best_language(candidates, survey.languages, survey.default_language)


# ---------------------------------------------------------------- page


def _page(
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
        stamp=make_stamp(_secret(request), survey.public_key),
        resume=resume,
        hidden=hidden or {},
        questions=questions,
        js=_asset("survey.js"),
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": page_csp(_asset("survey.css"), _asset("survey.js")),
            "Referrer-Policy": "no-referrer",
        },
    )


def _message_page(
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
            "Content-Security-Policy": page_csp(_asset("survey.css")),
        },
    )


def _thank_you(request: Request, survey: Survey, lang: str) -> str:
    with request.app.state.services.db.reader(survey.workspace_id) as session:
        d = service.definition_of(session, survey)
    return (
        d.thank_you.get(lang) or d.thank_you.get(survey.default_language) or i18n.t(lang, "thanks")
    )


def _hidden_from_query(request: Request, survey: Survey) -> dict[str, str]:
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


def _submit(
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


# ---------------------------------------------------------------- anonymous link


@router.get("/s/{key}", response_class=HTMLResponse)
def survey_page(request: Request, key: str, lang: str | None = None) -> HTMLResponse:
    survey = _survey_for_key(request, key)
    if survey is None:
        return _message_page(request, None, lang or "en", "not_found", 404)
    chosen = _choose_language(request, survey, None, lang)
    if survey.status != "active":
        return _message_page(request, survey, chosen, "closed", 410)
    return _page(
        request,
        survey,
        lang=chosen,
        action=f"/s/{key}",
        save_url=f"/s/{key}/save",
        hidden=_hidden_from_query(request, survey),
    )


@router.post("/s/{key}", response_class=HTMLResponse)
async def survey_submit(request: Request, key: str) -> HTMLResponse:
    survey = _survey_for_key(request, key)
    if survey is None:
        return _message_page(request, None, "en", "not_found", 404)
    _limit(request, "submit")
    form = await request.form()
    lang = i18n.best_language(
        [form.get("lang") if isinstance(form.get("lang"), str) else None],  # type: ignore[list-item]
        survey.languages,
        survey.default_language,
    )
    return _handle_form(request, survey, form, lang, invitation=None)


def _handle_form(
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
        return _message_page(request, survey, lang, "thanks", 200)
    settings = request.app.state.services.settings
    try:
        fid = check_stamp(
            _secret(request), survey.public_key, form.get("t"), settings.survey_min_seconds
        )
        _submit(
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
    except TooFast:
        return _page(
            request,
            survey,
            lang=lang,
            action=action,
            save_url=save_url,
            answers=answers,
            form_error=i18n.t(lang, "too_fast"),
            hidden=hidden,
            resume=resume or "",
            status=422,
        )
    except Conflict:
        return _message_page(request, survey, lang, "already", 409)
    except Invalid as exc:
        return _page(
            request,
            survey,
            lang=lang,
            action=action,
            save_url=save_url,
            answers=answers,
            errors=_errors_by_question(exc),
            form_error=i18n.t(lang, "errors"),
            hidden=hidden,
            resume=resume or "",
            status=422,
        )
    return _message_page(request, survey, lang, "thanks", 200)


async def _save_json(
    request: Request, survey: Survey, invitation: Invitation | None
) -> JSONResponse:
    _limit(request, "save")
    body = await read_json_body(request, MAX_PUBLIC_BODY)
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        raise Invalid('expected {"answers": {...}}')
    if body.get("website"):
        return JSONResponse({"status": "ok"})
    settings = request.app.state.services.settings
    fid = check_stamp(_secret(request), survey.public_key, body.get("t"), 0)
    lang = i18n.best_language([body.get("lang")], survey.languages, survey.default_language)
    raw_hidden = body.get("hidden")
    hidden: dict[str, Any] = raw_hidden if isinstance(raw_hidden, dict) else {}
    complete = bool(body.get("complete"))
    if complete:
        check_stamp(_secret(request), survey.public_key, body.get("t"), settings.survey_min_seconds)
    response_id, resume = _submit(
        request,
        survey,
        body.get("answers") or {},
        complete=complete,
        invitation=invitation,
        resume=body.get("resume") if isinstance(body.get("resume"), str) else None,
        lang=lang,
        hidden={str(k): str(v)[:500] for k, v in hidden.items()},
        channel=invitation.channel if invitation else str(body.get("channel") or "web")[:20],
        form=fid,
    )
    out: dict[str, Any] = {"status": "completed" if complete else "saved"}
    if resume:
        out["resume"] = resume
    return JSONResponse(out)


@router.post("/s/{key}/save")
async def survey_save(request: Request, key: str) -> JSONResponse:
    survey = _survey_for_key(request, key)
    if survey is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such survey"}}, 404)
    return await _save_json(request, survey, None)


# ---------------------------------------------------------------- invitations


@router.get("/s/i/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
    invitation, survey = _invitation(request, token)
    if invitation is None or survey is None:
        return _message_page(request, None, lang or "en", "not_found", 404)
    chosen = _choose_language(request, survey, invitation, lang)
    if invitation.completed_at is not None:
        return _message_page(request, survey, chosen, "already", 200)
    if invitation.expires_at < utcnow():
        return _message_page(request, survey, chosen, "expired", 410)
    if survey.status != "active":
        return _message_page(request, survey, chosen, "closed", 410)
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
    return _page(
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
    invitation, survey = _invitation(request, token)
    if invitation is None or survey is None:
        return _message_page(request, None, "en", "not_found", 404)
    _limit(request, "submit")
    form = await request.form()
    lang = _choose_language(
        request,
        survey,
        invitation,
        form.get("lang") if isinstance(form.get("lang"), str) else None,  # type: ignore[arg-type]
    )
    if invitation.completed_at is not None:
        return _message_page(request, survey, lang, "already", 409)
    if invitation.expires_at < utcnow():
        return _message_page(request, survey, lang, "expired", 410)
    return _handle_form(request, survey, form, lang, invitation=invitation)


@router.post("/s/i/{token}/save")
async def invitation_save(request: Request, token: str) -> JSONResponse:
    invitation, survey = _invitation(request, token)
    if invitation is None or survey is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such invitation"}}, 404)
    return await _save_json(request, survey, invitation)


# ---------------------------------------------------------------- unsubscribe


def _unsubscribe_target(request: Request, token: str) -> Invitation | None:
    with request.app.state.services.db.reader() as session:
        return invitations.invitation_by_unsubscribe_token(session, _secret(request), token)


@router.get("/s/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    invitation = _unsubscribe_target(request, token)
    if invitation is None:
        return _message_page(request, None, "en", "not_found", 404)
    lang = invitation.language or "en"
    return HTMLResponse(
        render("unsubscribe.html", lang=lang, email=invitation.email, done=False),
        headers={"Content-Security-Policy": page_csp(_asset("survey.css"))},
    )


@router.post("/s/u/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """Also the RFC 8058 one-click target of the List-Unsubscribe header."""
    invitation = _unsubscribe_target(request, token)
    if invitation is None:
        return _message_page(request, None, "en", "not_found", 404)
    if invitation.email:
        with request.app.state.services.db.transaction(invitation.workspace_id) as session:
            invitations.do_unsubscribe(session, invitation.email)
    lang = invitation.language or "en"
    return HTMLResponse(
        render("unsubscribe.html", lang=lang, email=invitation.email, done=True),
        headers={"Content-Security-Policy": page_csp(_asset("survey.css"))},
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
    survey = _survey_for_key(request, key)
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
    survey = _survey_for_key(request, key)
    if survey is None or survey.status != "active":
        return JSONResponse({"error": {"code": "not_found", "message": "no such survey"}}, 404)
    chosen = _choose_language(request, survey, None, lang)
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
            "stamp": make_stamp(_secret(request), survey.public_key),
            "honeypot_field": "website",
        },
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )


@public_api.post("/surveys/{key}/responses")
async def public_submit(request: Request, key: str) -> JSONResponse:
    """Answers from a widget or app: {answers, stamp, complete, lang, hidden, resume, website}."""
    survey = _survey_for_key(request, key)
    if survey is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such survey"}}, 404)
    _limit(request, "submit")
    body = await read_json_body(request, MAX_PUBLIC_BODY)
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        raise Invalid('expected {"answers": {...}, "stamp": "..."}')
    if body.get("website"):  # honeypot
        return JSONResponse({"status": "completed"}, headers={"Access-Control-Allow-Origin": "*"})
    settings = request.app.state.services.settings
    complete = body.get("complete", True) is not False
    fid = check_stamp(
        _secret(request),
        survey.public_key,
        body.get("stamp"),
        settings.survey_min_seconds if complete else 0,
    )
    lang = i18n.best_language([body.get("lang")], survey.languages, survey.default_language)
    raw_hidden = body.get("hidden")
    hidden: dict[str, Any] = raw_hidden if isinstance(raw_hidden, dict) else {}
    _id, resume = _submit(
        request,
        survey,
        body.get("answers") or {},
        complete=complete,
        invitation=None,
        resume=body.get("resume") if isinstance(body.get("resume"), str) else None,
        lang=lang,
        hidden={str(k): str(v)[:500] for k, v in hidden.items()},
        channel=str(body.get("channel") or "web")[:20],
        form=fid,
    )
    out: dict[str, Any] = {"status": "completed" if complete else "saved"}
    if resume:
        out["resume"] = resume
    return JSONResponse(out, headers={"Access-Control-Allow-Origin": "*"})


router.include_router(public_api)
