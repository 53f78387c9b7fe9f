"""The API docs page and the OpenAPI document are served by Sada itself."""

from __future__ import annotations

import re


def test_api_docs_load_everything_from_sada(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/interactions:batch" in spec["paths"]
    assert "/api/v1/people/{person_id}/timeline" in spec["paths"]
    assert client.get("/api/docs-assets/../../etc/passwd").status_code == 404
