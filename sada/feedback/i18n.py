"""Survey page and email strings in Sada's four first-class languages.

Surveys add their own texts per language; these are the few fixed words around them.
A language without an entry falls back to English.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "submit": "Send",
        "required": "Required",
        "thanks": "Thank you for your feedback!",
        "already": "This survey has already been answered. Thank you!",
        "expired": "This survey link has expired.",
        "closed": "This survey is closed.",
        "not_found": "Survey not found.",
        "saved": "Your answers are saved as you go.",
        "language": "Language",
        "errors": "Please check the highlighted questions.",
        "too_fast": "That was quick! Please take a moment to check your answers and send again.",
        "email_subject": "{survey}: a minute of your time?",
        "email_hello": "Hello{name},",
        "email_body": "We would value your opinion. It takes about a minute.",
        "email_reminder": "A gentle reminder: your opinion still matters to us.",
        "email_button": "Answer the survey",
        "email_unsubscribe": "Don't want these emails? Unsubscribe",
        "unsubscribe_title": "Unsubscribe from surveys",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "You will not receive survey emails from us any more.",
        "other_choice": "Choose",
    },
    "fa": {
        "submit": "ارسال",
        "required": "الزامی",
        "thanks": "از بازخورد شما سپاسگزاریم!",
        "already": "به این نظرسنجی پیش‌تر پاسخ داده شده است. سپاس!",
        "expired": "مهلت این پیوند نظرسنجی به پایان رسیده است.",
        "closed": "این نظرسنجی بسته شده است.",
        "not_found": "نظرسنجی پیدا نشد.",
        "saved": "پاسخ‌های شما همزمان ذخیره می‌شوند.",
        "language": "زبان",
        "errors": "لطفاً پرسش‌های مشخص‌شده را بررسی کنید.",
        "too_fast": "خیلی سریع بود! لطفاً پاسخ‌ها را بررسی کنید و دوباره بفرستید.",
        "email_subject": "{survey}: یک دقیقه از وقت شما؟",
        "email_hello": "سلام{name}،",
        "email_body": "نظر شما برای ما ارزشمند است. پاسخ‌دادن حدود یک دقیقه طول می‌کشد.",
        "email_reminder": "یادآوری دوستانه: نظر شما هنوز برای ما مهم است.",
        "email_button": "پاسخ به نظرسنجی",
        "email_unsubscribe": "نمی‌خواهید این ایمیل‌ها را دریافت کنید؟ لغو اشتراک",
        "unsubscribe_title": "لغو اشتراک نظرسنجی‌ها",
        "unsubscribe_button": "لغو اشتراک",
        "unsubscribed": "از این پس ایمیل نظرسنجی از ما دریافت نخواهید کرد.",
        "other_choice": "انتخاب کنید",
    },
    "ar": {
        "submit": "إرسال",
        "required": "مطلوب",
        "thanks": "شكراً لملاحظاتك!",
        "already": "تمت الإجابة على هذا الاستبيان من قبل. شكراً لك!",
        "expired": "انتهت صلاحية رابط هذا الاستبيان.",
        "closed": "هذا الاستبيان مغلق.",
        "not_found": "لم يتم العثور على الاستبيان.",
        "saved": "يتم حفظ إجاباتك أثناء التقدم.",
        "language": "اللغة",
        "errors": "يرجى مراجعة الأسئلة المحددة.",
        "too_fast": "كان ذلك سريعاً! يرجى مراجعة إجاباتك والإرسال مرة أخرى.",
        "email_subject": "{survey}: هل لديك دقيقة؟",
        "email_hello": "مرحباً{name}،",
        "email_body": "رأيك يهمنا. لن يستغرق الأمر أكثر من دقيقة.",
        "email_reminder": "تذكير لطيف: رأيك ما زال يهمنا.",
        "email_button": "أجب عن الاستبيان",
        "email_unsubscribe": "لا تريد هذه الرسائل؟ إلغاء الاشتراك",
        "unsubscribe_title": "إلغاء الاشتراك في الاستبيانات",
        "unsubscribe_button": "إلغاء الاشتراك",
        "unsubscribed": "لن تتلقى رسائل استبيان منا بعد الآن.",
        "other_choice": "اختر",
    },
    "zh": {
        "submit": "提交",
        "required": "必填",
        "thanks": "感谢您的反馈！",
        "already": "此问卷已经回答过了。谢谢！",
        "expired": "此问卷链接已过期。",
        "closed": "此问卷已关闭。",
        "not_found": "未找到问卷。",
        "saved": "您的回答会自动保存。",
        "language": "语言",
        "errors": "请检查标出的问题。",
        "too_fast": "太快了！请花点时间检查您的回答后再提交。",
        "email_subject": "{survey}：能占用您一分钟吗？",
        "email_hello": "您好{name}，",
        "email_body": "我们非常重视您的意见，大约只需一分钟。",
        "email_reminder": "温馨提醒：您的意见对我们仍然很重要。",
        "email_button": "回答问卷",
        "email_unsubscribe": "不想再收到这类邮件？退订",
        "unsubscribe_title": "退订问卷邮件",
        "unsubscribe_button": "退订",
        "unsubscribed": "您将不会再收到我们的问卷邮件。",
        "other_choice": "请选择",
    },
}

LANGUAGE_NAMES = {"en": "English", "fa": "فارسی", "ar": "العربية", "zh": "中文"}

_DIGITS = {
    "fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}


def t(language: str | None, key: str) -> str:
    base = (language or "en").split("-")[0]
    return STRINGS.get(base, STRINGS["en"]).get(key) or STRINGS["en"][key]


def digits(language: str | None, value: object) -> str:
    """Numbers in the respondent's digits (Persian ۰-۹, Arabic-Indic ٠-٩)."""
    table = _DIGITS.get((language or "").split("-")[0])
    text = str(value)
    return text.translate(table) if table else text


def best_language(candidates: list[str | None], available: list[str], default: str) -> str:
    for lang in candidates:
        if not lang:
            continue
        if lang in available:
            return lang
        base = lang.split("-")[0].lower()
        if base in available:
            return base
    return default


def accept_language(header: str | None) -> list[str]:
    """Languages of an Accept-Language header, best first."""
    if not header:
        return []
    scored = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*":
            scored.append((-q, i, tag.strip()))
    return [tag for _q, _i, tag in sorted(scored)]
