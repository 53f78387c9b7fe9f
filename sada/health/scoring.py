"""From feature rows to a score per person, with the factors that moved it, in words.

Two scorers share one shape:

- the **transparent** score: fixed weights on "how bad" each feature looks (a long silence,
  a low latest rating, a falling rating, negative texts, complaints, open cases, spend
  falling, a short relationship), turned into a churn risk with a logistic link. Anyone can
  read the weights below; it is used until a trained model is good enough, and says so;
- a **trained** model (`training.py`): logistic weights learnt from the workspace's own
  history, applied to the same features after the same transform.

A factor is `{"name", "direction", "weight", "value"}`: direction `up` raises the risk,
`down` lowers it; weight is the size of its push on the risk's log-odds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sada.health.features import FEATURES

# Bands by the chance of churning within the horizon: at risk from 25%, watch from 10%.
BANDS = (("at_risk", 0.25), ("watch", 0.10), ("healthy", 0.0))  # band when risk >= bound

# Transparent weights: twice the log-odds a factor adds per unit of badness beyond the
# typical customer's (`NEUTRAL`); `badness` maps each raw value into [0, 1].
_COL = {name: i for i, name in enumerate(FEATURES)}
TRANSPARENT_WEIGHTS: dict[str, float] = {
    "recency_days": 1.6,
    "activity_90": 0.6,
    "spend_trend": 0.5,
    "last_rating": 2.0,
    "rating_trend": 0.8,
    "negative_share_90": 1.4,
    "complaints_90": 0.8,
    "open_cases": 0.7,
    "tenure_days": 0.3,
}
# The badness of a typical customer, per factor: a factor pushes the risk only as far as the
# person is worse (or better) than that.
NEUTRAL: dict[str, float] = {
    "recency_days": 30 / 180,
    "activity_90": 0.5,
    "spend_trend": 0.5,
    "last_rating": 0.3,
    "rating_trend": 0.5,
    "negative_share_90": 0.2,
    "complaints_90": 0.0,
    "open_cases": 0.25,
    "tenure_days": 0.5,
}
TRANSPARENT_BIAS = -2.2  # a typical customer: about 10% within the horizon


def badness(x: np.ndarray) -> np.ndarray:
    """Columns of "how bad" (0 good, 0.5 neutral, 1 worst) for the transparent weights."""
    c = _COL
    out = np.empty((x.shape[0], len(TRANSPARENT_WEIGHTS)))
    out[:, 0] = np.clip(x[:, c["recency_days"]] / 180.0, 0, 1)
    out[:, 1] = 1 - np.clip(x[:, c["activity_90"]] / 6.0, 0, 1)
    out[:, 2] = (1 - np.clip(x[:, c["spend_trend"]], -1, 1)) / 2
    out[:, 3] = 1 - x[:, c["last_rating"]]
    out[:, 4] = np.clip(0.5 - x[:, c["rating_trend"]], 0, 1)
    out[:, 5] = np.clip(x[:, c["negative_share_90"]], 0, 1)
    out[:, 6] = np.clip(x[:, c["complaints_90"]] / 3.0, 0, 1)
    out[:, 7] = np.clip(x[:, c["open_cases"]] / 2.0 + 0.25, 0, 1)
    out[:, 8] = 1 - np.clip(x[:, c["tenure_days"]] / 365.0, 0, 1)
    return out


def model_inputs(x: np.ndarray) -> np.ndarray:
    """The trained model's inputs: counts, days and money on a log scale; trends as they are."""
    out = x.astype(float).copy()
    for name in (
        "recency_days",
        "activity_90",
        "spend_180",
        "complaints_90",
        "open_cases",
        "tenure_days",
    ):
        col = _COL[name]
        out[:, col] = np.log1p(np.clip(out[:, col], 0, None))
    return out


@dataclass(frozen=True)
class Scored:
    risk: np.ndarray  # probability of churn within the horizon
    contributions: np.ndarray  # per person, per factor: push on the log-odds
    factor_names: tuple[str, ...]
    model: str  # "transparent" | "trained"


def score_transparent(x: np.ndarray) -> Scored:
    names = tuple(TRANSPARENT_WEIGHTS)
    weights = np.array([TRANSPARENT_WEIGHTS[n] for n in names])
    neutral = np.array([NEUTRAL[n] for n in names])
    contributions = (badness(x) - neutral) * 2 * weights
    logit = TRANSPARENT_BIAS + contributions.sum(axis=1)
    return Scored(1 / (1 + np.exp(-logit)), contributions, names, "transparent")


def score_trained(x: np.ndarray, card: dict[str, Any]) -> Scored:
    mean = np.array(card["mean"])
    std = np.array(card["std"])
    coef = np.array(card["coef"])
    z = (model_inputs(x) - mean) / std
    contributions = z * coef
    logit = float(card["intercept"]) + contributions.sum(axis=1)
    return Scored(1 / (1 + np.exp(-logit)), contributions, FEATURES, "trained")


def band_of(risk: float) -> str:
    for name, bound in BANDS:
        if risk >= bound:
            return name
    return "healthy"


def explain(
    scored: Scored, i: int, x_row: np.ndarray, top: int = 4, threshold: float = 0.05
) -> list[dict[str, Any]]:
    """The person's largest pushes on the risk, biggest first."""
    pushes = scored.contributions[i]
    order = np.argsort(-np.abs(pushes))
    out = []
    for j in order[:top]:
        weight = float(pushes[j])
        if abs(weight) < threshold:
            continue
        name = scored.factor_names[j]
        out.append(
            {
                "name": name,
                "direction": "up" if weight > 0 else "down",
                "weight": round(abs(weight), 3),
                "value": round(float(x_row[_COL[name]]), 3),
            }
        )
    return out


def results(scored: Scored, x: np.ndarray) -> list[dict[str, Any]]:
    out = []
    for i in range(x.shape[0]):
        risk = float(scored.risk[i])
        score = round(100 * (1 - risk), 1)
        out.append(
            {
                "score": score,
                "risk": round(risk, 4),
                "band": band_of(risk),
                "factors": explain(scored, i, x[i]),
                "model": scored.model,
                "value": round(float(x[i, _COL["spend_180"]]), 2),
            }
        )
    return out
