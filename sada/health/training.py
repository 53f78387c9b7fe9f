"""Learn churn weights from the workspace's own history, judged on a later period it never saw.

Two snapshots, one horizon H apart: features as of `now - 2H` with the churn of the next H
days as labels train a logistic regression (scikit-learn); features as of `now - H` with the
churn of the last H days are the holdout. The card records the holdout AUC, the lift in the
top decile, a calibration table, the transparent score's AUC on the same holdout (so the
two can be compared honestly), and the weights. The model is used only when it beats the
transparent score and there were enough churners; otherwise the card says why.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from sada.health.features import FEATURES, Snapshot, churned_between, inactive_after, snapshot
from sada.health.models import HealthSettings
from sada.health.scoring import model_inputs, score_transparent

MIN_CHURNERS_TRAIN = 30
MIN_CHURNERS_HOLDOUT = 10


def labelled(
    session: Session, settings: HealthSettings, at: datetime
) -> tuple[Snapshot, np.ndarray]:
    horizon = timedelta(days=settings.horizon_days)
    snap = snapshot(session, at, churn_types=settings.churn_types)
    if settings.churn_kind == "behavioural":
        gone = inactive_after(session, snap.person_ids, at, settings.inactivity_days)
    else:
        gone = churned_between(session, at, at + horizon, settings.churn_types)
    y = np.array([1 if pid in gone else 0 for pid in snap.person_ids], dtype=int)
    return snap, y


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve by ranks (ties averaged)."""
    from scipy.stats import rankdata

    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def top_decile_lift(y: np.ndarray, p: np.ndarray) -> float:
    if len(y) == 0 or y.mean() == 0:
        return float("nan")
    k = max(1, len(y) // 10)
    top = np.argsort(-p)[:k]
    return float(y[top].mean() / y.mean())


def calibration(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    order = np.argsort(p)
    out = []
    for chunk in np.array_split(order, bins):
        if len(chunk):
            out.append(
                {
                    "predicted": round(float(p[chunk].mean()), 4),
                    "observed": round(float(y[chunk].mean()), 4),
                    "n": int(len(chunk)),
                }
            )
    return out


def train(session: Session, settings: HealthSettings, now: datetime) -> tuple[str, dict[str, Any]]:
    """Returns (status, card): status `active` (use it), `too_few`, `weak` or `unavailable`."""
    horizon = timedelta(days=settings.horizon_days)
    train_at, holdout_at = now - 2 * horizon, now - horizon
    x_tr, y_tr = _xy(*labelled(session, settings, train_at))
    x_ho, y_ho = _xy(*labelled(session, settings, holdout_at))
    card: dict[str, Any] = {
        "churn_kind": settings.churn_kind,
        "horizon_days": settings.horizon_days,
        "train_at": train_at.isoformat(),
        "holdout_at": holdout_at.isoformat(),
        "n_train": int(len(y_tr)),
        "n_holdout": int(len(y_ho)),
        "churners_train": int(y_tr.sum()),
        "churners_holdout": int(y_ho.sum()),
        "features": list(FEATURES),
    }
    if len(y_ho):
        card["transparent_auc"] = round(auc(y_ho, score_transparent(x_ho).risk), 4)
    if y_tr.sum() < MIN_CHURNERS_TRAIN or y_ho.sum() < MIN_CHURNERS_HOLDOUT:
        card["reason"] = (
            f"too few churners to learn from (train {int(y_tr.sum())}, holdout {int(y_ho.sum())};"
            f" need {MIN_CHURNERS_TRAIN} and {MIN_CHURNERS_HOLDOUT})"
        )
        return "too_few", card
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        card["reason"] = "scikit-learn is not installed (pip install 'sada-cx[train]')"
        return "unavailable", card
    inputs = model_inputs(x_tr)
    mean = inputs.mean(axis=0)
    std = inputs.std(axis=0)
    std[std == 0] = 1.0
    model = LogisticRegression(max_iter=2000, C=1.0)
    model.fit((inputs - mean) / std, y_tr)
    p_ho = model.predict_proba((model_inputs(x_ho) - mean) / std)[:, 1]
    card.update(
        {
            "mean": mean.round(6).tolist(),
            "std": std.round(6).tolist(),
            "coef": model.coef_[0].round(6).tolist(),
            "intercept": round(float(model.intercept_[0]), 6),
            "auc": round(auc(y_ho, p_ho), 4),
            "top_decile_lift": round(top_decile_lift(y_ho, p_ho), 3),
            "calibration": calibration(y_ho, p_ho),
            "base_rate": round(float(y_ho.mean()), 4),
        }
    )
    if not card["auc"] > card.get("transparent_auc", 0.0):
        card["reason"] = "the trained model did not beat the transparent score on the holdout"
        return "weak", card
    return "active", card


def _xy(snap: Snapshot, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return snap.rows, y
