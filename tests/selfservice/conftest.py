"""Fixtures of the self-service tests: a small published help centre in four languages."""

from __future__ import annotations

from typing import Any

import pytest

ARTICLES: list[dict[str, Any]] = [
    {
        "key": "returns-window",
        "category": "returns",
        "status": "published",
        "versions": {
            "fa": {"title": "مهلت مرجوع کردن کالا", "body": "کالا را تا ۳۰ روز پس از تحویل می‌توانید مرجوع کنید. پیک بسته را رایگان تحویل می‌گیرد."},
            "ar": {"title": "مدة إرجاع المنتج", "body": "يمكنك إرجاع المنتج خلال 30 يومًا من التوصيل. يستلم المندوب الطرد مجانًا."},
            "zh": {"title": "退货期限", "body": "签收后30天内可以退货。快递员免费上门取件。"},
            "en": {"title": "Return window", "body": "You can return items within 30 days of delivery. A courier collects the parcel for free."},
        },
    },
    {
        "key": "delivery-times",
        "category": "shipping",
        "status": "published",
        "versions": {
            "fa": {"title": "زمان ارسال", "body": "سفارش در پایتخت ۱ تا ۲ روزه و در شهرهای دیگر ۳ تا ۵ روزه می‌رسد."},
            "ar": {"title": "مدة التوصيل", "body": "يصل الطلب خلال يوم إلى يومين في العاصمة و3 إلى 5 أيام في المدن الأخرى."},
            "zh": {"title": "配送时间", "body": "首都地区1至2天送达，其他城市3至5天送达。"},
            "en": {"title": "Delivery times", "body": "Orders arrive in 1 to 2 days in the capital and 3 to 5 days elsewhere."},
        },
    },
    {
        "key": "gift-cards",
        "category": "payments",
        "status": "published",
        "versions": {
            "en": {"title": "Gift cards", "body": "Gift cards are valid for two years. Check the balance on the gift cards page."}
        },
    },
]  # fmt: skip


@pytest.fixture
def help_centre(db: Any, workspace: Any) -> Any:
    """The articles above, published in `workspace` (no vectors: lexical search)."""
    from sada.selfservice import kb
    from sada.selfservice.schemas import ArticleIn

    with db.transaction(workspace.id) as session:
        for article in ARTICLES:
            kb.do_create_article(session, ArticleIn.model_validate(article), author="test")
    return workspace
