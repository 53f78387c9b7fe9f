"""Outbound webhooks: Standard Webhooks signing, retries, delivery log, auto-disable, SSRF guard.

Traffic goes to loopback only. The guard's verdicts on private, link-local and
metadata addresses are checked without connecting; real refused deliveries use
loopback spellings while loopback is not allowed.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import timedelta

import pytest
from sada_test_servers import Receiver, Reply, drain_jobs
from sqlalchemy import select
from standardwebhooks import Webhook

from sada.automation import webhooks
from sada.automation.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sada.core.ssrf import BlockedDestination, HostPolicy, classify
from sada.db.types import utcnow

LOOPBACK = HostPolicy.from_setting("127.0.0.1/32")
NOTHING = HostPolicy()
FAST = webhooks.DeliveryConfig(timeout_seconds=0.5, jitter=0.0)


def _endpoint(db, ws_id, url, *, events=("case.created",), policy=LOOPBACK, **kw):
    with db.transaction(ws_id) as session:
        return webhooks.do_create_endpoint(
            session, url=url, events=list(events), policy=policy, **kw
        )


def _emit(db, ws_id, event="case.created", data=None):
    with db.transaction(ws_id) as session:
        return webhooks.emit_event(session, event, data or {"id": 1, "title": "صدا"})


def _attempts(db, ws_id, delivery_id):
    with db.reader(ws_id) as session:
        return list(
            session.execute(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.id)
            ).scalars()
        )


def _delivery(db, ws_id, delivery_id):
    with db.reader(ws_id) as session:
        return session.get(WebhookDelivery, delivery_id)


def test_api_creates_endpoint_with_standard_secret(client, api_headers, receiver):
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    r = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url(), "events": ["case.created"]},
        headers=api_headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] and body["secret"].startswith("whsec_")
    assert len(webhooks._secret_bytes(body["secret"])) == 32
    listed = client.get("/api/v1/webhooks", headers=api_headers).json()["items"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    # no key, no endpoint
    assert (
        client.post("/api/v1/webhooks", json={"url": receiver.url(), "events": ["x"]}).status_code
        == 401
    )


def test_case_created_delivery_verifies_with_reference_library(
    db, workspace, client, api_headers, receiver
):
    endpoint = _endpoint(db, workspace.id, receiver.url())
    r = client.post(
        "/api/v1/cases", json={"title": "اتصل بالعميل", "priority": "high"}, headers=api_headers
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    # Webhooks follow the event spine: the fan-out job records the delivery.
    drain_jobs(db, workspace.id, kinds=["webhooks.fanout"])
    with db.reader(workspace.id) as session:
        (delivery,) = session.execute(select(WebhookDelivery)).scalars().all()
    result = webhooks.attempt_delivery(db, workspace.id, delivery.id, policy=LOOPBACK, config=FAST)
    assert result.outcome == "delivered"
    (request,) = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "case.created"
    assert payload["data"]["id"] == case_id and payload["data"]["title"] == "اتصل بالعميل"
    assert request.headers["webhook-id"] == delivery.msg_id
    # A tampered body or a foreign secret does not verify.
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint.secret).verify(request.body + b" ", request.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(webhooks.new_secret()).verify(request.body, request.headers)
    assert _delivery(db, workspace.id, delivery.id).status == "delivered"


def test_retries_with_backoff_retry_after_timeouts_and_redirects(db, workspace, receiver):
    endpoint = _endpoint(db, workspace.id, receiver.url())
    receiver.script = [
        Reply(500),
        Reply(429, {"Retry-After": "7"}),
        Reply(200, delay=1.5),  # slower than the 0.5 s timeout
        Reply(302, {"Location": receiver.url(path="/elsewhere")}),
        Reply(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),  # a date in the past
        Reply(204),
    ]
    (delivery_id,) = _emit(db, workspace.id)
    outcomes = []
    for _ in range(6):
        now = utcnow()
        result = webhooks.attempt_delivery(
            db, workspace.id, delivery_id, policy=LOOPBACK, config=FAST, now=now
        )
        outcomes.append(result.outcome)
        if result.outcome == "retry":
            delay = (result.next_attempt_at - now).total_seconds()
            expected = {1: 5.0, 2: 7.0, 3: 5.0 * 4**2, 4: 5.0 * 4**3, 5: 0.0}[len(outcomes)]
            assert delay == pytest.approx(expected, abs=0.01), (len(outcomes), result)
    assert outcomes == ["retry", "retry", "retry", "retry", "retry", "delivered"]
    log = _attempts(db, workspace.id, delivery_id)
    assert [a.status_code for a in log] == [500, 429, None, 302, 503, 204]
    assert "timeout" in log[2].error and "not followed" in log[3].error
    # The same webhook-id on every attempt; each signature is valid for its timestamp.
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1
    for r in receiver.requests:
        Webhook(endpoint.secret).verify(r.body, r.headers)
    # Retries were queued as jobs at their due times.
    with db.reader(workspace.id) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery.status == "delivered" and delivery.attempts == 6
        ep = session.get(WebhookEndpoint, endpoint.id)
        assert ep.consecutive_failures == 0 and ep.last_success_at is not None


def test_retry_jobs_run_through_the_job_runner(db, workspace, receiver, allow_loopback):
    _endpoint(db, workspace.id, receiver.url())
    receiver.script = [Reply(502, {"Retry-After": "0"}), Reply(200)]
    (delivery_id,) = _emit(db, workspace.id)
    ran = drain_jobs(db, workspace.id, kinds=[webhooks.DELIVER_JOB])
    assert ran == [webhooks.DELIVER_JOB, webhooks.DELIVER_JOB]
    assert _delivery(db, workspace.id, delivery_id).status == "delivered"
    assert len(receiver.requests) == 2


def test_client_errors_fail_without_retry_and_retries_are_bounded(db, workspace, receiver):
    _endpoint(db, workspace.id, receiver.url())
    receiver.script = [Reply(400)]
    (first,) = _emit(db, workspace.id)
    assert webhooks.attempt_delivery(db, workspace.id, first, policy=LOOPBACK).outcome == "failed"
    assert _delivery(db, workspace.id, first).status == "failed"
    receiver.script = [Reply(500)] * 3
    config = webhooks.DeliveryConfig(max_attempts=3, jitter=0.0)
    (second,) = _emit(db, workspace.id)
    results = [
        webhooks.attempt_delivery(db, workspace.id, second, policy=LOOPBACK, config=config)
        for _ in range(4)
    ]
    assert [r.outcome for r in results] == ["retry", "retry", "retry", "skipped"]
    delivery = _delivery(db, workspace.id, second)
    assert delivery.status == "failed" and delivery.attempts == 3


def test_persistent_failure_disables_the_endpoint(db, workspace, receiver):
    endpoint = _endpoint(db, workspace.id, receiver.url())
    receiver.script = [Reply(500)] * 10
    config = webhooks.DeliveryConfig(disable_after_failures=3, disable_after_hours=1, jitter=0.0)
    start = utcnow()
    (delivery_id,) = _emit(db, workspace.id)
    for hours in (0, 0.5, 2):
        webhooks.attempt_delivery(
            db,
            workspace.id,
            delivery_id,
            policy=LOOPBACK,
            config=config,
            now=start + timedelta(hours=hours),
        )
    with db.reader(workspace.id) as session:
        ep = session.get(WebhookEndpoint, endpoint.id)
    assert not ep.enabled and "3 failed attempts" in ep.disabled_reason
    assert _emit(db, workspace.id) == []  # disabled endpoints get nothing new
    # The pending retry is cancelled rather than sent.
    assert (
        webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK).outcome
        == "skipped"
    )
    assert len(receiver.requests) == 3
    # Re-enabling resets the failure count.
    with db.transaction(workspace.id) as session:
        ep = webhooks.do_set_enabled(session, endpoint.id, True)
        assert ep.consecutive_failures == 0


def test_gone_disables_at_once(db, workspace, receiver):
    endpoint = _endpoint(db, workspace.id, receiver.url())
    receiver.script = [Reply(410)]
    (delivery_id,) = _emit(db, workspace.id)
    assert (
        webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK).outcome
        == "failed"
    )
    with db.reader(workspace.id) as session:
        assert not session.get(WebhookEndpoint, endpoint.id).enabled


def test_secret_rotation_keeps_two_secrets_valid(db, workspace, receiver):
    endpoint = _endpoint(db, workspace.id, receiver.url())
    old = endpoint.secret
    with db.transaction(workspace.id) as session:
        new = webhooks.do_rotate_secret(session, endpoint.id, grace=timedelta(hours=1)).secret
    assert new != old and new.startswith("whsec_")
    (delivery_id,) = _emit(db, workspace.id)
    webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split()) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(new).verify(request.body, request.headers)
    # After the grace period only the new secret signs.
    with db.transaction(workspace.id) as session:
        ep = session.get(WebhookEndpoint, endpoint.id)
        ep.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    (delivery_id,) = _emit(db, workspace.id)
    webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK)
    request = receiver.requests[-1]
    Webhook(new).verify(request.body, request.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(old).verify(request.body, request.headers)


def test_api_rotation_and_delivery_log(db, workspace, client, api_headers, receiver):
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    created = client.post(
        "/api/v1/webhooks", json={"url": receiver.url(), "events": ["case.*"]}, headers=api_headers
    ).json()
    rotated = client.post(f"/api/v1/webhooks/{created['id']}/rotate", headers=api_headers).json()
    assert rotated["secret"] != created["secret"] and rotated["rotation_until"]
    receiver.script = [Reply(500)]
    # A former event name still reaches subscribers, under its catalogue name.
    (delivery_id,) = _emit(db, workspace.id, "case.updated")
    webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK, config=FAST)
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=api_headers).json()
    (item,) = log["items"]
    assert item["event_type"] == "case.changed" and item["status"] == "pending"
    assert item["log"][0]["status_code"] == 500 and item["log"][0]["outcome"] == "retry"


# ---------------------------------------------------------------- SSRF guard

# Verdicts only: nothing connects to these.
REFUSED = {
    "http://10.0.0.1/": "private",
    "http://172.16.5.4/": "private",
    "http://192.168.1.1/": "private",
    "http://169.254.169.254/latest/meta-data/": "metadata",
    "http://169.254.170.2/v2/credentials": "metadata",
    "http://[fd00:ec2::254]/": "metadata",
    "http://100.100.100.200/": "metadata",
    "http://metadata.google.internal/computeMetadata/v1/": "metadata",
    "http://169.254.1.1/": "link-local",
    "http://[fe80::1]/": "link-local",
    "http://0.0.0.0/": "unspecified",
    "http://[::]/": "unspecified",
    "http://100.64.0.1/": "not globally routable",
    "http://224.0.0.1/": "multicast",
    "http://240.0.0.1/": "reserved",
    "http://[::ffff:10.0.0.1]/": "private",
    "http://[::ffff:169.254.169.254]/": "metadata",
    "http://[64:ff9b::a9fe:a9fe]/": "metadata",  # NAT64 of 169.254.169.254
    "http://[2002:a9fe:a9fe::]/": "metadata",  # 6to4 of 169.254.169.254
    "http://[fc00::1]/": "private",
    "http://127.0.0.1/": "loopback",
    "http://[::1]/": "loopback",
    "ftp://example.com/": "scheme",
    "file:///etc/passwd": "scheme",
    "gopher://example.com/": "scheme",
    "http://user:pass@example.com/": "credentials",
}


@pytest.mark.parametrize("url,reason", sorted(REFUSED.items()))
def test_guard_refuses_without_connecting(url, reason):
    verdict = NOTHING.check_url(url)
    assert not verdict.allowed
    assert reason in verdict.reason


def test_guard_allows_public_and_admin_ranges():
    assert classify(ipaddress.ip_address("93.184.216.34")) == "public"
    assert NOTHING.check_url("https://93.184.216.34/hook").allowed
    assert NOTHING.check_url("http://[2606:4700::1111]/").allowed
    policy = HostPolicy.from_setting("10.0.0.0/8, hooks.internal ,[fd12::/16]")
    assert policy.check_url("http://10.1.2.3/").allowed
    assert policy.check_url("http://[fd12::5]/").allowed
    assert policy.judge_host("hooks.internal").allowed
    assert not policy.check_url("http://192.168.0.1/").allowed
    assert not policy.check_url("http://169.254.169.254/").allowed
    # Resolution-time verdicts (getaddrinfo on literals opens no socket).
    with pytest.raises(BlockedDestination, match="private"):
        NOTHING.resolve("10.0.0.7", 80)
    with pytest.raises(BlockedDestination, match="metadata"):
        NOTHING.resolve("169.254.169.254", 80)


LOOPBACK_SPELLINGS = [
    "localhost",
    "127.1",
    "2130706433",
    "0x7f.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_real_delivery_to_loopback_spelling_is_refused_at_connect_time(
    db, workspace, receiver, host
):
    # Created while loopback was allowed; the admin then removed it (or DNS changed).
    everything = HostPolicy.from_setting("127.0.0.0/8,::1/128,localhost")
    endpoint = _endpoint(db, workspace.id, receiver.url(host=host), policy=everything)
    (delivery_id,) = _emit(db, workspace.id)
    result = webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=NOTHING, config=FAST)
    assert result.outcome == "blocked" and "loopback" in result.error
    assert receiver.requests == []
    delivery = _delivery(db, workspace.id, delivery_id)
    assert delivery.status == "blocked" and delivery.next_attempt_at is None
    (attempt,) = _attempts(db, workspace.id, delivery_id)
    assert attempt.outcome == "blocked" and attempt.url == endpoint.url


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_api_refuses_loopback_spellings_unless_allowed(client, api_headers, host):
    url = f"http://{host}:9/hook"
    r = client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=api_headers)
    assert r.status_code == 422 and "loopback" in r.json()["error"]["message"]
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.0/8,::1,localhost"
    r = client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=api_headers)
    assert r.status_code == 201


def test_redirect_to_loopback_is_refused(db, workspace, receiver):
    redirector = Receiver(host="127.0.0.2")
    try:
        redirector.script = [Reply(307, {"Location": receiver.url()})] * 2
        only_redirector = HostPolicy.from_setting("127.0.0.2")
        _endpoint(
            db,
            workspace.id,
            redirector.url(host="127.0.0.2"),
            policy=only_redirector,
            follow_redirects=True,
        )
        (delivery_id,) = _emit(db, workspace.id)
        result = webhooks.attempt_delivery(
            db, workspace.id, delivery_id, policy=only_redirector, config=FAST
        )
        assert result.outcome == "blocked" and "loopback" in result.error
        assert len(redirector.requests) == 1 and receiver.requests == []
    finally:
        redirector.close()


def test_redirect_to_other_scheme_is_refused(db, workspace, receiver):
    receiver.script = [Reply(302, {"Location": "file:///etc/passwd"})]
    _endpoint(db, workspace.id, receiver.url(), follow_redirects=True)
    (delivery_id,) = _emit(db, workspace.id)
    result = webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK, config=FAST)
    assert result.outcome == "blocked"


def test_redirect_followed_when_allowed_and_enabled(db, workspace, receiver):
    receiver.route = lambda path: Reply(308, {"Location": "/final"}) if path == "/hook" else None
    endpoint = _endpoint(db, workspace.id, receiver.url(), follow_redirects=True)
    (delivery_id,) = _emit(db, workspace.id)
    assert (
        webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK).outcome
        == "delivered"
    )
    assert [r.path for r in receiver.requests] == ["/hook", "/final"]
    Webhook(endpoint.secret).verify(receiver.requests[1].body, receiver.requests[1].headers)


def test_payload_is_json_with_type_timestamp_data(db, workspace, receiver):
    _endpoint(db, workspace.id, receiver.url(), events=["*"])
    (delivery_id,) = _emit(db, workspace.id, "sla.breached", {"subject": "case:1"})
    webhooks.attempt_delivery(db, workspace.id, delivery_id, policy=LOOPBACK)
    body = json.loads(receiver.requests[0].body)
    assert body["type"] == "sla.breached" and body["data"] == {"subject": "case:1"}
    assert body["timestamp"]
