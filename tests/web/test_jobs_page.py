"""The admin jobs page: queue per priority, dead jobs with retry and discard (CSRF, 4 languages)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sada.jobs.models import Job
from sada.jobs.registry import handler
from sada.jobs.service import claim_next, enqueue, run_job
from tests.web.conftest import csrf_of

KIND = f"test.page_dead.{uuid.uuid4().hex[:8]}"


@handler(KIND)
def _fails(db: Any, workspace_id: Any, payload: Any) -> None:
    raise RuntimeError("mailbox unreachable")


def _dead_job(db: Any, workspace_id: int) -> int:
    with db.transaction(workspace_id) as session:
        enqueue(session, KIND, {}, workspace_id=workspace_id, max_attempts=1)
    job = claim_next(db, kinds=[KIND])
    assert job is not None and run_job(db, job) is False
    return job.id


def _status(db: Any, job_id: int) -> str | None:
    with db.reader() as session:
        return session.execute(select(Job.status).where(Job.id == job_id)).scalar_one_or_none()


def test_admin_retries_and_discards_dead_jobs(
    db: Any, workspace: Any, make_workspace: Any, login: Any
) -> None:
    mine_a, mine_b = _dead_job(db, workspace.id), _dead_job(db, workspace.id)
    other = _dead_job(db, make_workspace(db).id)
    client = login("admin")
    page = client.get("/settings/jobs")
    assert page.status_code == 200
    assert "mailbox unreachable" in page.text and "Follow-up" in page.text
    assert f"/settings/jobs/{mine_a}/retry" in page.text
    assert f"/settings/jobs/{other}/retry" not in page.text  # another workspace's job

    # No CSRF token: refused, nothing changes.
    refused = client.post(f"/settings/jobs/{mine_a}/retry", data={})
    assert refused.status_code == 403 and _status(db, mine_a) == "failed"

    client.post(f"/settings/jobs/{mine_a}/retry", data={"csrf": csrf_of(page.text)})
    assert _status(db, mine_a) == "queued"
    confirm = client.get(f"/settings/jobs/{mine_b}/discard")
    assert confirm.status_code == 200
    done = client.post(f"/settings/jobs/{mine_b}/discard", data={"csrf": csrf_of(confirm.text)})
    assert done.status_code == 200 and "The job was discarded." in done.text
    assert _status(db, mine_b) is None
    # Another workspace's dead job is not found from here.
    assert client.get(f"/settings/jobs/{other}/discard").status_code == 404
    token = csrf_of(client.get("/settings/jobs").text)
    assert client.post(f"/settings/jobs/{other}/retry", data={"csrf": token}).status_code == 404
    assert _status(db, other) == "failed"
    audit = client.get("/settings/audit").text
    assert "job.retry" in audit and "job.discard" in audit
    with db.transaction() as session:  # nothing left due for other tests
        for job in session.execute(select(Job).where(Job.kind == KIND)).scalars():
            job.status = "done"


def test_jobs_page_in_every_language_and_for_admins_only(
    db: Any, workspace: Any, login: Any, make_user: Any
) -> None:
    for language, word in (("ar", "المهام"), ("fa", "کارها"), ("zh", "任务")):
        client = login("admin", language=language)
        assert word in client.get("/settings/jobs").text
        client.cookies.clear()
    agent = login("agent")
    assert agent.get("/settings/jobs").status_code == 403
