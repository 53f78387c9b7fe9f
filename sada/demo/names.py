"""Realistic person names for the demo workspace (Arabic, Persian, Chinese, English).

Names are written in each language's own script, with a mix of genders. Chinese names are
mostly simplified, with a Taiwan/Hong Kong share written in traditional characters.
Stdlib only; deterministic for a seeded :class:`random.Random`.
"""

from __future__ import annotations

import random

__all__ = ["make_person_name"]


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ar": {
        "male": _split(
            "محمد أحمد عبدالله خالد فهد سلطان ناصر عمر علي يوسف إبراهيم حسن حسين مصطفى محمود "
            "طارق ياسر سامي وليد فيصل تركي سعود ماجد بندر راشد زياد رامي كريم عمرو هشام "
            "شريف أيمن باسل ليث مهند أنس نزار سليم جمال عادل"
        ),
        "female": _split(
            "فاطمة عائشة مريم سارة نورة هند ريم لطيفة منى هدى أمل دينا رانيا ياسمين نور "
            "لينا رنا ديما سلمى هالة شيماء إيمان آية مها أسماء روان جود لمى دانة غادة "
            "سمر عبير نادية وفاء رغد"
        ),
        "family": _split(
            "العتيبي الحربي القحطاني الشمري الدوسري الغامدي الزهراني المطيري السبيعي العنزي "
            "المنصوري الكعبي الشامسي المهيري النعيمي الفلاسي المصري الشريف السيد عبدالعزيز "
            "عبدالرحمن حسني فهمي سليمان منصور الخطيب الحداد النجار العمري الزعبي المومني "
            "الحسيني الخالدي العلي الأحمد الحسن البدوي الشهري القرشي"
        ),
    },
    "fa": {
        "male": _split(
            "علی محمد حسین رضا مهدی امیر سعید حمید مسعود مجید بهرام کامران آرش بابک "
            "پویا پیمان سیاوش فرهاد کیوان میلاد امید وحید جواد مرتضی احسان سینا نیما "
            "بهزاد فرزاد کوروش داریوش هومن اشکان یاسین"
        ),
        "female": _split(
            "مریم زهرا فاطمه سارا نرگس لیلا مینا شیرین پریسا نازنین الهام مهسا سمیرا "
            "ژاله پروین فرشته نگار ترانه آزاده سپیده شبنم هانیه کیمیا یاسمن گلناز "
            "مژگان بهاره رویا ستاره پرستو"
        ),
        "family": _split(
            "رضایی احمدی محمدی حسینی کریمی موسوی جعفری کاظمی رحیمی صادقی نوری "
            "قاسمی اکبری تهرانی شیرازی اصفهانی تبریزی مشهدی رستمی یزدانی فرهادی "
            "امینی عباسی نجفی طاهری کرمانی گیلانی ملکی پاکزاد زمانی صالحی بهرامی "
            "چراغی پورمحمدی ژیانی قربانی سلطانی"
        ),
    },
    "zh": {
        "family": _split(
            "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高 郑 梁 谢 宋 唐 "
            "许 韩 冯 邓 曹 彭 曾 萧 田 董 潘 袁 蔡 蒋 余 于 杜 叶 程 魏 苏 吕 丁 沈"
        ),
        "male": _split(
            "伟 强 磊 军 洋 勇 杰 涛 斌 超 明 刚 平 辉 鹏 浩 宇 志强 建华 建国 俊杰 "
            "子轩 浩然 宇航 文博 天佑 家豪 志明 嘉伟 国栋 海峰 晓东 振宇 思远 博文"
        ),
        "female": _split(
            "芳 娜 静 敏 丽 艳 娟 霞 婷 雪 琳 颖 秀英 桂英 玉兰 婷婷 欣怡 梓涵 "
            "诗涵 雨萱 佳怡 怡君 雅婷 淑芬 美玲 晓燕 丽华 思琪 嘉欣 紫萱 慧敏"
        ),
    },
    "zh_tw": {
        "family": _split("陳 林 黃 張 李 王 吳 劉 蔡 楊 許 鄭 謝 郭 洪 曾 邱 廖 賴 周 梁 何 葉"),
        "male": _split(
            "家豪 志明 俊傑 建宏 冠宇 承恩 宗翰 柏翰 志偉 文雄 嘉偉 浩然 子健 國華 偉倫"
        ),
        "female": _split(
            "怡君 雅婷 淑芬 美玲 佳穎 詩涵 欣怡 宜蓁 婉婷 家慧 曉雯 嘉欣 慧敏 麗華 思穎"
        ),
    },
    "en": {
        "male": _split(
            "James John Michael David Daniel Thomas Oliver Harry George Jack Liam Noah "
            "Ethan Lucas Ryan Matthew Andrew Samuel Benjamin Adam Omar Raj Arjun Kevin "
            "Marcus Connor Aiden Nathan Jordan Chris Tom Mohammed Ali Wei Mateo"
        ),
        "female": _split(
            "Emma Olivia Sophie Charlotte Amelia Emily Jessica Sarah Hannah Chloe Grace "
            "Lucy Ava Mia Isabella Ella Megan Laura Rachel Priya Aisha Fatima Zoe Leah "
            "Natalie Hayley Jasmine Rebecca Katie Lily Sofia Maya Ananya"
        ),
        "family": _split(
            "Smith Jones Williams Brown Taylor Davies Evans Wilson Thomas Johnson Roberts "
            "Walker Wright Robinson Thompson White Hughes Edwards Green Hall Wood Harris "
            "Martin Clarke Lewis Patel Khan Singh Nguyen Chen Wong Kim Murphy O'Brien "
            "Kelly Campbell Anderson Martinez Garcia Rodriguez Miller Davis Lee Scott"
        ),
    },
}

# Optional middle elements that make names look more natural.
_AR_FATHERS = _split("محمد أحمد عبدالله علي سالم صالح إبراهيم خالد حسن محمود")


def make_person_name(rng: random.Random, language: str) -> str:
    """A realistic full name for ``language`` in its script (roughly half women, half men)."""
    pools = _NAMES[language]
    if language == "zh" and rng.random() < 0.2:
        pools = _NAMES["zh_tw"]
    female = rng.random() < 0.5
    given_pool = pools["female" if female else "male"]
    given = given_pool[int(rng.random() * len(given_pool))]
    family_pool = pools["family"]
    family = family_pool[int(rng.random() * len(family_pool))]
    if language == "zh":
        return family + given
    if language == "en":
        if rng.random() < 0.08:
            other = family_pool[int(rng.random() * len(family_pool))]
            if other != family:
                family = f"{family}-{other}"
        return f"{given} {family}"
    if language == "ar" and rng.random() < 0.25:
        father = _AR_FATHERS[int(rng.random() * len(_AR_FATHERS))]
        if father != given:
            return f"{given} {father} {family}"
    return f"{given} {family}"
