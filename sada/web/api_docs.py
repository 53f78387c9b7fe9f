"""Interactive API docs served entirely by Sada (no CDN).

Swagger UI's assets come from the installed `swagger-ui-bundle` package; the
page loads them, and a small init script of ours, from Sada itself, so the page
works offline and under a Content-Security-Policy without inline scripts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)

_ALLOWED = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}

_PAGE = """<!doctype html>
<html lang="en" dir="ltr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sada API</title>
<link rel="stylesheet" href="/api/docs-assets/swagger-ui.css">
<link rel="icon" href="/api/docs-assets/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/api/docs-assets/swagger-ui-bundle.js"></script>
<script src="/api/docs-init.js"></script>
</body></html>"""

_INIT = 'window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true});\n'


def _assets_dir() -> Path | None:
    try:
        import swagger_ui_bundle
    except ModuleNotFoundError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    if _assets_dir() is None:
        return HTMLResponse(
            "<!doctype html><title>Sada API</title><p>Install swagger-ui-bundle for interactive docs; "
            "the OpenAPI document is at <a href='/api/openapi.json'>/api/openapi.json</a>.</p>"
        )
    return HTMLResponse(_PAGE)


@router.get("/api/docs-init.js")
def api_docs_init() -> Response:
    return Response(_INIT, media_type="text/javascript")


@router.get("/api/docs-assets/{name}")
def api_docs_asset(name: str) -> FileResponse:
    folder = _assets_dir()
    if folder is None or name not in _ALLOWED:
        raise HTTPException(status_code=404)
    return FileResponse(folder / name, headers={"Cache-Control": "public, max-age=86400"})
