"""Demo audiences, journey maps and a digital task: `seed_demo_journeys(db, workspace_id)`.

Idempotent (existing audiences, maps and tasks are kept). What the demo's
interactions should look like for the journeys to light up:

Customers (people with audience "customer"; map "customer-journey", template customer):
- touchpoint keys by stage: awareness social_post, website_visit; consideration
  product_page; purchase checkout (also any interaction of type purchase or
  order); delivery delivery; onboarding onboarding_call; usage app_usage;
  support support_chat, support_email; renewal renewal (also type renewal);
- feedback about a touchpoint is an interaction with that touchpoint key and a
  rating (rating_scale "nps" for the customer measure; csat5/ces7 also count)
  and/or text; complaints are type "complaint" with the touchpoint key;
- group pains by person language (`language`), segment, a person trait
  (`trait:region`) or an interaction attribute (`attr:region`): e.g. Persian
  speakers (language "fa") in one region with complaints, NPS <= 6 and negative
  texts on `delivery`, and fewer of them reaching onboarding after delivery;
- churn: types "cancel" or "churn"; cohorts start at types "signup" or "purchase";
- SLA breaches: interaction attribute `sla_breached: true` (or cases' SLA events);
- first-response time: inbound and outbound messages sharing a conversation_id.

Employees (audience "employee", map "employee-journey", measure eNPS):
job_application, interview, employee_onboarding, training, performance_review,
pulse_survey (rating_scale "enps"), exit_interview.

Fans (audience "fan", map "fan-journey", measure CSAT): social_post,
social_comment, fan_event, fan_review (also type review).

Partners (audience "partner"): deliberately without owner, measure or journey,
so the scorecard shows its flags.

Task "checkout": starts at a web/app page_view on touchpoint checkout, succeeds
with type purchase or order, errors are events with attribute `error: "true"`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.journeys import service
from sada.journeys.schemas import AudienceIn, JourneyMapIn, Rule, TaskIn
from sada.tenants.models import Membership

AUDIENCES: list[dict[str, Any]] = [
    {
        "key": "customer",
        "label": "Customers",
        "rank": 1,
        "measure": "nps",
        "target": 40.0,
        "description": "People who buy from us: from first visit through delivery, support and renewal.",
        "map": ("customer-journey", "Customer journey", "customer"),
    },
    {
        "key": "employee",
        "label": "Employees",
        "rank": 2,
        "measure": "enps",
        "target": 20.0,
        "description": "Our people, from application to exit; measured by eNPS pulse surveys.",
        "map": ("employee-journey", "Employee journey", "employee"),
    },
    {
        "key": "fan",
        "label": "Fans and followers",
        "rank": 3,
        "measure": "csat",
        "target": 80.0,
        "description": "Followers on social networks and at events.",
        "map": ("fan-journey", "Fan journey", "fan"),
    },
    {
        "key": "partner",
        "label": "Dealers and partners",
        "rank": 4,
        "measure": None,
        "target": None,
        "description": "Dealers who resell us; nobody owns their experience yet.",
        "map": None,
        "no_owner": True,
    },
]


def seed_demo_journeys(db: Database, workspace_id: int) -> dict[str, int]:
    """Create the demo audiences, maps and task; returns how many of each were created."""
    created = {"audiences": 0, "maps": 0, "tasks": 0}
    with db.transaction(workspace_id) as s:
        owner = s.execute(
            select(Membership.user_id).order_by(Membership.id).limit(1)
        ).scalar_one_or_none()
        for spec in AUDIENCES:
            if service.access_audience(s, spec["key"], missing_ok=True) is None:
                service.do_create_audience(
                    s,
                    AudienceIn(
                        key=spec["key"],
                        label=spec["label"],
                        rank=spec["rank"],
                        owner_user_id=None if spec.get("no_owner") else owner,
                        description=spec["description"],
                        measure=spec["measure"],
                        target=spec["target"],
                    ),
                )
                created["audiences"] += 1
            if spec["map"] is not None:
                key, name, tmpl = spec["map"]
                if not any(m.key == key for m in service.list_maps(s)):
                    service.do_create_map(
                        s,
                        JourneyMapIn(audience=spec["key"], key=key, name=name, template=tmpl),
                        author="demo",
                    )
                    created["maps"] += 1
        if not any(t.key == "checkout" for t in service.list_tasks(s)):
            service.do_upsert_task(
                s,
                TaskIn(
                    key="checkout",
                    name="Checkout",
                    start=Rule(channel=["web", "app"], type=["page_view"], touchpoint=["checkout"]),
                    end=Rule(type=["purchase", "order"]),
                    error=Rule(attributes={"error": "true"}),
                    timeout_minutes=30,
                ),
            )
            created["tasks"] += 1
    return created
