"""Small hand-written polarity lexicons (our own) used as extra model features.

A word of the lexicon adds a `+` or `-` feature (flipped to `~+` / `~-` after a
negator within the two words before it). The models learn how much these
features weigh from the training data; because the features fire on words the
training data never saw, they carry sentiment into new domains — the reason
they exist. Words are stored as `model_text` sees them (folded letters, lower case).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sada.text.normalize import _LETTER_FOLD

_POS = {
    "en": """good great excellent amazing awesome love loved lovely perfect best nice happy
        fantastic wonderful helpful friendly fast quick fresh delicious tasty recommend
        recommended satisfied pleasant brilliant superb outstanding polite clean easy smooth
        reliable impressive enjoy enjoyed glad thanks thank beautiful cool fine favorite
        worth comfortable kind professional efficient super yummy incredible quality""",
    "ar": """جيد جيده ممتاز ممتازه رائع رائعه جميل جميله حلو حلوه لذيذ لذيذه افضل أفضل احسن
        شكرا شكراً مشكور سريع سريعه نظيف نظيفه انصح أنصح مريح مريحه ممتع روعه روعة
        تحفه تحفة عظيم سعيد مبدع مميز مميزه محترم محترمين راقي طيب زين يجنن خرافي
        الحمدلله حبيت احب أحب عجبني يستاهل موفق ابداع متعاون لطيف""",
    "fa": """خوب عالی عالیه خوبه خوشمزه تازه ممنون مرسی سپاس سریع تمیز بهترین
        بهتر راضی راضیم عاشق دوست_داشتم پیشنهاد_میکنم مودب محترم گرم دلچسب شیک
        فوق_العاده بینظیر بی_نظیر لذیذ باکیفیت با_کیفیت ارزان مناسب خوشحال دمتون
        دستتون_درد_نکنه قشنگ کامل مرتب زیبا حرفه_ای""",
    "zh": """好 很好 不错 满意 喜欢 推荐 值得 漂亮 舒服 很快 干净 方便 好吃 优秀 完美 棒
        赞 超值 实惠 划算 热情 周到 耐心 新鲜 给力 感谢 谢谢 惊喜 精致 物美价廉 好评
        挺好 还行 满分 靠谱 清晰 流畅 结实""",
}
_NEG = {
    "en": """bad terrible awful horrible worst poor disappointing disappointed hate hated
        slow late cold rude broken dirty useless waste wrong problem issue never annoying
        expensive overpriced refund angry unhappy sucks sucked fail failed failure crash
        crashed missing stale bland nasty disgusting unacceptable ridiculous scam fraud
        delayed damaged defective mediocre ugly boring worse cancel cancelled complaint""",
    "ar": """سيء سيئ سيئه سيئة سئ زفت فاشل فاشله خايس خايسه وسخ وسخه متأخر متاخر تأخير تاخير
        بارد بارده غالي غاليه مقرف مقرفه اسوا أسوأ اسوء تعبان سرقه سرقة نصب حرامي
        مشكله مشكلة مشاكل خربان خربانه معطل ضعيف ضعيفه رديء ردئ مزعج ممل للاسف للأسف
        خساره خسارة ندمت حرام قرف زباله زبالة كذاب مخيب""",
    "fa": """بد بده افتضاح افتضاحه سرد دیر تاخیر تأخیر گران گرون کثیف خراب
        بی_کیفیت بیکیفیت بی_مزه بیمزه بدمزه ضعیف ناراضی متاسفانه متأسفانه
        بدترین بی_ادب شور سوخته مشکل اشتباه ناامید حیف کلاهبرداری
        افتضاحی داغون کهنه زشت""",
    "zh": """差 很差 太差 不好 失望 垃圾 慢 太慢 贵 难吃 脏 坏 破 假货 退货 投诉 后悔 糟糕
        烂 差劲 恶心 态度差 不满意 问题 毛病 坑 骗 没用 不值 一般 发霉 异味 卡顿 闪退""",
}
_NEGATORS = {
    "en": "not no never don't dont doesn't doesnt didn't didnt isn't isnt wasn't wasnt won't "
    "wont can't cant cannot nothing hardly without",
    "ar": "ما لا لم لن ليس ليست مش مو مب غير بدون مافي ماكان",
    "fa": "نه نبود نیست نمی نمیشه هیچ بدون نیستش نبودش",
    "zh": "不 没 没有 别 无 未 不是 不太",
}

_FA_NEG_PREFIX = re.compile(r"^(?:نمی|نمي|ن)(?=\w{2,})")
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")


def _fold(word: str) -> str:
    return word.translate(_LETTER_FOLD).lower()


# Emoji carry sentiment the same way in every language.
_EMOJI_POS = set("😀😁😂😃😄😅😆😊😇😍😘😋😎🤩🥰🥳👍👌👏🙌💯🔥❤💙💚💛💜🧡💕💖💗🌹🎉✨⭐🌟☺♥✌🙏")
_EMOJI_NEG = set("😞😟😠😡🤬😢😭😤😩😫😒🙄😣😖😔☹🙁😕🤮🤢💔👎😱😰😓😧😨💩")
_DATA = Path(__file__).parent / "models_data"


@lru_cache(maxsize=1)
def vader_words() -> dict[str, int]:
    """VADER's strong English words as ±1 (|valence| ≥ 1) or ±2 (≥ 2.5).

    Kept: alphabetic entries, and a few with an apostrophe. Empty when the
    package is missing (the English model then loses a few points).
    """
    try:
        import vaderSentiment
    except ModuleNotFoundError:
        return {}
    source = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    words: dict[str, int] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        token, value = parts[0].strip().lower(), float(parts[1])
        if not re.fullmatch(r"[a-z]+(?:'[a-z]+)?", token) or abs(value) < 1.0:
            continue
        words[token] = (2 if abs(value) >= 2.5 else 1) * (1 if value > 0 else -1)
    return words


@lru_cache(maxsize=1)
def lexicon() -> tuple[dict[str, int], frozenset[str], list[tuple[str, int]]]:
    """(word -> ±1/±2 for alphabetic languages, negators, Chinese terms longest first).

    English adds the VADER lexicon (MIT, C.J. Hutto), read from the installed
    `vaderSentiment` package rather than copied into Sada.
    """
    words: dict[str, int] = dict(vader_words())
    for lang in ("en", "ar", "fa"):
        for w in _POS[lang].split():
            words.setdefault(_fold(w.replace("_", " ")), 1)
        for w in _NEG[lang].split():
            words.setdefault(_fold(w.replace("_", " ")), -1)
    negators = frozenset(_fold(w) for lang in ("en", "ar", "fa") for w in _NEGATORS[lang].split())
    zh = [(w, 1) for w in _POS["zh"].split()] + [(w, -1) for w in _NEG["zh"].split()]
    zh.sort(key=lambda kv: -len(kv[0]))
    return words, negators, zh


_ZH_NEG = tuple(_NEGATORS["zh"].split())


def polarity_features(text: str) -> list[str]:
    """`+`, `-`, `~+`, `~-` markers for the polar words of a `model_text` string."""
    words, negators, zh_terms = lexicon()
    out: list[str] = []
    tokens = _WORD.findall(text)
    for i, tok in enumerate(tokens):
        if "\u4e00" <= tok[0] <= "\u9fff":
            out.extend(_zh_features(tok, zh_terms))
            continue
        pol = None
        if i + 1 < len(tokens):  # two-word entries ("بی کیفیت", "دوست داشتم") first
            pol = words.get(f"{tok} {tokens[i + 1]}")
            if pol is None and i + 2 < len(tokens):
                pol = words.get(f"{tok} {tokens[i + 1]} {tokens[i + 2]}")
        if pol is None:
            if i > 0 and f"{tokens[i - 1]} {tok}" in words:
                continue  # second word of an entry already counted
            pol = words.get(tok)
        if pol is None:
            continue
        negated = any(t in negators for t in tokens[max(0, i - 2) : i])
        mark = ("~" if negated else "") + ("+" if pol > 0 else "-")
        out.append(mark)
        if abs(pol) > 1:
            out.append(mark + "!")  # strong word
    for ch in text:
        if ch in _EMOJI_POS:
            out.append(":+")
        elif ch in _EMOJI_NEG:
            out.append(":-")
    return out


def _zh_features(run: str, terms: list[tuple[str, int]]) -> list[str]:
    out = []
    taken = [False] * len(run)
    for term, pol in terms:
        start = run.find(term)
        while start >= 0:
            end = start + len(term)
            if not any(taken[start:end]):
                for k in range(start, end):
                    taken[k] = True
                before = run[max(0, start - 2) : start]
                negated = any(n in before for n in _ZH_NEG) and not term.startswith(_ZH_NEG)
                out.append(("~" if negated else "") + ("+" if pol > 0 else "-"))
            start = run.find(term, end)
    return out
