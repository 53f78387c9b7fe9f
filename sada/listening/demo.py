"""Listening demo data: the demo's brand against two competitors in Persian, Arabic, Chinese
and English posts over twelve weeks, with a weekly rhythm and one day on which delivery
complaints about the brand spiked (yesterday, so the overview shows it and its posts can be
answered in the inbox)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sada.demo.seed import DemoContext
from sada.listening import service
from sada.listening.sources import post_item

BRANDS: list[dict[str, Any]] = [
    {
        "name": "Sada Foods",
        "kind": "own",
        "aliases": ["صدا فود", "صدافود", "@sadafoods", "#sadafoods", "صدى فودز", "萨达食品", "薩達食品"],
        "exclude": [],
    },
    {
        "name": "Talabat",
        "kind": "competitor",
        "aliases": ["طلبات", "@talabat", "تلبات", "塔拉巴特"],
        "exclude": ["طلبات كثيرة", "طلبات كثير", "كل الطلبات", "طلباتي"],
    },
    {
        "name": "Snappfood",
        "kind": "competitor",
        "aliases": ["اسنپ فود", "اسنپ‌فود", "سناب فود", "@snappfood", "快照外卖"],
        "exclude": [],
    },
]  # fmt: skip

# (language, brand, aspect-ish template, sentiment) — {b} is the brand's name in that script.
NAMES = {
    "Sada Foods": {"fa": "صدا فود", "ar": "صدى فودز", "zh": "萨达食品", "en": "Sada Foods"},
    "Talabat": {"fa": "تلبات", "ar": "طلبات", "zh": "塔拉巴特", "en": "Talabat"},
    "Snappfood": {"fa": "اسنپ فود", "ar": "سناب فود", "zh": "快照外卖", "en": "Snappfood"},
}
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "fa": [
        ("غذای {b} خیلی خوشمزه بود", "positive"),
        ("قیمت {b} مناسبه و ارزون", "positive"),
        ("از {b} سفارش دادم", "neutral"),
        ("پشتیبانی {b} خیلی مودب بود", "positive"),
        ("کیفیت {b} افتضاح بود", "negative"),
    ],
    "ar": [
        ("الأكل من {b} لذيذ جدا", "positive"),
        ("طلبت من {b} اليوم", "neutral"),
        ("خدمة العملاء في {b} ممتازة", "positive"),
        ("الأسعار في {b} غالية", "negative"),
    ],
    "zh": [
        ("{b}的味道很好", "positive"),
        ("今天用{b}点了午饭", "neutral"),
        ("{b}的价格太贵了", "negative"),
        ("{b}的客服态度很好", "positive"),
    ],
    "en": [
        ("Loved the food from {b}, really tasty", "positive"),
        ("Ordered from {b} tonight", "neutral"),
        ("{b} prices are too high", "negative"),
        ("{b} support was friendly and helpful", "positive"),
    ],
}
DELIVERY_COMPLAINTS = {
    "fa": ["پیک {b} دو ساعت دیر رسید، افتضاح", "سفارشم از {b} هنوز نرسیده، خیلی بده",
           "ارسال {b} امروز خیلی تاخیر داشت، غذا سرد شد"],
    "ar": ["توصيل {b} تأخر ساعتين، سيء جدا", "الطلب من {b} ما وصل لحد الآن، خدمة سيئة"],
    "zh": ["{b}的配送太慢了，等了两个小时", "{b}外卖员迟到，饭都凉了，很差"],
    "en": ["{b} delivery is two hours late, terrible", "My {b} order never arrived, awful delivery",
           "Is anyone else's {b} delivery late today?"],
}  # fmt: skip
WEEKDAY = [1.0, 0.9, 0.95, 1.0, 1.3, 1.6, 1.4]  # Monday..Sunday
AUTHORS = [
    ("x", "foodie_tehran", "Foodie Tehran", 52_000),
    ("x", "dubai_eats", "Dubai Eats", 18_000),
    ("x", "sara_k", "Sara K", 350),
    ("x", "ali.r", "Ali R", 120),
    ("telegram", "channel_food_news", "Food news", 41_000),
    ("weibo", "chihuo", "吃货日记", 9_000),
    ("instagram", "mona_eats", "Mona", 2_400),
    ("x", "omar_q", "Omar", 800),
]


def demo_listening(ctx: DemoContext) -> dict[str, int]:
    """Brands, twelve weeks of posts and yesterday's delivery-complaint spike."""
    rng = random.Random(18)
    db = ctx.db
    workspace_id = ctx.workspace_id
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    today = now.date()
    spike_day = today - timedelta(days=1)
    items: list[dict[str, Any]] = []
    n = 0
    for back in range(84, -1, -1):
        day = today - timedelta(days=back)
        factor = WEEKDAY[day.weekday()]
        for brand, base in (("Sada Foods", 10), ("Talabat", 8), ("Snappfood", 7)):
            for _ in range(int(base * factor + rng.random() * 3)):
                lang = rng.choice(["fa", "fa", "ar", "ar", "zh", "en"])
                text, _s = rng.choice(TEMPLATES[lang])
                if rng.random() < 0.12:
                    text = rng.choice(DELIVERY_COMPLAINTS[lang])
                items.append(_post(rng, n, day, lang, text.format(b=NAMES[brand][lang]), now))
                n += 1
        if day == spike_day:
            for _ in range(70):
                lang = rng.choice(["fa", "fa", "ar", "zh", "en"])
                text = rng.choice(DELIVERY_COMPLAINTS[lang]).format(b=NAMES["Sada Foods"][lang])
                items.append(_post(rng, n, day, lang, text, now))
                n += 1
    with db.transaction(workspace_id) as session:
        for data in BRANDS:
            service.do_create_brand(session, data)
    stored = 0
    for start in range(0, len(items), 2000):
        with db.transaction(workspace_id) as session:
            results = service.ingest_posts(session, items[start : start + 2000])
            stored += sum(r.status == "stored" for r in results)
    with db.transaction(workspace_id) as session:
        service.ensure_social_sla(session)
        spikes = service.detect_recent(session, now)
    return {"posts": stored, "spikes": len(spikes)}


def _post(
    rng: random.Random, n: int, day: Any, lang: str, text: str, now: datetime
) -> dict[str, Any]:
    network, handle, name, followers = rng.choice(AUTHORS)
    at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        hours=rng.randint(7, 22), minutes=rng.randint(0, 59)
    )
    at = min(at, now - timedelta(minutes=rng.randint(1, 90)))
    return post_item(
        network=network,
        post_id=f"demo-{n}",
        text=text,
        at=at,
        handle=handle,
        name=name,
        followers=followers,
        engagement=rng.randint(0, 200),
        language=lang,
    )
