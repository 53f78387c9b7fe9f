"""Survey definitions used across feedback and metrics tests."""

from __future__ import annotations

from typing import Any

from sada.feedback.schemas import SurveyIn

L4 = ["en", "fa", "ar", "zh"]


def nps_definition() -> dict[str, Any]:
    return {
        "intro": {
            "en": "Two quick questions",
            "fa": "دو پرسش کوتاه",
            "ar": "سؤالان سريعان",
            "zh": "两个简短的问题",
        },
        "thank_you": {"en": "Thank you!", "fa": "سپاس!", "ar": "شكراً لك!", "zh": "谢谢！"},
        "questions": [
            {
                "key": "nps",
                "type": "nps",
                "required": True,
                "title": {
                    "en": "How likely are you to recommend us to a friend?",
                    "fa": "چقدر احتمال دارد ما را به دوستانتان پیشنهاد کنید؟",
                    "ar": "ما مدى احتمال أن توصي بنا لصديق؟",
                    "zh": "您向朋友推荐我们的可能性有多大？",
                },
                "low_label": {
                    "en": "Not at all likely",
                    "fa": "اصلاً",
                    "ar": "غير محتمل إطلاقاً",
                    "zh": "完全不可能",
                },
                "high_label": {
                    "en": "Extremely likely",
                    "fa": "خیلی زیاد",
                    "ar": "محتمل جداً",
                    "zh": "极有可能",
                },
            },
            {
                "key": "why_low",
                "type": "text",
                "title": {
                    "en": "What went wrong?",
                    "fa": "چه چیزی اشتباه بود؟",
                    "ar": "ما الخطأ؟",
                    "zh": "哪里出了问题？",
                },
                "show_if": {"question": "nps", "op": "lte", "value": 6},
            },
            {
                "key": "reason",
                "type": "single_choice",
                "title": {
                    "en": "Main reason",
                    "fa": "دلیل اصلی",
                    "ar": "السبب الرئيسي",
                    "zh": "主要原因",
                },
                "choices": [
                    {
                        "key": "price",
                        "label": {"en": "Price", "fa": "قیمت", "ar": "السعر", "zh": "价格"},
                    },
                    {
                        "key": "service",
                        "label": {"en": "Service", "fa": "خدمات", "ar": "الخدمة", "zh": "服务"},
                    },
                ],
            },
            {"key": "order_id", "type": "hidden"},
        ],
    }


def nps_survey(**over: Any) -> SurveyIn:
    data: dict[str, Any] = {
        "name": "Relationship NPS",
        "kind": "nps",
        "default_language": "en",
        "languages": L4,
        "definition": nps_definition(),
    }
    data.update(over)
    return SurveyIn.model_validate(data)


def csat_survey(**over: Any) -> SurveyIn:
    data: dict[str, Any] = {
        "name": "Support CSAT",
        "kind": "csat",
        "default_language": "en",
        "languages": ["en"],
        "definition": {
            "questions": [
                {
                    "key": "csat",
                    "type": "csat",
                    "required": True,
                    "title": {"en": "How satisfied?"},
                },
                {"key": "ces", "type": "ces", "title": {"en": "How easy was it?"}},
                {"key": "comment", "type": "text", "title": {"en": "Anything else?"}},
            ]
        },
    }
    data.update(over)
    return SurveyIn.model_validate(data)
