"""The report job against a real SMTP server on 127.0.0.1: one mail per recipient, in each
recipient's language, with the view as XLSX and PDF; a retried run sends nothing twice; the
next run is planned; "send now" runs at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from sada.db.types import utcnow
from sada.jobs.models import Job
from sada.jobs.service import run_pending
from sada.reports import service, tasks
from sada.reports.models import ReportDelivery, ReportSchedule
from tests.reports.conftest import member
from tests.web.conftest import ingest, item

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def _attachments(message: Any) -> dict[str, bytes]:
    return {
        part.get_filename().rsplit(".", 1)[1]: part.get_content()
        for part in message.iter_attachments()
    }


def _setup(db: Any, workspace: Any) -> tuple[Any, Any, str, int, int]:
    ingest(
        db,
        workspace.id,
        [
            item(n, t, channel=c)
            for n, (t, c) in enumerate(
                [("خیلی عالی بود", "email"), ('=HYPERLINK("http://x")', "chat"), ("很好", "chat")]
            )
        ],
    )
    alice = member(db, workspace.id, "manager", language="fa", timezone="Asia/Tehran")
    bob = member(db, workspace.id, "viewer", language="zh", timezone="Asia/Shanghai")
    outside = f"boss-{uuid.uuid4().hex[:6]}@example.org"
    with db.reader(workspace.id) as s:
        viewer = service.member_viewer(s, alice.id, "manager")
    with db.transaction(workspace.id) as s:
        view = service.do_create_view(
            s,
            viewer,
            {
                "name": "Weekly overview",
                "names": {"fa": "نمای هفتگی"},
                "url": "/overview?period=30d&compare=previous_period",
                "share": "workspace",
            },
        )
        sched = service.do_create_schedule(
            s,
            viewer,
            view.id,
            {
                "frequency": "weekly",
                "weekday": 0,
                "at_time": "08:00",
                "zone_mode": "recipient",
                "timezone": "UTC",
                "recipients": [
                    {"user_id": alice.id},
                    {"user_id": bob.id},
                    {"email": outside.upper(), "language": "ar"},
                ],
            },
        )
        view_id, sched_id = view.id, sched.id
    return alice, bob, outside, view_id, sched_id


def test_send_now_mails_each_recipient_in_their_language(db, workspace, smtp) -> None:  # type: ignore[no-untyped-def]
    alice, bob, outside, view_id, sched_id = _setup(db, workspace)
    with db.reader(workspace.id) as s:
        viewer = service.member_viewer(s, alice.id, "manager")
    with db.transaction(workspace.id) as s:
        service.queue_now(s, viewer, sched_id)
    run_pending(db, kinds=[service.SEND_JOB])
    mine = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    assert {alice.email, bob.email, outside} <= set(mine)
    fa, zh, ar = mine[alice.email], mine[bob.email], mine[outside]
    assert fa["Subject"] == "گزارش: نمای هفتگی"
    assert fa["Content-Language"] == "fa" and zh["Content-Language"] == "zh"
    assert zh["Subject"].startswith("报告") and ar["Subject"].startswith("تقرير")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang, message in (("fa", fa), ("zh", zh), ("ar", ar)):
        files = _attachments(message)
        assert set(files) == {"xlsx", "pdf"}, message.get_body().get_content()
        assert files["pdf"].startswith(b"%PDF")
        (ARTIFACTS / f"report-{lang}.pdf").write_bytes(files["pdf"])  # for a look (pdftoppm)
    book = load_workbook(io.BytesIO(_attachments(fa)["xlsx"]))
    assert book.worksheets[0].sheet_view.rightToLeft
    figures = book.worksheets[1]
    assert figures["A1"].value == "شاخص"
    cells = [c.value for row in book.worksheets[3].iter_rows() for c in row]  # over time
    assert cells  # the period's days
    zh_book = load_workbook(io.BytesIO(_attachments(zh)["xlsx"]))
    assert not zh_book.worksheets[0].sheet_view.rightToLeft
    body = fa.get_body(preferencelist=("plain",)).get_content()
    assert "http://sada.example.com/overview?period=30d&compare=previous_period&lang=fa" in body
    with db.reader(workspace.id) as s:
        sched = s.get(ReportSchedule, sched_id)
        assert sched.last_status == "sent" and sched.last_run_at is not None
        rows = (
            s.execute(select(ReportDelivery).where(ReportDelivery.schedule_id == sched_id))
            .scalars()
            .all()
        )
        assert sorted(r.language for r in rows) == ["ar", "fa", "zh"]
        assert all(r.status == "sent" for r in rows)


def test_a_scheduled_run_retried_sends_once_and_plans_the_next(db, workspace, smtp) -> None:  # type: ignore[no-untyped-def]
    alice, bob, outside, view_id, sched_id = _setup(db, workspace)
    with db.reader(workspace.id) as s:
        sched = s.get(ReportSchedule, sched_id)
        assert set(sched.next_runs) == {"Asia/Tehran", "Asia/Shanghai", "UTC"}
        jobs = [
            j
            for j in s.execute(select(Job).where(Job.kind == service.SEND_JOB)).scalars()
            if j.payload.get("schedule_id") == sched_id
        ]
    assert len(jobs) == 3  # one per zone, each at 08:00 local on Monday
    tehran = next(j for j in jobs if j.payload["zone"] == "Asia/Tehran")
    assert tehran.run_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tehran")).hour == 8
    before = len(smtp.messages)
    tasks.send_report(db, workspace.id, dict(tehran.payload))
    tasks.send_report(db, workspace.id, dict(tehran.payload))  # a retry of the same run
    sent = [m for m in smtp.messages[before:] if m["To"].addresses[0].addr_spec == alice.email]
    assert len(sent) == 1 and len(smtp.messages) - before == 1
    with db.reader(workspace.id) as s:
        sched = s.get(ReportSchedule, sched_id)
        nxt = sched.next_runs["Asia/Tehran"]
        assert nxt > tehran.payload["run_at"]
        assert (__import__("datetime").datetime.fromisoformat(nxt) - tehran.run_at) == timedelta(
            days=7
        )
    # A change of the schedule makes the runs planned before it stop.
    with db.transaction(workspace.id) as s:
        viewer = service.member_viewer(s, alice.id, "manager")
        service.do_update_schedule(s, viewer, sched_id, {"at_time": "09:30"})
    stale = dict(tehran.payload)
    stale["period_key"] = "Asia/Tehran@stale"
    tasks.send_report(db, workspace.id, stale)
    assert len(smtp.messages) - before == 1


def test_a_failed_recipient_is_retried_alone(db, workspace, smtp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    alice, bob, outside, view_id, sched_id = _setup(db, workspace)
    with db.transaction(workspace.id) as s:
        viewer = service.member_viewer(s, alice.id, "manager")
        key = service.queue_now(s, viewer, sched_id)
    payload = {
        "schedule_id": sched_id,
        "zone": None,
        "period_key": key,
        "run_at": utcnow().isoformat(),
    }
    real = tasks.smtp_connection
    calls = {"n": 0}

    def flaky(settings: Any, timeout: float) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("connection refused")
        return real(settings, timeout=timeout)

    monkeypatch.setattr(tasks, "smtp_connection", flaky)
    before = len(smtp.messages)
    try:
        tasks.send_report(db, workspace.id, payload)
        raise AssertionError("a failed recipient makes the job retry")
    except RuntimeError:
        pass
    assert len(smtp.messages) - before == 2
    with db.reader(workspace.id) as s:
        assert s.get(ReportSchedule, sched_id).last_status == "partial"
    tasks.send_report(db, workspace.id, payload)
    assert len(smtp.messages) - before == 3
    addresses = [m["To"].addresses[0].addr_spec for m in smtp.messages[before:]]
    assert sorted(addresses) == sorted({alice.email, bob.email, outside})
    with db.reader(workspace.id) as s:
        assert s.get(ReportSchedule, sched_id).last_status == "sent"


def test_recipients_are_validated(db, workspace, make_workspace) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from sada.core.errors import Forbidden, Invalid

    alice = member(db, workspace.id, "manager")
    viewer_only = member(db, workspace.id, "viewer")
    other_ws = make_workspace(db)
    stranger = member(db, other_ws.id, "admin")
    with db.transaction(workspace.id) as s:
        viewer = service.member_viewer(s, alice.id, "manager")
        view = service.do_create_view(
            s, viewer, {"name": "v", "url": "/overview", "share": "workspace"}
        )
        for bad in (
            [],
            [{"email": "not-an-address"}],
            [{"email": "a@b.c"}],
            [{"email": "x@example.com", "language": "de"}],
            [{"user_id": stranger.id}],
            ["x@example.com"],
        ):
            with pytest.raises(Invalid):
                service.do_create_schedule(s, viewer, view.id, {"recipients": bad})
        with pytest.raises(Invalid):
            service.do_create_schedule(
                s, viewer, view.id, {"recipients": [{"user_id": alice.id}], "frequency": "hourly"}
            )
        with pytest.raises(Forbidden):
            service.do_create_schedule(
                s,
                service.member_viewer(s, viewer_only.id, "viewer"),
                view.id,
                {"recipients": [{"user_id": alice.id}]},
            )


def test_a_language_without_a_correct_pdf_gets_the_spreadsheet_and_the_reason(  # type: ignore[no-untyped-def]
    db, workspace, smtp, login, monkeypatch
) -> None:
    from sada.reports import pdf

    # As on a server without the Chinese font package: no PDF in Chinese, never boxes.
    monkeypatch.setitem(pdf.FONTS, "cjk", ("no_such_font_package", "fonts/x.ttf"))
    assert not pdf.support("zh").ok and pdf.support("fa").ok
    alice, bob, outside, view_id, sched_id = _setup(db, workspace)
    client = login("manager", language="zh")
    form = client.get(f"/views/{view_id}/schedule?lang=zh")
    assert form.status_code == 200
    assert "data-no-pdf" in form.text and "no_such_font_package" in form.text
    assert "此服务器未安装字体包" in form.text
    with db.transaction(workspace.id) as s:
        service.queue_now(s, service.member_viewer(s, alice.id, "manager"), sched_id)
    run_pending(db, kinds=[service.SEND_JOB])
    mine = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    zh, fa = mine[bob.email], mine[alice.email]
    assert set(_attachments(zh)) == {"xlsx"}
    assert "此语言未附 PDF" in zh.get_body(preferencelist=("plain",)).get_content()
    assert set(_attachments(fa)) == {"xlsx", "pdf"}
    with db.reader(workspace.id) as s:
        row = s.execute(
            select(ReportDelivery).where(
                ReportDelivery.schedule_id == sched_id, ReportDelivery.recipient == bob.email
            )
        ).scalar_one()
        assert row.status == "sent" and "no_such_font_package" in (row.note or "")
