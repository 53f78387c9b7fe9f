"""Kept themes: renames and merges survive re-runs; the Themes page in four languages."""

from __future__ import annotations

import re
import uuid
from typing import Any

import numpy as np

from sada.db.engine import Database
from sada.text.theme_store import list_themes, merge_theme, rename_theme, store_themes

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def found(*centroids: np.ndarray, labels: tuple[str, ...] = ("تاخیر ارسال", "كيفية الطعام")):
    out = []
    for i, c in enumerate(centroids):
        out.append(
            {
                "label": labels[i % len(labels)],
                "phrases": [labels[i % len(labels)]],
                "language": "fa",
                "size": 10 - i,
                "negative_share": 0.5,
                "examples": [f"example {i}"],
                "interaction_ids": [100 + i],
                "centroid": c / np.linalg.norm(c),
            }
        )
    return out


def test_renames_and_merges_are_kept_across_runs(db: Database, workspace: Any) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=32), rng.normal(size=32)
    with db.transaction(workspace.id) as session:
        first = store_themes(session, found(a, b))
        ids = [t.id for t in first]
        rename_theme(session, ids[0], "  زمان   تحویل ")
        merge_theme(session, ids[1], ids[0])
    with db.transaction(workspace.id) as session:  # the same subjects found again, a bit moved
        again = store_themes(session, found(a + 0.05 * rng.normal(size=32), b))
        assert sorted(t.id for t in again) == sorted(ids)
        views = list_themes(session)
    assert len(views) == 1
    assert views[0]["label"] == "زمان تحویل" and views[0]["renamed"]
    assert views[0]["size"] == 19 and [m["id"] for m in views[0]["merged"]] == [ids[1]]
    with db.transaction(workspace.id) as session:  # a new subject: a new theme, old ones hidden
        store_themes(session, found(rng.normal(size=32)))
        assert [v["label"] for v in list_themes(session)] == ["تاخیر ارسال"]


def test_theme_page_rename_and_merge_in_persian(db: Database, workspace: Any, client: Any) -> None:
    from sada.tenants.service import do_add_member, do_create_user

    rng = np.random.default_rng(2)
    with db.transaction(workspace.id) as session:
        ids = [t.id for t in store_themes(session, found(rng.normal(size=8), rng.normal(size=8)))]
        email = f"analyst-{uuid.uuid4().hex[:8]}@example.com"
        user = do_create_user(session, email, "correct horse battery", name="A", language="fa")
        do_add_member(session, user, "analyst")
    login = client.get("/login")
    csrf = _CSRF.search(login.text).group(1)
    signed = client.post(
        "/login",
        data={"email": email, "password": "correct horse battery", "csrf": csrf},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    html = client.get("/themes?lang=fa").text
    assert 'dir="rtl"' in html and "موضوع‌ها" in html and "تاخیر ارسال" in html
    csrf = _CSRF.search(html).group(1)
    done = client.post(
        f"/themes/{ids[0]}/rename", data={"label": "پیک دیر", "csrf": csrf}, follow_redirects=True
    )
    assert done.status_code == 200 and "پیک دیر" in done.text and "نام موضوع تغییر کرد" in done.text
    merged = client.post(
        f"/themes/{ids[1]}/merge", data={"into": str(ids[0]), "csrf": csrf}, follow_redirects=True
    )
    assert merged.status_code == 200 and "ادغام" in merged.text
    bad = client.post(f"/themes/{ids[0]}/merge", data={"into": "x", "csrf": csrf})
    assert bad.status_code == 422
    forged = client.post(f"/themes/{ids[0]}/rename", data={"label": "x", "csrf": "0" * 64})
    assert forged.status_code == 403
    zh = client.get("/themes?lang=zh").text
    assert "主题" in zh and "重命名" in zh
