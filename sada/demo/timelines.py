"""Each demo person's story as interactions: first visit to renewal or cancellation.

Customers browse, sign up, buy, get deliveries (late far more often for Persian
speakers in the second region), call onboarding, write to support on their own
channels (agents answer, sometimes past the SLA), review, renew or cancel; fans
post on social media; a few dozen repeat complainers write again and again.
A hidden mood in [-1, 1] per person drives sentiment, stars and renewals; who will
cancel shows it in the months before (stops buying, complains, rates low, opens the app
less), so churn can be predicted from what is observable. Each language team answers at
its own pace (`TEAM_PACE`), and within a team each agent at theirs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sada.demo import content, rhythm

SOCIAL = {
    "fa": ["instagram", "telegram"],
    "ar": ["twitter", "instagram", "whatsapp"],
    "zh": ["weibo", "wechat"],
    "en": ["twitter", "instagram"],
}
SUPPORT_CHANNELS = {
    "fa": ["email", "chat", "telegram", "instagram", "phone", "sms"],
    "ar": ["email", "chat", "whatsapp", "twitter", "phone", "instagram"],
    "zh": ["email", "chat", "wechat", "weibo", "phone"],
    "en": ["email", "chat", "twitter", "phone", "web"],
}
TOPIC_WEIGHTS = {
    "delivery": 0.28,
    "billing": 0.18,
    "product_quality": 0.2,
    "staff": 0.12,
    "app_website": 0.14,
    "price": 0.08,
}


@dataclass
class DemoPerson:
    id: int
    language: str
    audience: str
    mood: float
    region: int
    segment: str
    created: datetime
    repeat_complainer: bool = False
    country: str = ""  # where they live: their time zone and weekend (sada.demo.rhythm)


@dataclass
class SeedState:
    workspace_id: int
    rng: random.Random
    now: datetime
    people: list[DemoPerson] = field(default_factory=list)
    interactions: list[dict[str, Any]] = field(default_factory=list)
    touchpoint_ids: dict[str, int] = field(default_factory=dict)
    agent_ids: dict[str, list[int]] = field(default_factory=dict)
    next_interaction_id: int = 1
    seq: int = 0


def _sentiment_for(rng: random.Random, mood: float, pain: float = 0.0) -> str:
    score = mood - pain + rng.gauss(0, 0.45)
    return "negative" if score < -0.15 else "positive" if score > 0.45 else "neutral"


def _add(
    state: SeedState, person: DemoPerson, at: datetime, channel: str, type_: str, **extra: Any
) -> dict[str, Any]:
    state.seq += 1
    if type_ in SHAPED_TYPES and extra.get("direction", "inbound") == "inbound":
        at = rhythm.customer_time(at, _country(person), state.rng)
    row: dict[str, Any] = {
        "id": state.next_interaction_id,
        "workspace_id": state.workspace_id,
        "person_id": person.id,
        "anonymous_id": None,
        "occurred_at": at,
        "received_at": at + timedelta(seconds=2),
        "channel": channel,
        "touchpoint_id": None,
        "direction": "inbound",
        "type": type_,
        "subject": None,
        "text": None,
        "language": None,
        "rating": None,
        "rating_scale": None,
        "agent_id": None,
        "conversation_id": None,
        "attributes": {},
        "source": "demo",
        "external_id": f"d{state.seq}",
    }
    touchpoint = extra.pop("touchpoint", None)
    if touchpoint:
        row["touchpoint_id"] = state.touchpoint_ids[touchpoint]
    row.update(extra)
    # Who spoke: agents' replies and calls are the agent's; everything else the person's.
    row["origin"] = "agent" if row["agent_id"] and row["direction"] == "outbound" else "customer"
    # The demo's history (all of it is written before the app starts) fires no live action.
    row["backfill"] = True
    if at > state.now:
        return row  # not happened yet: never stamped at the moment of seeding
    state.next_interaction_id += 1
    state.interactions.append(row)
    return row


# What people write is shaped to their local day and weekend (events of the shop are not).
SHAPED_TYPES = frozenset({"message", "complaint", "review", "survey_response"})


def _country(person: DemoPerson) -> str:
    return person.country or rhythm.DEFAULT_COUNTRY.get(person.language, "GB")


def generate_interactions(state: SeedState, target: int) -> None:
    rng = state.rng
    topics = list(TOPIC_WEIGHTS)
    topic_weights = list(TOPIC_WEIGHTS.values())
    leaving: dict[int, datetime] = {}  # who cancels, and when
    for person in state.people:
        if person.audience == "employee":
            continue
        lang = person.language
        t = person.created
        _add(
            state,
            person,
            t,
            "web",
            "page_view",
            touchpoint="website_visit",
            attributes={"path": "/"},
        )
        for _ in range(rng.randint(0, 3)):
            t += timedelta(minutes=rng.randint(1, 20))
            _add(
                state,
                person,
                t,
                "web",
                "page_view",
                touchpoint="product_page",
                attributes={"path": f"/p/{rng.randint(100, 999)}"},
            )
        if person.audience == "fan":
            for _ in range(rng.randint(1, 5)):
                t2 = person.created + timedelta(days=rng.uniform(0, 300))
                topic = rng.choices(topics, topic_weights)[0]
                sentiment = _sentiment_for(rng, person.mood + 0.3)
                channel = (
                    rng.choice(SOCIAL[lang])
                    if SOCIAL[lang][0] not in ("telegram", "whatsapp")
                    else "instagram"
                )
                msg = content.make_message(rng, lang, topic, sentiment, channel="social")
                _add(
                    state,
                    person,
                    t2,
                    channel,
                    "message",
                    touchpoint="social_post",
                    text=msg.text,
                    language=lang,
                    attributes={"topic_hint": topic},
                )
            continue
        if person.audience == "prospect" or rng.random() < 0.12:
            continue
        t += timedelta(hours=rng.uniform(0.1, 72))
        _add(state, person, t, rng.choice(["web", "app"]), "signup", touchpoint="website_visit")
        if rng.random() > 0.8:
            continue  # signed up, never bought: a funnel drop-off
        # Renew or cancel at the end of the first year: decided by the hidden mood, and
        # visible before it happens (fewer purchases, complaints, low stars, less use).
        renewal_at = person.created + timedelta(days=rng.uniform(150, 365))
        outcome = None
        if renewal_at < state.now:
            if person.mood > -0.25 and rng.random() < 0.85:
                outcome = "renewal"
            elif rng.random() < 0.7:
                outcome = "cancel"
                leaving[person.id] = renewal_at
        orders = max(1, int(rng.expovariate(1 / 2.5)))
        for _ in range(min(orders, 8)):
            t += timedelta(days=rng.uniform(0.2, 40))
            if t > state.now:
                break
            if outcome == "cancel" and t > renewal_at - timedelta(days=rng.uniform(90, 180)):
                break  # a customer on the way out stops buying
            item = content.make_order_item(rng, lang)
            amount = round(rng.lognormvariate(3.8, 0.7), 2)
            checkout_channel = rng.choice(["web", "app", "app"])
            if rng.random() < 0.08:  # a failed payment attempt before the purchase
                _add(
                    state,
                    person,
                    t - timedelta(minutes=3),
                    checkout_channel,
                    "page_view",
                    touchpoint="checkout",
                    attributes={"error": "true", "step": "payment"},
                )
            _add(
                state,
                person,
                t - timedelta(minutes=1),
                checkout_channel,
                "page_view",
                touchpoint="checkout",
                attributes={"step": "cart"},
            )
            _add(
                state,
                person,
                t,
                rng.choice(["web", "app", "app"]),
                "purchase",
                touchpoint="checkout",
                subject=item,
                attributes={"amount": amount, "item": item},
            )
            late_p = 0.55 if (lang == "fa" and person.region == 1) else 0.12
            late = rng.random() < late_p
            delivered = t + timedelta(days=rng.uniform(2.5, 8) if late else rng.uniform(0.3, 2))
            _add(
                state,
                person,
                delivered,
                "other",
                "order",
                touchpoint="delivery",
                attributes={
                    "status": "delivered",
                    "late": late,
                    "region": content.region_label(lang, person.region),
                },
            )
            if late and rng.random() < 0.55:
                _support(
                    state,
                    person,
                    delivered + timedelta(hours=rng.uniform(0.2, 30)),
                    "delivery",
                    pain=0.9,
                )
        if rng.random() < 0.2:
            t_call = person.created + timedelta(days=rng.uniform(1, 10))
            msg = content.make_message(
                rng,
                lang,
                rng.choice(["app_website", "billing"]),
                _sentiment_for(rng, person.mood),
                channel="phone",
            )
            _add(
                state,
                person,
                t_call,
                "phone",
                "call",
                touchpoint="onboarding_call",
                direction="outbound",
                text=msg.text,
                language=lang,
                agent_id=_agent(state, lang),
                attributes={"duration_s": rng.randint(60, 900)},
            )
        for _ in range(rng.randint(0, 3)):
            topic = rng.choices(topics, topic_weights)[0]
            when = person.created + timedelta(days=rng.uniform(1, 360))
            _support(state, person, when, topic, pain=0.0)
        if person.repeat_complainer:
            start = state.now - timedelta(days=rng.uniform(5, 40))
            for k in range(rng.randint(4, 8)):
                _support(
                    state,
                    person,
                    start + timedelta(days=k * rng.uniform(1, 4)),
                    rng.choice(["delivery", "billing", "product_quality"]),
                    pain=1.5,
                )
        if rng.random() < 0.18:
            stars = max(1, min(5, round(3.6 + 1.6 * person.mood + rng.gauss(0, 0.7))))
            sentiment = "negative" if stars <= 2 else "positive" if stars >= 4 else "neutral"
            msg = content.make_message(
                rng, lang, rng.choices(topics, topic_weights)[0], sentiment, channel="review"
            )
            _add(
                state,
                person,
                person.created + timedelta(days=rng.uniform(5, 200)),
                rng.choice(["app_store", "play_store", "google_reviews"]),
                "review",
                text=msg.text,
                language=lang,
                rating=float(stars),
                rating_scale="stars5",
            )
        if outcome == "cancel":
            for _ in range(rng.randint(1, 3)):
                _support(
                    state,
                    person,
                    renewal_at - timedelta(days=rng.uniform(5, 110)),
                    rng.choices(topics, topic_weights)[0],
                    pain=1.2,
                )
            if rng.random() < 0.5:
                msg = content.make_message(
                    rng, lang, rng.choices(topics, topic_weights)[0], "negative", channel="review"
                )
                _add(
                    state,
                    person,
                    renewal_at - timedelta(days=rng.uniform(5, 100)),
                    rng.choice(["app_store", "play_store", "google_reviews"]),
                    "review",
                    text=msg.text,
                    language=lang,
                    rating=float(rng.choice([1, 1, 2])),
                    rating_scale="stars5",
                )
        if outcome is not None:
            _add(
                state,
                person,
                renewal_at,
                "web",
                outcome,
                touchpoint="renewal",
                attributes={"plan": "annual"}
                if outcome == "renewal"
                else {"reason": rng.choice(["price", "service", "moved"])},
            )
    # Fill up to the target with app usage, spread over active customers.
    active = [p for p in state.people if p.audience == "customer"]
    while active and len(state.interactions) < target:
        person = rng.choice(active)
        when = person.created + timedelta(days=rng.uniform(1, 365))
        if when > state.now:
            when = state.now - timedelta(hours=rng.uniform(1, 500))
        quits = leaving.get(person.id)
        if quits is not None and when > quits - timedelta(days=120) and rng.random() < 0.85:
            continue  # who is about to leave has mostly stopped opening the app
        _add(
            state,
            person,
            when,
            "app",
            "page_view",
            touchpoint="app_usage",
            attributes={"screen": rng.choice(["home", "cart", "orders", "offers", "profile"])},
        )
    del state.interactions[target:]


# How fast each language team answers, relative to the others; within a team the first
# agent is a little quicker than the second.
TEAM_PACE = {"fa": 0.6, "ar": 1.7, "zh": 0.9, "en": 1.1}


def _agent_pace(state: SeedState, lang: str, agent: int | None) -> float:
    ids = state.agent_ids.get(lang) or []
    return 0.8 + 0.4 * ids.index(agent) if agent in ids else 1.0


def _agent(state: SeedState, lang: str) -> int | None:
    agents = state.agent_ids.get(lang) or [a for ids in state.agent_ids.values() for a in ids]
    return state.rng.choice(agents) if agents else None


def _support(
    state: SeedState, person: DemoPerson, when: datetime, topic: str, *, pain: float
) -> None:
    rng = state.rng
    lang = person.language
    channel = rng.choice(SUPPORT_CHANNELS[lang])
    sentiment = _sentiment_for(rng, person.mood, pain)
    style = {"email": "email", "chat": "chat", "phone": "phone", "web": "web"}.get(
        channel, "social"
    )
    msg = content.make_message(rng, lang, topic, sentiment, channel=style)
    conversation = f"c{person.id}-{state.seq}"
    touchpoint = (
        "support_email"
        if channel == "email"
        else "support_chat"
        if channel in ("chat", "web", "sms")
        else "social_post"
        if style == "social"
        else None
    )
    kind = "complaint" if sentiment == "negative" and rng.random() < 0.6 else "message"
    if kind == "complaint" and topic == "delivery":
        touchpoint = "delivery"  # complaints are filed against the touchpoint that hurt
    inbound = _add(
        state,
        person,
        when,
        channel,
        kind,
        touchpoint=touchpoint,
        subject=msg.subject,
        text=msg.text,
        language=lang,
        conversation_id=conversation,
        attributes={"topic_hint": topic},
    )
    when = inbound["occurred_at"]  # moved to the person's day by _add
    if rng.random() < 0.8:
        agent = _agent(state, lang)
        social = channel in ("twitter", "instagram", "weibo", "wechat", "telegram", "whatsapp")
        # Teams and agents answer at their own pace (the Persian team fast, the Arabic slow).
        pace = TEAM_PACE.get(lang, 1.0) * _agent_pace(state, lang, agent)
        slow = rng.random() < min(0.9, (0.35 if social else 0.15) * pace)
        delay = (
            timedelta(minutes=rng.uniform(35, 600) if slow else rng.uniform(2, 28) * pace)
            if social
            else timedelta(hours=rng.uniform(4.5, 30) if slow else rng.uniform(0.2, 3.5) * pace)
        )
        # Agents answer in their working hours: a message at night waits for the morning.
        answered = rhythm.agent_time(when + delay, _country(person), rng)
        delay = answered - when
        # First-response targets: 30 minutes on social media, 4 hours elsewhere.
        breached = delay > (timedelta(minutes=30) if social else timedelta(hours=4))
        inbound["attributes"] = {**inbound["attributes"], "sla_breached": breached}
        _add(
            state,
            person,
            answered,
            channel,
            "message",
            touchpoint=touchpoint,
            direction="outbound",
            text=content.make_agent_reply(rng, lang, topic),
            language=lang,
            conversation_id=conversation,
            agent_id=agent,
        )
