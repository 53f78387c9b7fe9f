"""Requests the assistant must not answer itself, in four languages.

A person asking for a human, a complaint, a cancellation of a subscription or account, and
changes to an account go to the inbox whatever the knowledge base holds. Patterns are
written in ordinary spelling and matched on `fold_for_search(normalize(text))`, so Arabic
typed with Persian letters (or the reverse), diacritics and digits do not matter.
Questions about passwords stay with the assistant (articles answer them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search, normalize

# Checked in this order; the first that matches names the intent.
INTENTS = ("human_requested", "complaint", "cancellation", "account_change")

_PATTERNS: dict[str, dict[str, list[str]]] = {
    "human_requested": {
        "en": [
            r"\b(talk|speak|chat|connect|transfer|put me through|get me)\b.{0,30}\b(human|person|people|agent|someone|somebody|representative|operator|staff|support team)\b",
            r"\b(real|live|human) (person|agent|human|support)\b",
            r"^\s*(human|agent|operator|representative)\s*[.!?]*\s*$",
        ],
        "fa": [
            r"با\s*(یه|یک|یکی|یک نفر)?\s*(اپراتور|کارشناس|پشتیبان|آدم|انسان|نماینده|مسئول|همکار|نفر)",
            r"(اپراتور|کارشناس|آدم واقعی|نیروی انسانی|پشتیبان انسانی)",
            r"(وصل|متصل)\s*(کن|کنید|بشم|شم)",
        ],
        "ar": [
            r"(اكلم|أكلم|اتكلم|أتكلم|اتحدث|أتحدث|احكي|أحكي|اتواصل|أتواصل|كلمني|حولني|حوّلني|وصلني|ابي|ابغى|اريد|أريد|بدي|عايز|ودي).{0,25}(موظف|شخص|انسان|إنسان|بشر|احد|أحد|ممثل|خدمه العملاء|خدمة العملاء|الدعم|مندوب|حد)",
            r"(موظف حقيقي|شخص حقيقي|انسان حقيقي|إنسان حقيقي|خدمة العملاء|خدمه العملاء)",
        ],
        "zh": [r"(人工|真人|转人工|人工客服|找客服|联系客服|客服人员|跟人说|和人聊|找个人|活人)"],
    },
    "complaint": {
        "en": [
            r"\b(complain|complaint|complaining|unacceptable|terrible|awful|worst|disgusting|furious|angry|ridiculous|scam|fraud|sue|lawyer|outraged)\b"
        ],
        "fa": [r"(شکایت|اعتراض|افتضاح|بدترین|کلاهبرداری|ناراضی|شاکی|مسخره|بی ?شرم|دزدی)"],
        "ar": [
            r"(شكوى|شكوي|اشتكي|أشتكي|اشتكى|أشكو|اشكو|سيئه جدا|سيئة جدا|سيء جدا|زفت|أسوأ|اسوا|نصب|احتيال|زعلان|غير مقبول|مهزله|مهزلة|حرامية|حراميه)"
        ],
        "zh": [r"(投诉|抱怨|太差|差劲|垃圾|骗子|举报|不满意|太烂|欺骗)"],
    },
    "cancellation": {
        "en": [
            r"\b(cancel|terminate|end|stop)\b.{0,25}\b(subscription|membership|account|contract|plan)\b",
            r"\bunsubscribe\b",
        ],
        "fa": [
            r"(لغو|کنسل|فسخ|قطع).{0,20}(اشتراک|عضویت|حساب|قرارداد|پلن|اکانت)",
            r"(اشتراک|عضویت|قرارداد|اکانت).{0,20}(لغو|کنسل|فسخ)",
        ],
        "ar": [
            r"(الغاء|إلغاء|الغي|ألغي|ألغ|اوقف|أوقف|فسخ|انهاء|إنهاء|اقفل).{0,20}(اشتراك|الاشتراك|العضويه|العضوية|حسابي|الحساب|العقد|الباقه|الباقة)",
        ],
        "zh": [r"(取消|退订|注销|终止|停止).{0,6}(订阅|会员|账户|账号|合同|套餐)", r"退订"],
    },
    "account_change": {
        "en": [
            r"\b(change|update|edit|modify|delete|close|remove|transfer|merge)\b.{0,25}\b(account|email address|phone number|mobile number|registered email|username|account name|account holder)\b"
        ],
        "fa": [
            r"(تغییر|عوض|ویرایش|اصلاح|حذف|بستن|انتقال|ادغام).{0,25}(حساب|ایمیل|شماره موبایل|شماره تلفن|شماره همراه|نام کاربری|اکانت)",
            r"(حساب|اکانت|ایمیل|شماره).{0,20}(حذف|ببندید|عوض|تغییر)\s*(کنید|کنم|بدم|بدید|بشه|کن)",
        ],
        "ar": [
            r"(تغيير|تعديل|حذف|اغلاق|إغلاق|اقفال|نقل|دمج|اغير|أغير|غير).{0,25}(حسابي|الحساب|الايميل|الإيميل|البريد|رقم الجوال|رقم الهاتف|رقم الموبايل|اسم المستخدم|جوالي)",
        ],
        "zh": [r"(修改|更改|更换|变更|删除|注销|合并|换).{0,6}(账户|账号|邮箱|手机号|用户名|帐号|帐户)"],
    },
}  # fmt: skip

_PASSWORD = re.compile(
    "|".join(
        fold_for_search(w)
        for w in ("password", "رمز", "پسورد", "كلمة المرور", "كلمه المرور", "باسورد", "密码")
    )
)


@lru_cache(maxsize=1)
def _compiled() -> dict[str, list[re.Pattern[str]]]:
    out: dict[str, list[re.Pattern[str]]] = {}
    for intent in INTENTS:
        patterns = [p for by_lang in (_PATTERNS[intent],) for ps in by_lang.values() for p in ps]
        out[intent] = [re.compile(fold_for_search(p), re.IGNORECASE) for p in patterns]
    return out


def detect_intent(text: str, lang: str | None = None) -> str | None:
    """The handoff intent of a message, or None for an ordinary question.

    Every language's patterns are tried: people mix languages, and a Chinese word in a
    Persian sentence still says what it says."""
    folded = fold_for_search(normalize(text, lang))
    for intent in INTENTS:
        if intent == "account_change" and _PASSWORD.search(folded):
            continue
        if any(p.search(folded) for p in _compiled()[intent]):
            return intent
    return None
