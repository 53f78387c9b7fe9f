"""The follow-up survey after a case opened from a low score is resolved, and the recovered rate."""

from __future__ import annotations

import uuid

from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.cases import followup
from sada.cases.models import Case, CaseEvent
from sada.cases.service import do_create_case, do_update_case
from sada.feedback import followup as sending
from sada.feedback import service as surveys
from sada.feedback.invitations import do_create_invitations
from sada.feedback.models import Invitation
from sada.feedback.schemas import Recipient
from sada.jobs.models import Job
from tests.cases.test_workspace import _member
from tests.feedback.factories import csat_survey, nps_survey
from tests.web.conftest import csrf_of, sign_in


def _answer(db, ws_id, survey_id, invitation_id, answers):
    with db.transaction(ws_id) as session:
        survey = surveys.access_survey(session, survey_id)
        invitation = session.get(Invitation, invitation_id)
        response, _ = surveys.do_save_response(
            session, survey, answers, complete=True, invitation=invitation
        )
        return response.interaction_id


def _low_score_case(db, ws_id, survey_id, owner_id, answers, *, email=None):
    """A customer answers `answers` on an invitation; a case is opened from that response."""
    email = email or f"cust-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        survey = surveys.access_survey(session, survey_id)
        (out,) = do_create_invitations(
            session,
            survey,
            [Recipient(email=email)],
            secret="s" * 32,
            base_url="http://127.0.0.1",
            send_email=False,
        )
    interaction_id = _answer(db, ws_id, survey_id, out.id, answers)
    with db.transaction(ws_id) as session:
        case = do_create_case(
            session,
            title="Follow up",
            person_id=out.person_id,
            owner_id=owner_id,
            interaction_ids=[interaction_id],
        )
        return case.id


def _resolve(db, ws_id, case_id, *, contacted=True):
    with db.transaction(ws_id) as session:
        do_update_case(
            session,
            case_id,
            {"contacted": contacted, "resolution": "Refunded", "status": "resolved"},
        )


def _case(db, ws_id, case_id):
    with db.reader(ws_id) as session:
        return session.get(Case, case_id)


def test_followup_survey_once_per_resolved_low_score_case(db, workspace, smtp):
    from sada.automation.models import Rule

    owner, _ = _member(db, workspace.id)
    with db.transaction(workspace.id) as session:
        survey_id = surveys.do_create_survey(
            session, nps_survey(settings={"ignore_contact_frequency": True})
        ).id
        # A rule on case changes (never matching), so that each case event published records
        # a job to count below (subscribers with nothing to do get none).
        session.add(
            Rule(
                name="watch cases",
                triggers=["case.changed"],
                conditions=[{"field": "case.priority", "op": "eq", "value": "none"}],
                actions=[{"type": "tag", "tags": ["x"]}],
            )
        )
    # Off by default: resolving sends nothing.
    assert not _setting(db, workspace.id)
    quiet = _low_score_case(db, workspace.id, survey_id, owner, {"nps": 2})
    _resolve(db, workspace.id, quiet)
    drain_jobs(db, workspace.id)
    assert _case(db, workspace.id, quiet).followup_invitation_id is None

    with db.transaction(workspace.id) as session:
        sending.do_set_setting(session, enabled=True)
    detractor = _low_score_case(db, workspace.id, survey_id, owner, {"nps": 3})
    promoter = _low_score_case(db, workspace.id, survey_id, owner, {"nps": 9})
    not_contacted = _low_score_case(db, workspace.id, survey_id, owner, {"nps": 1})
    _resolve(db, workspace.id, detractor)
    _resolve(db, workspace.id, promoter)
    _resolve(db, workspace.id, not_contacted, contacted=False)
    drain_jobs(db, workspace.id)
    # Reopened and resolved again: still one follow-up.
    with db.transaction(workspace.id) as session:
        do_update_case(session, detractor, {"status": "open"})
    _resolve(db, workspace.id, detractor)
    drain_jobs(db, workspace.id)

    case = _case(db, workspace.id, detractor)
    assert case.followup_invitation_id is not None
    assert _case(db, workspace.id, promoter).followup_invitation_id is None
    assert _case(db, workspace.id, not_contacted).followup_invitation_id is None
    with db.reader(workspace.id) as session:
        sent = (
            session.execute(select(Invitation).where(Invitation.dedupe_key.is_not(None)))
            .scalars()
            .all()
        )
    assert [i.id for i in sent] == [case.followup_invitation_id]
    (invitation,) = sent
    assert invitation.survey_id == survey_id  # the same survey that gave the low score
    assert invitation.status == "sent" and invitation.channel == "email"
    assert invitation.hidden["case_id"] == str(detractor)
    assert len(smtp.wait(1)) == 1  # through the survey invitation email

    # The customer answers 8: out of the detractor band, recovered.
    _answer(db, workspace.id, survey_id, invitation.id, {"nps": 8})
    drain_jobs(db, workspace.id)
    case = _case(db, workspace.id, detractor)
    assert case.followup_score == 8 and case.followup_scale == "nps"
    assert case.recovered is True and case.followup_at is not None
    with db.reader(workspace.id) as session:
        events = {
            (p.get("event"), p.get("event_id"))
            for p in session.execute(select(Job.payload).where(Job.workspace_id == workspace.id))
            .scalars()
            .all()
        }
        kinds = [
            e.kind
            for e in session.execute(
                select(CaseEvent).where(CaseEvent.case_id == detractor)
            ).scalars()
        ]
    assert [e for e, _ in events].count("case.followup_received") == 1  # one event, n jobs
    assert "followup_requested" in kinds and "followup_answered" in kinds

    with db.reader(workspace.id) as session:
        rates = followup.recovery(session)
    assert rates[owner]["n"] == 1 and rates[owner]["recovered"] == 1
    assert rates[owner]["rate"] == 100.0 and rates[owner]["low_sample"] is True
    assert 0 < rates[owner]["ci_low"] < 100 and rates[owner]["ci_high"] == 100.0


def _setting(db, ws_id):
    with db.reader(ws_id) as session:
        return sending.read_setting(session)


def test_csat_followup_not_recovered_and_throttled_followup_recorded(db, workspace, smtp):
    owner, _ = _member(db, workspace.id)
    with db.transaction(workspace.id) as session:
        sending.do_set_setting(session, enabled=True)
        free = surveys.do_create_survey(
            session, csat_survey(settings={"ignore_contact_frequency": True})
        ).id
        ruled = surveys.do_create_survey(session, nps_survey()).id
    # CSAT 2 of 5 is low; the follow-up answer 3 stays below the top-2-box: not recovered.
    low = _low_score_case(db, workspace.id, free, owner, {"csat": 2})
    _resolve(db, workspace.id, low)
    drain_jobs(db, workspace.id)
    invitation_id = _case(db, workspace.id, low).followup_invitation_id
    assert invitation_id is not None
    _answer(db, workspace.id, free, invitation_id, {"csat": 3})
    drain_jobs(db, workspace.id)
    case = _case(db, workspace.id, low)
    assert case.followup_score == 3 and case.recovered is False
    # Under the contact-frequency rule the customer surveyed days ago is not asked again: the
    # follow-up is recorded as throttled (with why), never sent.
    throttled = _low_score_case(db, workspace.id, ruled, owner, {"nps": 4})
    _resolve(db, workspace.id, throttled)
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        row = session.get(Invitation, _case(db, workspace.id, throttled).followup_invitation_id)
        assert row.status == "throttled" and "contact frequency" in row.reason
    assert followup.is_recovered("nps", 7) and not followup.is_recovered("nps", 6)
    assert followup.is_recovered("csat5", 4) and not followup.is_recovered("csat5", 3)
    assert followup.is_recovered("csat7", 6) and not followup.is_recovered("csat7", 5)


def test_recovered_rate_on_cases_and_performance_pages_with_drill_down(db, workspace, client, smtp):
    from sada.tenants.service import do_add_member, do_create_user

    with db.transaction(workspace.id) as session:
        user = do_create_user(
            session, f"m-{uuid.uuid4().hex[:6]}@example.com", "correct horse battery", name="مدیر"
        )
        do_add_member(session, user, "manager")
        manager_email = user.email
    owner, _ = _member(db, workspace.id, name="Parisa Owner")
    with db.transaction(workspace.id) as session:
        survey_id = surveys.do_create_survey(
            session, nps_survey(settings={"ignore_contact_frequency": True})
        ).id
    sign_in(client, manager_email)
    page = client.get("/settings/case-followup?lang=fa")
    assert page.status_code == 200 and 'id="followup-setting"' in page.text
    assert 'name="enabled" value="1">' in page.text  # off by default
    ok = client.post(
        "/settings/case-followup",
        data={"enabled": "1", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and _setting(db, workspace.id)
    assert 'name="enabled" value="1" checked' in client.get("/settings/case-followup").text
    ids = []
    for first, second in ((2, 9), (5, 4)):
        case_id = _low_score_case(db, workspace.id, survey_id, owner, {"nps": first})
        _resolve(db, workspace.id, case_id)
        drain_jobs(db, workspace.id)
        _answer(
            db,
            workspace.id,
            survey_id,
            _case(db, workspace.id, case_id).followup_invitation_id,
            {"nps": second},
        )
        drain_jobs(db, workspace.id)
        ids.append(case_id)
    case_page = client.get(f"/cases/{ids[0]}?lang=ar")
    assert case_page.status_code == 200
    shown = case_page.text[case_page.text.index('id="followup"') :]
    assert "9" in shown[: shown.index("</dd>")]
    history = case_page.text[case_page.text.index('id="history"') :]
    assert "followup_" not in history and "follow-up" not in history
    r = client.get("/cases?lang=en")
    assert r.status_code == 200
    table = r.text[r.text.index('id="recovery-by-owner"') :]
    table = table[: table.index("</table>")]
    row = table[table.index(f'data-owner="{owner}"') :]
    assert "Parisa Owner" in row and "50%" in row and "1 of 2" in row
    assert f"/cases?owner={owner}&amp;followup=recovered" in row
    drill = client.get(f"/cases?owner={owner}&followup=recovered")
    listed = drill.text[drill.text.index('id="cases"') :]
    assert f"/cases/{ids[0]}" in listed and f"/cases/{ids[1]}" not in listed
    answered = client.get(f"/cases?owner={owner}&followup=answered").text
    answered = answered[answered.index('id="cases"') :]
    assert f"/cases/{ids[0]}" in answered and f"/cases/{ids[1]}" in answered
    perf = client.get("/performance?period=7d&lang=fa")
    assert perf.status_code == 200
    cell = perf.text[perf.text.index(f'data-recovered="{owner}"') :]
    cell = cell[: cell.index("</td>")]
    assert "followup=answered" in cell and "owner=" in cell and "50%" in cell and "تعداد" in cell
    link = cell[cell.index('href="') + 6 : cell.index('" data-drill')].replace("&amp;", "&")
    behind = client.get(link).text
    behind = behind[behind.index('id="cases"') :]
    assert f"/cases/{ids[0]}" in behind and f"/cases/{ids[1]}" in behind
