"""Property-based API fuzzing (schemathesis) over the ingest and read paths: no 5xx, whatever
the body, parameters or path ids. A subset of operations, few examples each: CPU is shared."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

schemathesis = pytest.importorskip("schemathesis")

OPERATIONS = (
    r"^/api/v1/(interactions:batch|interactions/\{interaction_id\}|people:identify|people"
    r"|people/\{person_id\}|people/\{person_id\}/timeline|rules|rules:dry-run|cases"
    r"|cases/\{case_id\}|api-keys|metrics/\{metric\}|feedback|webhooks|performance"
    r"|notifications:read|notifications|notifications/\{notification_id\}:read)$"
)
EXAMPLES = 15
# SADA_SCHEMATHESIS_ALL=1: every operation of the document (minutes; for a one-off audit).
EVERYTHING = os.environ.get("SADA_SCHEMATHESIS_ALL") == "1"


def test_no_server_errors_on_fuzzed_requests(
    app: Any, db: Any, workspace: Any, make_key: Any
) -> None:
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    if not EVERYTHING:
        schema = schema.include(path_regex=OPERATIONS)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # noqa: BLE001 - an unhandled error is a 500
                failures.append(f"{case.method} {case.formatted_path} -> {exc!r}"[:400])
                return
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        run()
    assert operations >= 15
    print(f"schemathesis: {operations} operations, {EXAMPLES} examples each")
    assert not failures, "\n".join(sorted(set(failures))[:40])
