"""Text over the API: analysts' corrections of labels (the analyses themselves come with
each interaction, see `sada.text.views`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey
from sada.text import views

router = APIRouter(prefix="/api/v1", tags=["text"])

Label = Literal["negative", "neutral", "positive"]


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentiment: Label | None = Field(default=None, description="the text's sentiment")
    aspects: dict[str, Label] = Field(
        default_factory=dict, description="aspect name -> its polarity in this text"
    )


@router.post("/interactions/{interaction_id}/corrections")
def correct_labels(
    request: Request,
    interaction_id: int,
    body: CorrectionIn,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> dict[str, Any]:
    """Correct the sentiment or aspect labels of one analysed interaction; returns the analysis
    as shown from now on. Corrections survive re-analysis and feed `sada text corrections`."""
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return views.do_correct(
            session,
            interaction_id,
            sentiment=body.sentiment,
            aspects=dict(body.aspects),
            by=f"api key {key.name or key.id}",
        )
