"""The channels settings page: the workspace's WhatsApp, Telegram and SMS accounts, their webhook
addresses and which secrets are set (values are never shown). Accounts are added through the
admin API (`POST /api/v1/channels`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from sada.channels import service
from sada.web.core import PageRoute, page, render, require, services
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/settings/channels")
def channels_page(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    p = page(request, me)
    base = services(request).settings.base_url.rstrip("/")
    with services(request).db.reader(me.workspace_id) as session:
        rows = [
            {
                "kind": a.kind,
                "name": a.name,
                "webhook_url": f"{base}/api/v1/channels/{a.kind}/{a.key}",
                "secrets": sorted(a.secrets),
            }
            for a in service.list_accounts(session)
        ]
    return render(p, "channels/settings.html", rows=rows)
