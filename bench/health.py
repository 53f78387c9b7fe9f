"""Customer health benchmark: train on a grown workspace's history, then score at scale.

    python bench/health.py                 # 5,000 people in SQLite + 1M feature rows
    python bench/health.py --people 20000 --rows 1000000
    SADA_TEST_DATABASE_URL=postgresql://... python bench/health.py --postgres

Two parts, printed as `key=value` lines:

1. the whole path on a database: seed a history where churn depends on experience
   (`sada.health.synthetic`), train with a time-based holdout (AUC and top-decile lift on the
   later period), then rescore everyone into `health_scores` (reading every interaction);
2. scoring alone on `--rows` synthetic feature rows (the transparent score and the trained
   model), the part that has to stay under a minute at 1M people on one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sada.db.registry  # noqa: E402,F401
from sada.db.engine import open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.health import service  # noqa: E402
from sada.health.features import FEATURES  # noqa: E402
from sada.health.scoring import score_trained, score_transparent  # noqa: E402
from sada.health.synthetic import seed_history  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ["SADA_TEST_DATABASE_URL"] if args.postgres else f"sqlite:///{tmp}/h.db"
        db = open_database(url)
        upgrade(db)
        with db.transaction() as session:
            ws = do_create_workspace(session, f"bench-health-{int(time.time())}").id
        t0 = time.perf_counter()
        now = seed_history(db, ws, people=args.people)
        print(f"seed_s={time.perf_counter() - t0:.1f} people={args.people}")
        t0 = time.perf_counter()
        with db.transaction(ws) as session:
            model = service.train_model(session, now)
        card = model.card
        print(f"train_s={time.perf_counter() - t0:.1f} status={model.status}")
        for key in ("n_train", "n_holdout", "churners_train", "churners_holdout",
                    "auc", "transparent_auc", "top_decile_lift", "base_rate", "reason"):  # fmt: skip
            print(f"{key}={card.get(key)}")
        t0 = time.perf_counter()
        with db.transaction(ws) as session:
            scored = service.refresh(session, now)
        print(f"rescore_s={time.perf_counter() - t0:.1f} scored={scored}")
        db.dispose()
    rng = np.random.default_rng(1)
    x = np.column_stack(
        [
            rng.exponential(20, args.rows),  # recency_days
            rng.poisson(6, args.rows),  # activity_90
            rng.lognormal(5, 1, args.rows),  # spend_180
            rng.uniform(-1, 1, args.rows),  # spend_trend
            rng.uniform(0, 1, args.rows),  # last_rating
            rng.normal(0, 0.2, args.rows),  # rating_trend
            rng.beta(1, 5, args.rows),  # negative_share_90
            rng.poisson(0.3, args.rows),  # complaints_90
            rng.poisson(0.1, args.rows),  # open_cases
            rng.uniform(10, 900, args.rows),  # tenure_days
        ]
    ).astype(float)
    assert x.shape[1] == len(FEATURES)
    t0 = time.process_time()
    score_transparent(x)
    print(f"score_transparent_cpu_s={time.process_time() - t0:.2f} rows={args.rows}")
    if "coef" in card:
        t0 = time.process_time()
        score_trained(x, card)
        print(f"score_trained_cpu_s={time.process_time() - t0:.2f} rows={args.rows}")


if __name__ == "__main__":
    main()
