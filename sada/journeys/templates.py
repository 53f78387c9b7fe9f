"""Journey map templates for common audiences.

Touchpoint keys follow the interaction touchpoint registry (the `touchpoint`
field of ingested interactions). A touchpoint without rules matches interactions
with the same touchpoint key; extra rules also catch events by type or channel.
"""

from __future__ import annotations

from typing import Any

from sada.journeys.schemas import JourneyDefinition


def _tp(key: str, label: str, fa: str, ar: str, zh: str, *rules: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": key,
        "label": label,
        "labels": {"en": label, "fa": fa, "ar": ar, "zh": zh},
    }
    if rules:
        out["rules"] = [{"touchpoint": [key]}, *rules]
    return out


def _stage(key: str, label: str, fa: str, ar: str, zh: str, *tps: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "labels": {"en": label, "fa": fa, "ar": ar, "zh": zh},
        "touchpoints": list(tps),
    }


CUSTOMER: dict[str, Any] = {
    "stages": [
        _stage(
            "awareness",
            "Awareness",
            "آگاهی",
            "الوعي",
            "认知",
            _tp("social_post", "Social post", "پست شبکه اجتماعی", "منشور اجتماعي", "社交帖子"),
            _tp("website_visit", "Website visit", "بازدید وب‌سایت", "زيارة الموقع", "访问网站"),
        ),
        _stage(
            "consideration",
            "Consideration",
            "بررسی",
            "الدراسة",
            "考虑",
            _tp("product_page", "Product page", "صفحه محصول", "صفحة المنتج", "产品页面"),
        ),
        _stage(
            "purchase",
            "Purchase",
            "خرید",
            "الشراء",
            "购买",
            _tp("checkout", "Checkout", "پرداخت", "الدفع", "结账", {"type": ["purchase", "order"]}),
        ),
        _stage(
            "delivery",
            "Delivery",
            "تحویل",
            "التوصيل",
            "配送",
            _tp("delivery", "Delivery", "تحویل سفارش", "توصيل الطلب", "送货"),
        ),
        _stage(
            "onboarding",
            "Onboarding",
            "شروع به کار",
            "التهيئة",
            "入门",
            _tp("onboarding_call", "Onboarding call", "تماس آشنایی", "مكالمة التهيئة", "入门电话"),
        ),
        _stage(
            "usage",
            "Usage",
            "استفاده",
            "الاستخدام",
            "使用",
            _tp("app_usage", "App usage", "استفاده از اپ", "استخدام التطبيق", "应用使用"),
        ),
        _stage(
            "support",
            "Support",
            "پشتیبانی",
            "الدعم",
            "支持",
            _tp("support_chat", "Support chat", "گفتگوی پشتیبانی", "دردشة الدعم", "在线客服"),
            _tp("support_email", "Support email", "ایمیل پشتیبانی", "بريد الدعم", "支持邮件"),
        ),
        _stage(
            "renewal",
            "Renewal / advocacy",
            "تمدید / حمایت",
            "التجديد / المناصرة",
            "续订/推荐",
            _tp("renewal", "Renewal", "تمدید", "التجديد", "续订", {"type": ["renewal"]}),
        ),
    ]
}

EMPLOYEE: dict[str, Any] = {
    "stages": [
        _stage(
            "recruiting",
            "Recruiting",
            "جذب",
            "التوظيف",
            "招聘",
            _tp("job_application", "Application", "درخواست شغل", "طلب التوظيف", "求职申请"),
            _tp("interview", "Interview", "مصاحبه", "المقابلة", "面试"),
        ),
        _stage(
            "onboarding",
            "Onboarding",
            "ورود به سازمان",
            "التهيئة",
            "入职",
            _tp(
                "employee_onboarding", "Onboarding", "آشنایی با سازمان", "تهيئة الموظف", "入职培训"
            ),
        ),
        _stage(
            "growth",
            "Growth",
            "رشد",
            "النمو",
            "成长",
            _tp("training", "Training", "آموزش", "التدريب", "培训"),
            _tp(
                "performance_review",
                "Performance review",
                "ارزیابی عملکرد",
                "تقييم الأداء",
                "绩效评估",
            ),
            _tp("pulse_survey", "Pulse survey", "نظرسنجی دوره‌ای", "استبيان النبض", "脉搏调查"),
        ),
        _stage(
            "exit",
            "Exit",
            "خروج",
            "المغادرة",
            "离职",
            _tp("exit_interview", "Exit interview", "مصاحبه خروج", "مقابلة المغادرة", "离职面谈"),
        ),
    ]
}

FAN: dict[str, Any] = {
    "stages": [
        _stage(
            "discover",
            "Discover",
            "کشف",
            "الاكتشاف",
            "发现",
            _tp("social_post", "Social post", "پست شبکه اجتماعی", "منشور اجتماعي", "社交帖子"),
        ),
        _stage(
            "engage",
            "Engage",
            "تعامل",
            "التفاعل",
            "互动",
            _tp("social_comment", "Comment", "نظر", "تعليق", "评论"),
            _tp("fan_event", "Event", "رویداد", "فعالية", "活动"),
        ),
        _stage(
            "advocate",
            "Advocate",
            "حمایت",
            "المناصرة",
            "拥护",
            _tp("fan_review", "Review", "نقد و بررسی", "مراجعة", "评价", {"type": ["review"]}),
        ),
    ]
}

TEMPLATES: dict[str, dict[str, Any]] = {"customer": CUSTOMER, "employee": EMPLOYEE, "fan": FAN}


def template(name: str) -> JourneyDefinition:
    if name not in TEMPLATES:
        from sada.core.errors import Invalid

        raise Invalid(f"unknown template {name!r}; use one of {', '.join(sorted(TEMPLATES))}")
    return JourneyDefinition.model_validate(TEMPLATES[name])
