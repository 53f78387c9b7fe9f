"""Survey targeting by segment: the API, the distribution page (form post) and the rules it keeps
(consent and opt-outs on the chosen channel, contact frequency, once per person, language)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.feedback import invitations, service
from sada.feedback.models import Invitation
from sada.jobs.models import Job
from sada.people import consent, membership
from sada.people.models import Person
from sada.tenants.models import Workspace
from tests.automation.sada_test_servers import drain_jobs
from tests.feedback.factories import nps_survey
from tests.people.test_segments import _ingest, _item
from tests.web.conftest import csrf_of


def _people(db: Database, ws: int) -> dict[str, int]:
    """Five gold-plan people (segment `gold`) and one silver person outside it."""
    tag = uuid.uuid4().hex[:6]
    ids: dict[str, int] = {}
    for name, plan, language in (
        ("fa", "gold", "fa"),
        ("zh", "gold", "zh"),
        ("de", "gold", "de"),  # a language the survey lacks: its default
        ("optout", "gold", "en"),
        ("withdrawn", "gold", "ar"),
        ("silver", "silver", "en"),
    ):
        stored = _ingest(
            db,
            ws,
            [
                _item(
                    "",
                    1,
                    person={
                        "email": f"{name}-{tag}@example.com",
                        "name": f"{name} {tag}",
                        "traits": {"plan": plan},
                    },
                )
            ],
        )
        ids[name] = stored[0].person_id
        with db.transaction(ws) as session:
            session.get(Person, ids[name]).language = language
    with db.transaction(ws) as session:
        consent.opt_out(session, ids["optout"], "email", "STOP reply")
        consent.record(
            session, ids["withdrawn"], "email", "surveys", granted=False, source="preferences"
        )
        membership.save_segment(
            session,
            key="gold",
            names={"en": "Gold plan", "fa": "طرح طلایی"},
            definition={
                "all": [{"type": "trait", "field": "traits.plan", "op": "eq", "value": "gold"}]
            },
            create=True,
        )
    drain_jobs(db, ws, kinds=["segments.refresh"])
    return ids


def _survey(db: Database, ws: int) -> int:
    with db.transaction(ws) as session:
        survey = service.do_create_survey(session, nps_survey(languages=["en", "fa", "zh", "ar"]))
        survey.settings = {**(survey.settings or {}), "ignore_contact_frequency": True}
        return survey.id


def _invitations(db: Database, ws: int, survey_id: int) -> list[Invitation]:
    with db.reader(ws) as session:
        rows = list(
            session.execute(select(Invitation).where(Invitation.survey_id == survey_id)).scalars()
        )
        session.expunge_all()
        return rows


def test_api_sends_to_consenting_members_once_in_their_language(
    db: Database, workspace: Workspace, client: Any, api_headers: dict[str, str]
) -> None:
    ids = _people(db, workspace.id)
    survey_id = _survey(db, workspace.id)
    url = f"/api/v1/surveys/{survey_id}/segment-invitations"

    first = client.post(url, json={"segment": "gold", "channel": "email"}, headers=api_headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["members"] == 5 and body["invited"] == 3 and body["already_invited"] == 0
    assert body["skipped"] == {"opted out": 1, "withdrawn": 1}

    rows = _invitations(db, workspace.id, survey_id)
    pending = {r.person_id: r for r in rows if r.status == "pending"}
    assert set(pending) == {ids["fa"], ids["zh"], ids["de"]}
    assert pending[ids["fa"]].language == "fa" and pending[ids["zh"]].language == "zh"
    assert pending[ids["de"]].language is None  # the survey's default language
    assert all(r.channel == "email" and r.requested_by == "segment:gold" for r in pending.values())
    assert ids["silver"] not in {r.person_id for r in rows}
    refused = {r.person_id: r.status for r in rows if r.status != "pending"}
    assert refused == {ids["optout"]: "unsubscribed", ids["withdrawn"]: "unsubscribed"}
    with db.reader(workspace.id) as session:
        jobs = session.execute(
            select(Job.dedupe_key).where(Job.kind == invitations.SEND_JOB)
        ).scalars()
        queued = set(jobs)
    for row in pending.values():
        assert f"{invitations.SEND_JOB}:{row.id}:0" in queued

    # Sending the same segment again invites nobody twice.
    again = client.post(url, json={"segment": "gold"}, headers=api_headers).json()
    assert again["invited"] == 0 and again["already_invited"] == 3
    assert len([r for r in _invitations(db, workspace.id, survey_id) if r.status == "pending"]) == 3

    # Another channel: consent is checked there; nobody has a WhatsApp number.
    other = client.post(
        url, json={"segment": "gold", "channel": "whatsapp"}, headers=api_headers
    ).json()
    assert other["invited"] == 0 and other["already_invited"] == 3
    assert other["skipped"] == {"no whatsapp address for this person": 2}

    assert client.post(url, json={"segment": "nope"}, headers=api_headers).status_code == 404
    bad = client.post(url, json={"segment": "gold", "channel": "pigeon"}, headers=api_headers)
    assert bad.status_code == 422, bad.text


def test_contact_frequency_still_applies(
    db: Database, workspace: Workspace, client: Any, api_headers: dict[str, str]
) -> None:
    ids = _people(db, workspace.id)
    first = _survey(db, workspace.id)
    with db.transaction(workspace.id) as session:
        second = service.do_create_survey(session, nps_survey(name="Second")).id
    # The first survey goes to the segment; the second one (contact frequency on) finds
    # everyone surveyed recently.
    client.post(
        f"/api/v1/surveys/{first}/segment-invitations",
        json={"segment": "gold"},
        headers=api_headers,
    )
    out = client.post(
        f"/api/v1/surveys/{second}/segment-invitations",
        json={"segment": "gold"},
        headers=api_headers,
    ).json()
    assert out["invited"] == 0
    assert sum(v for k, v in out["skipped"].items() if "surveyed in the last" in k) == 3
    assert ids  # the people exist


def test_distribution_page_picks_a_segment_and_sends(
    db: Database, workspace: Workspace, login: Any
) -> None:
    _people(db, workspace.id)
    survey_id = _survey(db, workspace.id)
    client = login("manager", language="fa")
    page = client.get(f"/surveys/{survey_id}")
    assert page.status_code == 200
    assert 'id="segment-invite"' in page.text
    assert 'value="gold" data-count="5"' in page.text and "طرح طلایی" in page.text
    sent = client.post(
        f"/surveys/{survey_id}/invite-segment",
        data={"csrf": csrf_of(page.text), "segment": "gold", "channel": "email"},
        follow_redirects=True,
    )
    assert sent.status_code == 200
    assert 'id="segment-sent"' in sent.text
    assert "invited=3" in str(sent.url) and "refused=2" in str(sent.url)
    assert len(_invitations(db, workspace.id, survey_id)) == 5


def test_a_large_segment_is_sent_by_a_job(
    db: Database,
    workspace: Workspace,
    client: Any,
    api_headers: dict[str, str],
    monkeypatch: Any,
    login: Any,
) -> None:
    from sada.feedback import segment_invitations

    ids = _people(db, workspace.id)
    survey_id = _survey(db, workspace.id)
    monkeypatch.setattr(segment_invitations, "SYNC_LIMIT", 2)  # five members: over the limit
    monkeypatch.setattr(segment_invitations, "SEGMENT_PAGE", 2)  # and several pages for the job
    queued = client.post(
        f"/api/v1/surveys/{survey_id}/segment-invitations",
        json={"segment": "gold"},
        headers=api_headers,
    )
    assert queued.status_code == 202, queued.text
    assert queued.json()["queued"] is True and queued.json()["members"] == 5
    assert _invitations(db, workspace.id, survey_id) == []
    drain_jobs(db, workspace.id, kinds=["feedback.invite_segment"])
    rows = _invitations(db, workspace.id, survey_id)
    assert {r.person_id for r in rows if r.status == "pending"} == {
        ids["fa"],
        ids["zh"],
        ids["de"],
    }
    assert len(rows) == 5
    # The page says it is under way; a second job run invites nobody twice.
    page_client = login("manager")
    page = page_client.get(f"/surveys/{survey_id}")
    sent = page_client.post(
        f"/surveys/{survey_id}/invite-segment",
        data={"csrf": csrf_of(page.text), "segment": "gold", "channel": "email"},
        follow_redirects=True,
    )
    assert "queued=1" in str(sent.url) and 'id="segment-sent"' in sent.text
    drain_jobs(db, workspace.id, kinds=["feedback.invite_segment"])
    assert len([r for r in _invitations(db, workspace.id, survey_id) if r.status == "pending"]) == 3
