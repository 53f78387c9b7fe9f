"""`sada demo`: a fictional company's workspace with realistic multilingual data.

Nakhl (Persian/Arabic "palm") sells groceries, home goods and electronics with
delivery and an app, to customers writing Persian, Arabic, Chinese and English.
The seeder writes rows in bulk (explicit ids, executemany) because going through
the HTTP API would take minutes; it uses the same normalizers as ingest, so the
data is indistinguishable from ingested data. Other domains add their demo data
through their own `demo.py` modules, called at the end when present.

Planted patterns (so that analysis has something true to find):
- delivery in the second region of Persian-speaking customers (Mashhad) is late
  far more often, and those customers complain about it;
- a few dozen repeat complainers write 4-8 complaints within a month;
- a person's mood (hidden, in [-1, 1]) drives the sentiment of what they write,
  their review stars, survey scores and whether they renew or cancel; those who cancel
  buy less, complain more and rate lower in the months before (churn is learnable).
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sada.core.errors import Unauthorized
from sada.core.security import hash_password
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.demo import analyses, content
from sada.demo import rollups as demo_rollups
from sada.demo.bulk import bulk_cache, fix_sequences, insert_rows, next_id
from sada.demo.names import make_person_name
from sada.demo.rhythm import signup_time
from sada.demo.timelines import SOCIAL, DemoPerson, SeedState, generate_interactions
from sada.events import publish
from sada.interactions.models import Interaction, Touchpoint
from sada.people.models import Identity, Person
from sada.tenants.models import Membership, User, Workspace
from sada.tenants.service import (
    authenticate_api_key,
    do_add_member,
    do_create_api_key,
    do_create_user,
    do_create_workspace,
)
from sada.text.normalize import fold_for_search

DEMO_WORKSPACE = "demo"
DEMO_EMAIL = "demo@sada.local"
DEMO_PASSWORD = "sada-demo-2026"  # noqa: S105 - a demo login, printed on purpose

LANG_WEIGHTS = {"fa": 0.3, "ar": 0.3, "zh": 0.2, "en": 0.2}
COUNTRIES = {  # country, calling code, leading national digits, national number length
    "fa": [("IR", "+98", "91", 10)],
    "ar": [
        ("SA", "+966", "5", 9),
        ("AE", "+971", "5", 9),
        ("EG", "+20", "10", 10),
        ("JO", "+962", "7", 9),
    ],
    "zh": [("CN", "+86", "13", 11), ("TW", "+886", "9", 9), ("HK", "+852", "9", 8)],
    "en": [
        ("GB", "+44", "7", 10),
        ("CA", "+1", "416", 10),
        ("AU", "+61", "4", 9),
        ("US", "+1", "212", 10),
    ],
}
TOUCHPOINTS = {
    "website_visit": ("Website visit", "web"),
    "product_page": ("Product page", "web"),
    "checkout": ("Checkout", "web"),
    "delivery": ("Delivery", None),
    "onboarding_call": ("Onboarding call", "phone"),
    "app_usage": ("App usage", "app"),
    "support_chat": ("Support chat", "chat"),
    "support_email": ("Support email", "email"),
    "renewal": ("Renewal", None),
    "social_post": ("Social media", None),
    "store_visit": ("Store visit", "in_store"),
}
AGENTS = [
    ("sara.ahmadi@nakhl.example", "سارا احمدی", "fa"),
    ("reza.karimi@nakhl.example", "رضا کریمی", "fa"),
    ("layla.haddad@nakhl.example", "ليلى حداد", "ar"),
    ("omar.khalil@nakhl.example", "عمر خليل", "ar"),
    ("li.wei@nakhl.example", "李伟", "zh"),
    ("wang.fang@nakhl.example", "王芳", "zh"),
    ("emma.clark@nakhl.example", "Emma Clark", "en"),
]
STAFF = [
    ("manager@nakhl.example", "Maryam Rahimi", "manager", "fa"),
    ("analyst@nakhl.example", "Chen Jing", "analyst", "zh"),
    ("viewer@nakhl.example", "Karim Nasser", "viewer", "ar"),
    ("csm@nakhl.example", "Nima Farahani", "manager", "fa"),
]


def seed_demo(
    db: Database,
    *,
    people: int = 20_000,
    interactions: int | None = None,
    reset: bool = False,
    seed: int = 7,
    console: Console | None = None,
    key_file: Path | None = None,
    only: Collection[str] | None = None,
    analysis_days: int = analyses.DAYS,
) -> dict[str, Any]:
    """Seed the demo workspace (or find it); `key_file` keeps its API key across restarts;
    `only` limits the other domains' demo data to those named (tests); the texts of the
    last `analysis_days` days are analysed during seeding (0: all by the background jobs)."""
    console = console or Console(stderr=True)
    target = interactions if interactions is not None else people * 15
    with db.transaction() as session:
        existing = session.execute(
            select(Workspace).where(Workspace.name == DEMO_WORKSPACE)
        ).scalar_one_or_none()
        if existing is not None and reset:
            session.execute(delete(Workspace).where(Workspace.id == existing.id))
            existing = None
        if existing is None:
            workspace = do_create_workspace(
                session, DEMO_WORKSPACE, display_name="Nakhl Home & Market", timezone="Asia/Tehran"
            )
            workspace.settings = {
                "company": "Nakhl",
                "competitors": ["Digikala", "Noon", "Amazon", "JD.com", "Taobao", "Snappfood"],
            }
            workspace_id = workspace.id
            fresh = True
        else:
            workspace_id = existing.id
            fresh = False
    api_key = demo_api_key(db, workspace_id, key_file if not fresh else None, key_file)
    if not fresh:
        with db.reader(workspace_id) as session:
            n_people = session.execute(select(func.count()).select_from(Person)).scalar_one()
            n_inter = session.execute(select(func.count()).select_from(Interaction)).scalar_one()
        console.print("demo workspace exists already; use --reset to seed it again")
        return _info(n_people, n_inter, api_key)

    state = SeedState(
        workspace_id=workspace_id, rng=random.Random(seed), now=utcnow().replace(microsecond=0)
    )
    with bulk_cache(db):
        info = _seed(db, state, people, target, console, only, analysis_days)
    return {**info, "api_key": api_key}


def _seed(
    db: Database,
    state: SeedState,
    people: int,
    target: int,
    console: Console,
    only: Collection[str] | None,
    analysis_days: int,
) -> dict[str, Any]:
    workspace_id = state.workspace_id
    analysed: analyses.SeededAnalysis | None = None
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("users and touchpoints", total=1)
        _seed_users(db, state)
        progress.update(task, completed=1)

        task = progress.add_task("people", total=people)
        _seed_people(db, state, people, lambda n: progress.advance(task, n))

        task = progress.add_task("interactions", total=target)
        generate_interactions(state, target)
        _write_interactions(db, state, lambda n: progress.advance(task, n))

        extras = [
            (name, fn) for name, fn in _domain_demos() if only is None or name.split(".")[1] in only
        ]
        if extras:
            task = progress.add_task("surveys, journeys, cases", total=len(extras))
            moods = {p.id: p.mood for p in state.people}
            context = DemoContext(
                db=db,
                workspace_id=workspace_id,
                rng=state.rng,
                people=state.people,
                moods=moods,
                now=state.now,
            )
            for name, fn in extras:
                progress.update(task, description=f"demo data: {name.split('.')[1]}")
                started = time.perf_counter()
                fn(context)
                progress.console.log(
                    f"{name.split('.')[1]} demo data in {time.perf_counter() - started:.1f} s"
                )
                progress.advance(task, 1)
        if analysis_days > 0:
            # Before the rollups: they count sentiment and topics from these analyses.
            task = progress.add_task(f"text analysis, last {analysis_days} days", total=None)
            analysed = analyses.analyse_recent(
                db,
                workspace_id,
                state.now,
                analysis_days,
                total=lambda n: progress.update(task, total=n),
                advance=lambda n: progress.advance(task, n),
            )
            progress.console.log(
                f"text analysis: {analysed.analysed:,} texts of the last {analysis_days} days "
                f"({analysed.distinct:,} distinct) in {analysed.cpu_s:.1f} s CPU; older texts "
                "are analysed in the background after start, and these refined with embeddings"
            )
        # The demo writes rows in bulk, past the write-time rollups: build them once.
        task = progress.add_task("dashboard rollups", total=1)
        with db.transaction(workspace_id) as session:
            demo_rollups.build(session)
        progress.update(task, completed=1)
    info = _info(len(state.people), len(state.interactions), "")
    info["analysed_days"] = analysis_days if analysed is not None else 0
    info["analysed"] = analysed.analysed if analysed is not None else 0
    return info


def demo_api_key(db: Database, workspace_id: int, known: Path | None, store: Path | None) -> str:
    """The demo's API key: the first one minted, read back from `known` while it still works
    for this workspace (every restart used to mint a new key); otherwise a new key, written to
    `store` (owner-only permissions) for the next start."""
    if known is not None and known.is_file():
        raw = known.read_text(encoding="utf-8").strip()
        try:
            if authenticate_api_key(db, raw).workspace_id == workspace_id:
                return raw
        except Unauthorized:
            pass
    with db.transaction(workspace_id) as session:
        api_key = do_create_api_key(session, name="demo", scopes=["read", "write"])[1]
    if store is not None:
        store.touch(mode=0o600, exist_ok=True)
        store.chmod(0o600)
        store.write_text(api_key + "\n", encoding="utf-8")
    return api_key


@dataclass
class DemoContext:
    """What other domains' demo seeders receive."""

    db: Database
    workspace_id: int
    rng: random.Random
    people: list[DemoPerson]
    moods: dict[int, float]
    now: datetime


def demo_journeys(ctx: DemoContext) -> None:
    from sada.journeys.demo import seed_demo_journeys

    seed_demo_journeys(ctx.db, ctx.workspace_id)


def demo_surveys(ctx: DemoContext) -> None:
    from sada.feedback.demo import seed_demo_surveys

    by_lang: dict[str, list[int]] = {}
    for person in ctx.people:
        if person.audience in ("customer", "employee", "fan"):
            by_lang.setdefault(person.language, []).append(person.id)
    employees = [p.id for p in ctx.people if p.audience == "employee"]
    seed_demo_surveys(
        ctx.db,
        ctx.workspace_id,
        ctx.rng,
        by_lang,
        ctx.moods,
        responses=min(10_000, len(ctx.people) // 2),
        employee_ids=employees,
        now=ctx.now,
        count_interaction_rollups=False,  # `_seed` builds every rollup once at the end
    )


def demo_cases(ctx: DemoContext) -> None:
    from sada.cases.demo import seed_demo_cases

    seed_demo_cases(ctx)


def _domain_demos() -> list[tuple[str, Callable[[DemoContext], None]]]:
    """Other domains' demo data, in the manifest's seeding order."""
    from sada.domains import demo_functions

    found = []
    for name, target in demo_functions():
        module_name, _, function = target.partition(":")
        found.append((f"sada.{name}.demo", getattr(importlib.import_module(module_name), function)))
    return found


def _info(n_people: int, n_interactions: int, api_key: str) -> dict[str, Any]:
    return {
        "workspace": DEMO_WORKSPACE,
        "people": n_people,
        "interactions": n_interactions,
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "api_key": api_key,
    }


# ---------------------------------------------------------------- users


def _seed_users(db: Database, state: SeedState) -> None:
    # Every demo login has the same (printed) password: hash it once, not once per user
    # (argon2 costs about 0.2 s of CPU a hash, by design).
    password_hash = hash_password(DEMO_PASSWORD)
    with db.transaction(state.workspace_id) as session:
        owner = _user(session, DEMO_EMAIL, "Demo Owner", "en", password_hash)
        do_add_member(session, owner, "owner")
        for email, name, role, lang in STAFF:
            do_add_member(session, _user(session, email, name, lang, password_hash), role)
        for email, name, lang in AGENTS:
            agent = _user(session, email, name, lang, password_hash)
            do_add_member(session, agent, "agent")
            state.agent_ids.setdefault(lang, []).append(agent.id)
        for key, (label, channel) in TOUCHPOINTS.items():
            tp = Touchpoint(workspace_id=state.workspace_id, key=key, label=label, channel=channel)
            session.add(tp)
            session.flush()
            state.touchpoint_ids[key] = tp.id


def _user(session: Session, email: str, name: str, language: str, password_hash: str) -> User:
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = do_create_user(session, email, None, name=name, language=language)
        user.password_hash = password_hash
    return user


# ---------------------------------------------------------------- people


def _seed_people(
    db: Database, state: SeedState, count: int, advance: Callable[[int], None]
) -> None:
    rng = state.rng
    langs = list(LANG_WEIGHTS)
    weights = list(LANG_WEIGHTS.values())
    with db.transaction(state.workspace_id) as session:
        person_id = next_id(session, Person)
        identity_id = next_id(session, Identity)
        people_rows: list[dict[str, Any]] = []
        identity_rows: list[dict[str, Any]] = []
        used_emails: set[str] = set()
        for _i in range(count):
            lang = rng.choices(langs, weights)[0]
            roll = rng.random()
            audience = (
                "customer"
                if roll < 0.80
                else "prospect"
                if roll < 0.90
                else "fan"
                if roll < 0.96
                else "employee"
            )
            region = rng.choices(range(5), [0.4, 0.25, 0.15, 0.1, 0.1])[0]
            country, prefix, lead, length = rng.choice(COUNTRIES[lang])
            mood = max(-1.0, min(1.0, rng.gauss(0.25, 0.5)))
            if lang == "fa" and region == 1:
                mood -= 0.35  # late deliveries in this region sour the experience
            segment = rng.choices(["standard", "plus", "vip"], [0.7, 0.22, 0.08])[0]
            created = signup_time(rng, state.now, lang)
            name = make_person_name(rng, lang)
            ltv = round(
                rng.lognormvariate(
                    5.5 if segment == "standard" else 6.5 if segment == "plus" else 7.8, 0.6
                ),
                2,
            )
            traits: dict[str, Any] = {
                "language": lang,
                "country": country,
                "region": content.region_label(lang, region),
                "segment": segment,
                "plan": rng.choice(["basic", "family", "pro"]),
                "age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"]),
                "lifetime_value": ltv,
            }
            if audience == "employee":
                traits["department"] = rng.choice(
                    ["support", "logistics", "sales", "engineering", "stores"]
                )
            people_rows.append(
                {
                    "id": person_id,
                    "workspace_id": state.workspace_id,
                    "name": name,
                    "name_search": fold_for_search(name),
                    "audience": audience,
                    "traits": traits,
                    "language": lang,
                    "segment": segment,
                    "created_at": created,
                    "updated_at": created,
                    "merged_into_id": None,
                }
            )
            email = f"user{person_id}.{rng.randint(100, 999)}@{rng.choice(['mail.example', 'inbox.example', 'post.example'])}"
            if email not in used_emails:
                used_emails.add(email)
                identity_rows.append(
                    _identity(
                        identity_id, state.workspace_id, person_id, "email", "", email, created
                    )
                )
                identity_id += 1
            national = lead + "".join(str(rng.randint(0, 9)) for _ in range(length - len(lead)))
            number = prefix + national
            if rng.random() < 0.6 and number not in used_emails:
                used_emails.add(number)
                identity_rows.append(
                    _identity(
                        identity_id, state.workspace_id, person_id, "phone", "", number, created
                    )
                )
                identity_id += 1
            if rng.random() < 0.35:
                network = rng.choice(SOCIAL[lang])
                identity_rows.append(
                    _identity(
                        identity_id,
                        state.workspace_id,
                        person_id,
                        "handle",
                        network,
                        f"{network[:2]}_{person_id}",
                        created,
                    )
                )
                identity_id += 1
            identity_rows.append(
                _identity(
                    identity_id,
                    state.workspace_id,
                    person_id,
                    "external_id",
                    "crm",
                    f"C{100000 + person_id}",
                    created,
                )
            )
            identity_id += 1
            state.people.append(
                DemoPerson(
                    id=person_id,
                    language=lang,
                    audience=audience,
                    mood=mood,
                    region=region,
                    segment=segment,
                    created=created,
                    country=country,
                )
            )
            person_id += 1
            if len(people_rows) >= 2000:
                _flush(session, Person, people_rows)
                _flush(session, Identity, identity_rows)
                advance(2000)
        left = len(people_rows)
        _flush(session, Person, people_rows)
        _flush(session, Identity, identity_rows)
        advance(left)
        customers = [p for p in state.people if p.audience == "customer"]
        for p in rng.sample(customers, min(40, len(customers) // 20)):
            p.repeat_complainer = True
            p.mood = -0.9
        fix_sequences(session, ["people", "identities"])


def _identity(
    iid: int, ws: int, pid: int, kind: str, ns: str, value: str, at: datetime
) -> dict[str, Any]:
    search = value.lstrip("+") if kind == "phone" else fold_for_search(value)
    return {
        "id": iid,
        "workspace_id": ws,
        "person_id": pid,
        "kind": kind,
        "namespace": ns,
        "value": value,
        "value_search": search,
        "created_at": at,
    }


def _flush(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        insert_rows(session, model.__table__, rows)
        rows.clear()


# ---------------------------------------------------------------- interactions


def _write_interactions(db: Database, state: SeedState, advance: Callable[[int], None]) -> None:
    """All interactions in one transaction, through the demo's bulk writer (driver
    `executemany`, values encoded once per column: no per-row ORM work)."""
    rows = state.interactions
    rows.sort(key=lambda r: r["occurred_at"])
    table = Interaction.__table__
    with db.transaction(state.workspace_id) as session:
        base = next_id(session, Interaction) - 1
        for index, row in enumerate(rows, start=1):
            row["id"] = base + index
        chunk = 20_000
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            insert_rows(session, table, part)  # type: ignore[arg-type]
            advance(len(part))
        fix_sequences(session, ["interactions"])
        text_ids = [r["id"] for r in rows if r["text"]]
        for j in range(0, len(text_ids), 500):
            # History: analysis and read models follow it; no rule, trigger or webhook.
            publish(
                session,
                "interaction.ingested",
                {"interaction_ids": text_ids[j : j + 500]},
                live=False,
            )


__all__ = ["seed_demo", "DemoContext", "DemoPerson", "Membership"]
