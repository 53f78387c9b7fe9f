"""Channels benchmark: signed WhatsApp webhooks through `handle_webhook` (verify, parse, store).

    python bench/channels.py                 # 1,000 webhooks of 1 message each, SQLite
    python bench/channels.py --webhooks 3000
    SADA_TEST_DATABASE_URL=postgresql://... python bench/channels.py --postgres

Prints `key=value` lines: webhooks per second for new messages, and for the same
deliveries replayed (each message stored once: replays are duplicates).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sada.db.registry  # noqa: E402,F401
from sada.channels import service  # noqa: E402
from sada.db.engine import open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.settings import Settings  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402


def body(n: int) -> bytes:
    number = f"4477009{n % 500:05d}"
    message = {
        "from": number,
        "id": f"wamid.BENCH{n}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": f"message {n}: my order is late"},
    }
    value = {
        "messaging_product": "whatsapp",
        "contacts": [{"profile": {"name": f"P{n % 500}"}, "wa_id": number}],
        "messages": [message],
    }
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "W", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            os.environ["SADA_TEST_DATABASE_URL"]
            if args.postgres
            else f"sqlite:///{Path(tmp) / 'bench.db'}"
        )
        db = open_database(url)
        upgrade(db)
        with db.transaction() as session:
            ws = do_create_workspace(session, f"bench-channels-{time.time_ns()}").id
        with db.transaction(ws) as session:
            account = service.do_create_account(
                session,
                "whatsapp",
                config={"phone_number_id": "1"},
                secrets={"access_token": "t", "app_secret": "s", "verify_token": "v"},
            )
            session.expunge(account)
        settings = Settings()
        bodies = [body(n) for n in range(args.webhooks)]
        for label in ("new", "replayed"):
            started = time.perf_counter()
            for raw in bodies:
                sig = hmac.new(b"s", raw, hashlib.sha256).hexdigest()
                headers = {"x-hub-signature-256": f"sha256={sig}"}
                service.handle_webhook(db, settings, account, headers, raw)
            seconds = time.perf_counter() - started
            print(f"{label}_webhooks={args.webhooks} seconds={seconds:.2f}")
            print(f"{label}_per_second={args.webhooks / seconds:.0f}")


if __name__ == "__main__":
    main()
