"""Replying on X and Telegram from the inbox, refusals with a reason, and the live X pull,
against a loopback server that speaks the documented X API v2 and Telegram Bot API."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select, text

from sada.cases.models import ConversationItem
from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.listening import network, service, sources, xsearch
from sada.listening.models import ListeningXSearch
from tests.listening.test_listening import drain

X_TOKEN = "x-user-token-" + uuid.uuid4().hex[:6]
BOT_TOKEN = "123456:bot-" + uuid.uuid4().hex[:6]


class _Api(BaseHTTPRequestHandler):
    """X API v2 (`POST /2/tweets`, `GET /2/tweets/search/recent`) and the Bot API's
    `sendMessage`, as documented; failures on demand."""

    calls: list[dict[str, Any]] = []
    fail_next: list[int] = []  # statuses to answer before succeeding
    search_pages: dict[str, dict[str, Any]] = {}
    rate_limit_reset: int | None = None

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _record(self, body: Any = None) -> None:
        url = urlparse(self.path)
        type(self).calls.append(
            {
                "method": self.command,
                "path": url.path,
                "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                "auth": self.headers.get("Authorization"),
                "body": body,
            }
        )

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self._record(body)
        if self.fail_next:
            self._json(self.fail_next.pop(0), {"title": "Service Unavailable"})
            return
        if self.path == "/2/tweets":
            if self.headers.get("Authorization") != f"Bearer {X_TOKEN}":
                self._json(401, {"title": "Unauthorized"})
                return
            self._json(201, {"data": {"id": "1900000000000000001", "text": body["text"]}})
        elif self.path == f"/bot{BOT_TOKEN}/sendMessage":
            self._json(200, {"ok": True, "result": {"message_id": 501, "text": body["text"]}})
        else:
            self._json(404, {"ok": False, "description": "Not Found"})

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self._record()
        url = urlparse(self.path)
        if url.path != "/2/tweets/search/recent":
            self._json(404, {"title": "Not Found"})
            return
        if self.rate_limit_reset is not None:
            self._json(
                429,
                {"title": "Too Many Requests"},
                {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(self.rate_limit_reset)},
            )
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        page = self.search_pages.get(q.get("next_token") or q.get("since_id") or "first")
        self._json(200, page or {"meta": {"result_count": 0}})

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def api_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from sada.settings import get_settings

    _Api.calls, _Api.fail_next, _Api.search_pages, _Api.rate_limit_reset = [], [], {}, None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SADA_LISTENING_ALLOWED_HOSTS", "127.0.0.1/32")
    get_settings.cache_clear()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        get_settings.cache_clear()


@pytest.fixture
def admin(db: Database, workspace: Any, make_key: Any) -> dict[str, str]:
    key = make_key(db, workspace.id, "read", "write", "admin", "reply")
    return {"Authorization": f"Bearer {key}"}


def _conversation(client: Any, headers: dict[str, str], interaction_id: int) -> int:
    r = client.post(f"/api/v1/listening/posts/{interaction_id}/conversation", headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _store(db: Database, workspace_id: int, items: list[dict[str, Any]]) -> list[int]:
    with db.transaction(workspace_id) as session:
        results = service.ingest_posts(session, items)
    return [r.id for r in results if r.id is not None]


def _delivery(db: Database, workspace_id: int, reply_id: int) -> tuple[str, dict[str, Any]]:
    with db.reader(workspace_id) as session:
        status = session.execute(
            select(ConversationItem.delivery_status).where(
                ConversationItem.interaction_id == reply_id
            )
        ).scalar_one()
        row = session.get(Interaction, reply_id)
        assert row is not None
        return status, dict(row.attributes or {})


def test_replies_are_posted_on_x_and_telegram_with_retries(
    db: Database, workspace: Any, client: Any, admin: dict[str, str], api_server: str
) -> None:
    for name, token in (("x", X_TOKEN), ("telegram", BOT_TOKEN)):
        r = client.put(
            f"/api/v1/listening/accounts/{name}",
            json={"token": token, "api_base": api_server},
            headers=admin,
        )
        assert r.status_code == 200 and r.json()["token_set"], r.text
        assert token not in r.text
    with db.reader(workspace.id) as session:
        stored = session.execute(
            text("SELECT token FROM listening_accounts WHERE workspace_id = :w"),
            {"w": workspace.id},
        ).scalars()
        assert all(t.startswith("enc1:") for t in stored)  # encrypted at rest

    now = datetime.now(UTC)
    tweet_id = str(1_800_000_000_000_000_000 + int(uuid.uuid4().int % 10**12))
    [x_post] = _store(db, workspace.id, [sources.post_item(
        network="x", post_id=tweet_id, text="@snappfood where is my order?", at=now,
        handle=f"sara{uuid.uuid4().hex[:6]}",
    )])  # fmt: skip
    export = {
        "name": "Snapp fans",
        "type": "public_supergroup",
        "id": 1234567,
        "messages": [
            {
                "id": 77,
                "type": "message",
                "date_unixtime": str(int(now.timestamp())),
                "from": "Ali",
                "from_id": f"user{uuid.uuid4().int % 10**9}",
                "text": "سفارشم از اسنپ فود نرسید",
            }
        ],
    }
    [tg_post] = _store(db, workspace.id, sources.parse_telegram(export).items)

    _Api.fail_next = [503]  # the first try fails: retried with backoff
    conv = _conversation(client, admin, x_post)
    r = client.post(
        f"/api/v1/conversations/{conv}/reply", json={"text": "Sorry! DM us."}, headers=admin
    )
    assert r.status_code == 202, r.text
    x_reply = r.json()["interaction_id"]
    assert "listening.send_reply" in drain(db, workspace.id)
    posts = [c for c in _Api.calls if c["path"] == "/2/tweets"]
    assert len(posts) == 2  # one failure, one success
    assert posts[-1]["auth"] == f"Bearer {X_TOKEN}"
    assert posts[-1]["body"] == {
        "text": "Sorry! DM us.",
        "reply": {"in_reply_to_tweet_id": tweet_id},
    }
    status, attrs = _delivery(db, workspace.id, x_reply)
    assert status == "sent" and attrs["network_reply_id"] == "1900000000000000001"

    conv = _conversation(client, admin, tg_post)
    r = client.post(
        f"/api/v1/conversations/{conv}/reply", json={"text": "پیگیری می‌کنیم"}, headers=admin
    )
    assert r.status_code == 202, r.text
    drain(db, workspace.id)
    [sent] = [c for c in _Api.calls if c["path"].endswith("/sendMessage")]
    assert sent["path"] == f"/bot{BOT_TOKEN}/sendMessage"
    assert sent["body"]["chat_id"] == -1001234567  # the Bot API's id of the supergroup
    assert sent["body"]["reply_to_message_id"] == 77
    status, attrs = _delivery(db, workspace.id, r.json()["interaction_id"])
    assert status == "sent" and attrs["network_reply_id"] == "501"


def test_retries_stop_on_a_refusal_and_give_up_to_the_runner(api_server: str) -> None:
    from sada.listening.tasks import feed_policy

    acc = network.Account("x", "wrong-token", api_server)
    waits: list[float] = []
    with pytest.raises(network.Refused, match="401"):
        network.post_x_reply(feed_policy(), acc, "1", "hi")  # a bad token: no retry
    _Api.fail_next = [502, 503, 504]
    with pytest.raises(network.Retryable):
        network.call(feed_policy(), "POST", f"{api_server}/2/tweets", json={}, sleep=waits.append)
    assert waits == [0.5, 1.0]  # exponential backoff between the three tries
    with pytest.raises(network.Refused, match="outbound guard"):
        network.call(network.HostPolicy.from_setting(""), "GET", f"{api_server}/x")


def test_replies_refused_with_a_reason_where_the_network_does_not_allow_them(
    db: Database, workspace: Any, client: Any, admin: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    review, feed_item, x_post = _store(db, workspace.id, [
        sources.post_item(network="app_store", post_id=f"r-{uuid.uuid4().hex}",
                          text="snappfood app crashes", at=now, handle=f"rev{uuid.uuid4().hex[:6]}"),
        sources.post_item(network="web", post_id=f"f-{uuid.uuid4().hex}",
                          text="snappfood outage", at=now, handle=f"feed{uuid.uuid4().hex[:6]}"),
        sources.post_item(network="x", post_id="1812345678901234567", text="@snappfood hi",
                          at=now, handle=f"x{uuid.uuid4().hex[:6]}"),
    ])  # fmt: skip
    for post, words in ((review, "review console"), (feed_item, "feed"), (x_post, "X token")):
        conv = _conversation(client, admin, post)
        r = client.post(
            f"/api/v1/conversations/{conv}/reply", json={"text": "hello"}, headers=admin
        )
        assert r.status_code == 409 and words in r.text, r.text
        with db.reader(workspace.id) as session:
            replies = session.execute(
                select(ConversationItem.id).where(
                    ConversationItem.conversation_id == conv,
                    ConversationItem.direction == "outbound",
                )
            ).all()
        assert replies == []  # refused, not stored as if sent


def test_live_x_search_keeps_since_id_and_honours_rate_limits(
    db: Database, workspace: Any, client: Any, admin: dict[str, str], api_server: str
) -> None:
    query = f"snappfood OR اسنپ‌فود -is:retweet {uuid.uuid4().hex[:6]}"
    r = client.post("/api/v1/listening/x/searches", json={"query": query}, headers=admin)
    assert r.status_code == 201, r.text
    search_id = r.json()["id"]
    assert (
        client.post("/api/v1/listening/x/searches", json={"query": ""}, headers=admin).status_code
        == 422
    )
    # Without a token, the pull says so and fetches nothing.
    assert "listening.x_pull" in drain(db, workspace.id)
    with db.reader(workspace.id) as session:
        row = session.get(ListeningXSearch, search_id)
        assert row is not None and "no X token" in row.last_status
    client.put(
        "/api/v1/listening/accounts/x",
        json={"token": X_TOKEN, "api_base": api_server},
        headers=admin,
    )
    base = int(uuid.uuid4().int % 10**12) * 1000 + 1_850_000_000_000_000_000
    ids = [str(base + i) for i in range(3)]
    at = datetime.now(UTC).replace(microsecond=0)
    user = {"id": "u1", "username": f"foodie{uuid.uuid4().hex[:6]}", "name": "Foodie",
            "public_metrics": {"followers_count": 52000}}  # fmt: skip

    def tweet(i: int, text: str) -> dict[str, Any]:
        return {"id": ids[i], "text": text, "author_id": "u1", "lang": "en",
                "created_at": (at - timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
                "public_metrics": {"like_count": 3}}  # fmt: skip

    _Api.search_pages = {
        "first": {"data": [tweet(0, "snappfood fast"), tweet(1, "snappfood late")],
                  "includes": {"users": [user]},
                  "meta": {"newest_id": ids[0], "oldest_id": ids[1], "next_token": "p2"}},
        "p2": {"data": [tweet(2, "snappfood ok")], "includes": {"users": [user]},
               "meta": {"newest_id": ids[2], "oldest_id": ids[2]}},
    }  # fmt: skip
    first = client.post(f"/api/v1/listening/x/searches/{search_id}/pull", headers=admin).json()
    assert first["stored"] == 3 and first["since_id"] == ids[0] and first["status"] == "ok"
    calls = [c for c in _Api.calls if c["path"] == "/2/tweets/search/recent"]
    assert calls[0]["query"]["query"] == query and "since_id" not in calls[0]["query"]
    assert calls[0]["query"]["expansions"] == "author_id"
    assert "public_metrics" in calls[0]["query"]["user.fields"]
    assert calls[0]["auth"] == f"Bearer {X_TOKEN}" and calls[1]["query"]["next_token"] == "p2"
    with db.reader(workspace.id) as session:
        reach = session.execute(
            select(Interaction.attributes).where(Interaction.external_id == ids[0])
        ).scalar_one()
    assert reach["reach"] == 52000

    # Next run: since_id is sent; the API says 429 until the reset it announces.
    reset = int(time.time()) + 3600  # later than the search's next run (15 minutes)
    _Api.rate_limit_reset = reset
    limited = client.post(f"/api/v1/listening/x/searches/{search_id}/pull", headers=admin).json()
    assert limited["stored"] == 0 and "rate limited" in limited["status"]
    assert [c for c in _Api.calls if c["path"] == "/2/tweets/search/recent"][-1]["query"][
        "since_id"
    ] == ids[0]
    assert datetime.fromisoformat(limited["resume_at"]).timestamp() == reset
    assert limited["since_id"] == ids[0]  # kept
    # The schedule waits for the reset, and a run before it fetches nothing.
    next_at = xsearch.schedule_next(db, workspace.id)
    assert next_at is not None and int(next_at.timestamp()) == reset
    before = len(_Api.calls)
    xsearch.pull(db, workspace.id, network.HostPolicy.from_setting("127.0.0.1/32"))
    assert len(_Api.calls) == before


def test_every_refusal_reason_is_translated_on_the_pages() -> None:
    from sada.listening import replies, web

    reasons = {v for k, v in vars(replies).items() if k.startswith("NO_REPLY_")}
    assert reasons == set(web.REPLY_REFUSALS)


@pytest.mark.parametrize("lang", ["fa", "zh"])
def test_reply_box_gives_the_reason_in_the_readers_language(
    db: Database, workspace: Any, client: Any, admin: dict[str, str], lang: str
) -> None:
    from sada.tenants.service import do_add_member, do_create_user
    from tests.web.conftest import csrf_of, sign_in

    [review] = _store(db, workspace.id, [sources.post_item(
        network="play_store", post_id=f"r-{uuid.uuid4().hex}", text="اپ اسنپ فود کرش می‌کند",
        at=datetime.now(UTC), handle=f"rev{uuid.uuid4().hex[:6]}",
    )])  # fmt: skip
    conv = _conversation(client, admin, review)
    email = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(workspace.id) as session:
        user = do_create_user(session, email, "correct horse battery", name="A", language=lang)
        do_add_member(session, user, "agent")
    assert sign_in(client, email, "correct horse battery").status_code == 303
    page = client.get(f"/inbox/{conv}").text
    reason = {"fa": "پنل خود کسب‌وکار", "zh": "点评后台"}[lang]
    assert 'id="reply-refused"' in page and reason in page
    r = client.post(
        f"/inbox/{conv}", data={"body": "سلام", "csrf": csrf_of(page)}, follow_redirects=False
    )
    assert r.status_code == 409 and reason in r.text
