"""The ingest path's lookups are index probes, so their cost follows the batch, not the data.

Every SELECT that ingest sends to `interactions` or `identities` is captured and explained
on the database itself (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL after
ANALYZE, with sequential scans off as on a grown table): none may scan the table, and the
duplicate check and identity resolution must go through the unique indexes.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, text

from sada.interactions.ingest import ingest_batch


def _item(i: int) -> dict[str, Any]:
    return {
        "source": "plans",
        "external_id": f"p{i}",
        "occurred_at": "2026-05-01T10:00:00Z",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "person": {"email": f"plan{i}@example.com", "external_ids": {"crm": f"c{i}"}},
    }


def test_duplicate_check_and_identity_lookup_use_the_unique_indexes(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        for start in range(0, 3000, 1000):
            ingest_batch(session, [_item(i) for i in range(start, start + 1000)])
    if not db.is_sqlite:
        with db.transaction() as session:
            session.execute(text("ANALYZE interactions"))
            session.execute(text("ANALYZE identities"))

    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        lowered = statement.lower()
        if lowered.lstrip().startswith(("select", "with")) and (
            "interactions" in lowered or "identities" in lowered
        ):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.transaction(workspace.id) as session:
            # Half known (duplicates, known people), half new.
            ingest_batch(session, [_item(i) for i in range(2900, 3100)])
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)

    probes = {"interactions": False, "identities": False}
    plans: list[str] = []
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        if not db.is_sqlite:
            # A few thousand rows are cheaper to hash than to probe; at a million they are
            # not. Without sequential scans the planner shows the plan it picks at scale.
            raw.execute("SET enable_seqscan = off")
        for statement, parameters in captured:
            cursor = raw.cursor()
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            cursor.execute(prefix + statement, parameters)
            plan = "\n".join(str(row[-1] if db.is_sqlite else row[0]) for row in cursor.fetchall())
            cursor.close()
            plans.append(plan)
            for line in plan.splitlines():
                # The only full scans allowed are of the batch's own keys.
                if line.startswith("SCAN ") and "VIRTUAL TABLE" not in line:
                    assert "CONSTANT ROW" in line, (statement, plan)
            for table in probes:
                assert f"Seq Scan on {table}" not in plan, (statement, plan)
            if db.is_sqlite:
                if "(workspace_id=? AND source=? AND external_id=?)" in plan:
                    probes["interactions"] = True
                if "(workspace_id=? AND kind=? AND namespace=? AND value=?)" in plan:
                    probes["identities"] = True
            else:
                if "uq_interactions_workspace_id_source_external_id" in plan:
                    probes["interactions"] = True
                if "uq_identities_workspace_id_kind_namespace_value" in plan:
                    probes["identities"] = True
    assert probes == {"interactions": True, "identities": True}, plans


def test_a_table_without_statistics_gets_them_before_the_first_probe(pg_db):  # type: ignore[no-untyped-def]
    """A new database has no planner statistics until autovacuum's first analyze: the planner
    then sees every `(workspace_id, ...)` index as one row and may probe through the wrong one
    (each key walking the whole workspace). The probe analyzes such a table first."""
    from sada.db.dialect import _WITH_STATISTICS, ensure_statistics

    table = "probe_stats_scratch"
    with pg_db.transaction() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {table}"))
        session.execute(
            text(
                f"CREATE TABLE {table} (id bigserial PRIMARY KEY, workspace_id bigint, v text) "
                "WITH (autovacuum_enabled = false)"
            )
        )
        session.execute(
            text(
                f"INSERT INTO {table} (workspace_id, v) SELECT 1, g::text FROM generate_series(1, 500) g"
            )
        )
    stats = text("SELECT count(*) FROM pg_stats WHERE tablename = :t AND attname = 'workspace_id'")
    try:
        with pg_db.transaction() as session:
            assert session.execute(stats, {"t": table}).scalar_one() == 0
            ensure_statistics(session, table)
            assert session.execute(stats, {"t": table}).scalar_one() == 1
        assert any(t == table for _db, t in _WITH_STATISTICS)
        # The analyze's lock timeout ended with its transaction: no pooled connection keeps it
        # (a leaked 2 s timeout turned lock waits of concurrent requests into 500s).
        engine = pg_db.engine
        conns = [engine.connect() for _ in range(engine.pool.size())]
        try:
            assert {c.execute(text("SHOW lock_timeout")).scalar_one() for c in conns} == {"0"}
        finally:
            for c in conns:
                c.close()
    finally:
        with pg_db.transaction() as session:
            session.execute(text(f"DROP TABLE IF EXISTS {table}"))


def test_who_spoke_masks_have_one_key_index_that_serves_the_distinct_count(db, workspace):  # type: ignore[no-untyped-def]
    """Ingest ORs each voice fact into two who-spoke masks (a person's months of an era, a
    person's days of a month), each table with one index led by the dimensions (the unique
    key that `ON CONFLICT` needs) and one by person (merges); the overview's distinct-people
    count is one statement that seeks the month masks' key by channel, language and era
    (edge days: one probe of the day masks' key per person left, by month and person), or
    for a range inside two months the day masks' key by channel, language and month. Each
    filter has its own rows (channel and "*", "*" and language), so no count reads more
    than one row per person."""
    from datetime import date

    from sada.interactions import rollup_reads

    with db.transaction(workspace.id) as session:
        ingest_batch(session, [_item(i) for i in range(50)])
    tables = ("who_spoke_months", "who_spoke_days")
    if not db.is_sqlite:
        with db.transaction() as session:
            session.execute(text(f"ANALYZE {', '.join(tables)}"))
    for table in tables:
        with db.engine.connect() as connection:
            if db.is_sqlite:
                indexes = {
                    row[1] for row in connection.exec_driver_sql(f"PRAGMA index_list({table})")
                }
            else:
                indexes = set(
                    connection.exec_driver_sql(
                        f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'"
                    ).scalars()
                )
        named = {i for i in indexes if not i.startswith(("sqlite_autoindex", "pk_"))}
        assert named == {f"ix_{table}_person"} | (set() if db.is_sqlite else {f"uq_{table}_key"}), (
            indexes
        )

    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if "who_spoke_" in statement:
            captured.append((statement, parameters))

    event.listen(db.read_engine, "before_cursor_execute", capture)
    try:
        with db.reader(workspace.id) as session:
            for first, last in (
                (date(2026, 1, 10), date(2026, 12, 20)),
                (date(2026, 3, 5), date(2026, 4, 10)),
            ):
                for dims in ({}, {"channel": "email"}, {"language": "en"}):
                    rollup_reads.distinct_people(session, "UTC", first, last, **dims)
    finally:
        event.remove(db.read_engine, "before_cursor_execute", capture)
    # One statement per count, whatever the filter (its own dimension set's rows).
    assert len(captured) == 6 and all("count(" in c[0] for c in captured), captured
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        if not db.is_sqlite:
            raw.execute("SET enable_seqscan = off")
        for statement, parameters in captured:
            cursor = raw.cursor()
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            cursor.execute(prefix + statement, parameters)
            plan = "\n".join(str(row[-1] if db.is_sqlite else row[0]) for row in cursor.fetchall())
            cursor.close()
            months = "who_spoke_months AS m" in statement
            if db.is_sqlite:
                lines = [line for line in plan.splitlines() if "who_spoke_" in line]
                assert lines and all("SEARCH" in line for line in lines), plan
                if months:
                    assert any(
                        "sqlite_autoindex_who_spoke_months" in line
                        and "channel=? AND language=? AND era=?" in line
                        for line in lines
                    ), plan
                    # The edge days: one probe of the day masks' key per person.
                    assert any(
                        "who_spoke_days" in line and "person_id=?" in line for line in lines
                    ), plan
                else:
                    assert all(
                        "sqlite_autoindex_who_spoke_days" in line
                        and "channel=? AND language=? AND month=?" in line
                        for line in lines
                    ), plan
            else:
                assert "Seq Scan" not in plan, plan
                if months:
                    assert "uq_who_spoke_months_key" in plan and "era" in plan, plan
                    # Each edge month's probe: an index seek bounded by the person (the
                    # planner picks the key or the person index by the table's statistics).
                    probes = re.split(r"\n\s*SubPlan \d+\n", plan)[1:]
                    assert probes and all(
                        "Index Cond" in p and "person_id = m.person_id" in p.split("Filter")[0]
                        for p in probes
                    ), plan
                else:
                    assert "uq_who_spoke_days_key" in plan and "month" in plan, plan
