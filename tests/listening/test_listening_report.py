"""A view saved on the listening page is mailed with listening's own figures (brands, share of
voice, net sentiment, spikes, top authors) in the reader's language, not the overview's."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.listening import service, sources
from sada.reports import document
from sada.reports.web_report import Reader, build
from sada.tenants.models import Workspace


def _seed(db: Database, ws: int) -> None:
    now = datetime.now(UTC)
    texts = [
        ("fa", "پیک اسنپ فود خیلی دیر رسید، افتضاح"),
        ("ar", "طلبات وصل الطلب بسرعة، ممتاز"),
        ("en", "Snappfood food was tasty"),
    ]
    items = [
        sources.post_item(network="x", post_id=f"r{i}-{k}", text=text, language=lang,
                          at=now - timedelta(hours=k * 5 + i), handle=f"u{i}", followers=100 * (i + 1))
        for k in range(6) for i, (lang, text) in enumerate(texts)
    ]  # fmt: skip
    with db.transaction(ws) as session:
        service.do_create_brand(
            session, {"name": "Snappfood", "kind": "own", "aliases": ["اسنپ فود"]}
        )
        service.do_create_brand(
            session, {"name": "Talabat", "kind": "competitor", "aliases": ["طلبات"]}
        )
        service.ingest_posts(session, items)


def test_listening_view_reports_brands_in_persian(db: Database, workspace: Workspace) -> None:
    _seed(db, workspace.id)
    with db.reader(workspace.id) as session:
        report = build(
            session, name="Listening", path="/listening", query="days=30",
            reader=Reader("fa"), now=utcnow(),
        )  # fmt: skip
    titles = [t.title for t in report.tables]
    assert len(titles) == 3 and not {"Listening overview", "Spikes"} & set(titles)
    brands = {row[0]: row for row in report.tables[0].rows}
    assert set(brands) == {"Snappfood", next(k for k in brands if k.startswith("Talabat ("))}
    assert brands["Snappfood"][1] == 12  # the Persian and English posts name it
    talabat = next(v for k, v in brands.items() if k.startswith("Talabat ("))
    assert talabat[1] == 6
    assert report.tables[0].header[0] != "Brand"  # translated
    authors = report.tables[2].rows
    assert authors and authors[0][2] >= authors[-1][2]  # by reach
    book = load_workbook(io.BytesIO(document.xlsx(report)))
    assert len(book.sheetnames) == 4 and book.worksheets[1].sheet_view.rightToLeft


def test_a_shorter_days_view_counts_only_its_days(db: Database, workspace: Workspace) -> None:
    _seed(db, workspace.id)
    with db.reader(workspace.id) as session:
        week = build(session, name="W", path="/listening", query="days=7", reader=Reader("en"))
        posts = build(session, name="P", path="/listening/posts", query="", reader=Reader("zh"))
    assert [t.title for t in week.tables][0] == "Listening overview"
    assert {row[0] for row in week.tables[0].rows} == {"Snappfood", "Talabat (Competitor)"}
    assert len(posts.tables) == 3 and posts.tables[0].header[0] != "Brand"
