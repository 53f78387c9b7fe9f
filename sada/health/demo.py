"""Demo data of customer health: train on the demo's history and score everyone.

The demo's renewals and cancellations follow each person's hidden mood, which also drives
their ratings and texts, so there is something real to learn. Without scikit-learn (the
plain `sada demo` install) the transparent score is used, and the page says so.
"""

from __future__ import annotations

from sada.demo.seed import DemoContext
from sada.health import service
from sada.health.features import log_read_once


def demo_health(ctx: DemoContext) -> None:
    with ctx.db.transaction(ctx.workspace_id) as session, log_read_once(session, ctx.now):
        service.train_model(session, ctx.now)
        service.refresh(session, ctx.now)
