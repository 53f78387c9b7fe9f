"""The metric catalogue over the API: what each figure means, its scales, bands and interval."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from sada.metrics import catalogue
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["metrics"])


@router.get("/metrics-catalogue")
def metric_catalogue(
    request: Request, _key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    """Every metric Sada computes (scale, bands, direction, what counts, how its interval is
    computed) and every rating scale with its low / mid / high bands."""
    return {
        "metrics": [asdict(m) for m in catalogue.METRICS.values()],
        "scales": [asdict(s) for s in catalogue.SCALES.values()],
    }
