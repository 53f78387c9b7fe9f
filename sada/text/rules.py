"""Clause polarity: the model's scores corrected by the polar words of the clause.

A short clause ("delivery was late", «قیمت خیلی گرونه», «بد نبود», 「物流太慢」)
gives the n-gram model little to read; the clause's polar words, idioms and
emoji (`sada.text.polarity.polar_items`, with negation scope and intensifiers in
four languages) say more. The two are combined on the positive − negative
margin:

    margin = (p_pos − p_neg) + RULE_WEIGHT · tanh(rule score)

and the clause is positive above +MARGIN, negative below −MARGIN, neutral in
between. Where the clause holds a negated polar word or an idiom, the rules
alone decide (the model's margin is set aside): an n-gram model reads «بد نبود»,
"not bad" or 「不好吃」 by its polar word. A clause without polar words keeps the
model's label. Aspects take
the polarity of the clause they are found in (`sada.text.pipeline`).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from sada.text.lexicons import _WORD_END, _WORD_START, aspect_text, keyword_starts
from sada.text.normalize import model_text
from sada.text.polarity import PERSIAN_LETTERS, Polar, polar_items
from sada.text.polarity_words import NEGATORS as _NEGATORS
from sada.text.sentiment import SentimentResult

RULE_WEIGHT = 0.8
MARGIN = 0.1
NEGATION_MIN = 0.4
AGREE_MIN = 1.5


def clause_result(
    result: SentimentResult, text: str, extra: list[Polar] | None = None
) -> SentimentResult:
    """The clause's sentiment: `result` (the model's) corrected by its polar words
    (and by `extra` items, e.g. an aspect's `level_items`)."""
    persian = bool(PERSIAN_LETTERS.search(text))
    folded = model_text(text)
    items = polar_items(folded, rules=True, persian=persian) + implicit_items(folded)
    items += extra or []
    if not items:
        return result
    score = sum(p.value for p in items)
    scores = result.scores
    margin = scores.get("positive", 0.0) - scores.get("negative", 0.0)
    if any(p.negated or p.kind == "idiom" for p in items) and abs(score) >= NEGATION_MIN:
        # An n-gram model reads "بد نبود" / "not bad" / "不好吃" as its polar word;
        # within a clause the scope of the negation (or the idiom) decides.
        margin = 0.0
    elif abs(score) >= AGREE_MIN and len({p.value > 0 for p in items}) == 1:
        # Several polar words, all one way ("the agent fixed it quickly"): the
        # model's margin counts half (short clauses give it little to read).
        margin *= 0.5
    combined = margin + RULE_WEIGHT * math.tanh(score)
    if combined > MARGIN:
        label = "positive"
    elif combined < -MARGIN:
        label = "negative"
    else:
        label = "neutral"
    return SentimentResult(
        label,
        scores,
        uncertain=abs(combined) < 2 * MARGIN,
        model=result.model + "+rules",
    )


def has_polar_words(text: str) -> bool:
    """Whether a clause holds polar words, idioms, emoji or emoticons (rule lexicons)."""
    folded = model_text(text)
    return bool(polar_items(folded, rules=True) or implicit_items(folded))


# Round 10: judgements without polar words. Time spent waiting or calling
# ("took 40 minutes to get through", «دو هفته‌ست منتظرم», 「打了三次电话才有人接」) and a
# question about a length of time or an amount ("Why does it take three weeks…?",
# «ليش الشحن ياخذ ثلاث أسابيع؟», 「剪个头要两百块？」) are complaints.
_COUNT = (
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty"
    r"|several|a few|يوم|يومين|ساعه|ساعتين|اسبوع|اسبوعين|شهر|ثلاث|اربع|خمس|ست|عشر"
    r"|یه|یک|دو|سه|چهار|پنج|ده|بیست|چهل|[一二两三四五六七八九十百千几半\d]+)"
)
_UNIT = (
    r"(?:min|mins|minutes?|hours?|hrs?|days?|weeks?|months?|times|calls"
    r"|دقيقه|دقايق|ساعه|ساعات|ايام|اسابيع|اسبوع|شهور|مرات|مره"
    r"|دقیقه|ساعت|روز|روزه|هفته|هفتست|ماه|بار"
    r"|个?(?:小时|钟头?|天|礼拜|星期|周|月|次|分钟|块|元)|(?:块|元|蚊))"
)
# Arabic letters as `model_text` folds them (ي → ی, ك → ک, ة → ه).
_AR_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "ة": "ه", "ى": "ی", "أ": "ا", "إ": "ا", "آ": "ا"})
_WAITING = re.compile(
    (
        r"(?:(?<!\w)(?:took|take|takes|waited|waiting|wait|spent|on hold|called|rang|phoned)(?!\w)"
        r"[^.!?]{0,30}" + _COUNT + r"\s?" + _UNIT + r"(?!\w)[^.!?]{0,30}"
        r"(?:to get through|on hold|before|until|till|to answer|for a reply|for someone)"
        r")|(?:(?<!\w)(?:استنيت|استنينا|انتظرت|انتظرنا|نستنى|ننتظر|ينتظر|نطرت|نطرنا|اتصلت|اتصلنا|كلمتهم|رنيت|استغرق|استغرقت|يبيله|يبيلها)(?!\w)"
        r"[^.!?،]{0,25}(?:" + _COUNT + r"\s?)?" + _UNIT + r"(?!\w))"
        r"|(?:" + _COUNT + r"\s?" + _UNIT + r"[^.!?،]{0,12}(?:منتظر|معطل|پشت خط|زنگ زدم|زنگ زدیم))"
        r"|(?:(?:晚了|迟了|慢了|遲咗|迟咗)(?:整整)?" + _COUNT + r"\s?" + _UNIT + r")"
        r"|(?:(?:打了|等了|催了|问了)"
        + _COUNT
        + r"\s?"
        + _UNIT
        + r"[^。！？，]{0,6}(?:才|还|都|也))"
    ).translate(_AR_FOLD)
)
_QUESTION_AMOUNT = re.compile(
    (
        r"(?:(?<!\w)(?:why|how is|how can|how come|ليش|ليه|لماذا|ازاي|چرا|مگه|为什么|凭什么|怎么)"
        r"(?!\w)[^?؟？]*|" + _COUNT + r"\s?" + _UNIT + r"[^?؟？]{0,6})[?؟？]"
    ).translate(_AR_FOLD)
)


def implicit_items(folded: str) -> list[Polar]:
    """Complaints without polar words in a `model_text` clause: waiting, rhetorical questions."""
    if _WAITING.search(folded) or _QUESTION_AMOUNT.search(folded):
        return [Polar(-1, False, True, "idiom")]
    return []


_ZH_NEGATORS = ("不", "没", "別", "别", "无", "無", "未", "唔", "冇")
_FA_NEGATED_VERB = ("نمی", "نمي", "نی", "نب", "ند", "نش", "نک")
_NEGATOR_WORDS = frozenset(
    model_text(w) for lang in ("en", "ar", "fa") for w in _NEGATORS[lang].split()
)


def has_negator(text: str) -> bool:
    """Whether a clause holds a negator ("not", «ما», «نه», 不) or a negated Persian verb."""
    folded = model_text(text)
    tokens = folded.split()
    if any(t in _NEGATOR_WORDS for t in tokens) or any(n in folded for n in _ZH_NEGATORS):
        return True
    return bool(PERSIAN_LETTERS.search(text)) and any(
        t.startswith(_FA_NEGATED_VERB) and len(t) > 3 for t in tokens
    )


def symbols_result(text: str, model: str = "rules") -> SentimentResult:
    """Sentiment of a text without letters (emoji, emoticons): their polarity, else neutral."""
    score = sum(p.value for p in polar_items(model_text(text)) if p.kind == "emoji")
    if not score:
        return SentimentResult(
            "neutral", {"negative": 0.0, "neutral": 1.0, "positive": 0.0}, True, model
        )
    strength = round(0.5 + 0.4 * math.tanh(abs(score)), 4)
    rest = round((1.0 - strength) / 2, 4)
    label = "positive" if score > 0 else "negative"
    other = "negative" if score > 0 else "positive"
    return SentimentResult(label, {label: strength, "neutral": rest, other: rest}, False, model)


# Words of level and quantity take their polarity from the aspect they describe:
# "high" is bad for a price and good for quality («قیمتش خیلی بالاست», 「质量很高，就是
# 价格也高」), "went up" is bad for a price, "smaller" bad for portions. Per aspect:
# (words that make it negative, words that make it positive). Rule-only, like `_RULE_*`.
_LEVELS: dict[str, tuple[str, str]] = {
    "price": (
        """high|higher|highest|went up|gone up|go up|goes up|going up|increased|increase|
        increases|rose|risen|raised|hike|hiked|hikes|عالي|عاليه|مرتفع|مرتفعه|ارتفع|ارتفعت|زاد|
        زادت|زادو|غلي|غليت|غلت|بالا|بالاست|بالایی|بالاتر|بالاتره|زیاد|زیاده|زیادی|زیادن|
        رفته بالا|رفتن بالا|گرون شده|گرونتر شده|高|涨|涨价|变贵|贵了|steep|insane|crazy|
        اغلى|اغلي|غلا|خيالي|خياليه|نار|بيشتر شد|بیشتر شد|بیشتر میشه|بیشتره|نجومی|نجومیه""",
        """low|lower|lowest|dropped|reduced|منخفض|منخفضه|نزل|نزلت|نازل|پایین|پایینه|پایینی|
        پایینتر|کمه|低|降价|降了|cheaper|ارخص|اقل|ارزونتر|ارزونتره|ارزانتر|
        cheap|cheapest|affordable|inexpensive|rkhees|r5ees|ar5as|arzun|arzoon|arzoone|رخيص|رخيصه|
        رخيصين|ارزون|ارزونه|ارزان|ارزانه|ارزونترین|ارزانترین|便宜|实惠|好平|又平|平靓""",
    ),
    "product_quality": (
        """low|lower|lowest|dropped|worse|smaller|less|fewer|tiny|small|shrunk|shrank|منخفض|
        منخفضه|قليل|قليله|صغير|صغيره|اقل|پایین|پایینه|پایینی|اومده پایین|کمه|کمتر|کوچیک|
        کوچک|کوچیکه|低|少|变少|小|下降""",
        """high|higher|highest|top|عالي|عاليه|بالا|بالایی|بالاست|بالاتر|高|خيالي|خياليه""",
    ),
}
# A Chinese level word stands at the end of its phrase: 「价格也高」, 「分量变少了」, not
# 「小哥」 or 「高兴」.
_ZH_LEVEL_END = r"(?=[了的啊呀啦点些，。！？、,.!?\s]|$)"


@lru_cache(maxsize=1)
def _level_patterns() -> dict[str, re.Pattern[str]]:
    out = {}
    for aspect, (neg, pos) in _LEVELS.items():
        alts = []
        for sign, block in (("neg", neg), ("pos", pos)):
            words = sorted(
                {aspect_text(w.strip()) for w in block.replace("\n", "").split("|") if w.strip()},
                key=len,
                reverse=True,
            )
            han = [re.escape(w) for w in words if "\u4e00" <= w[0] <= "\u9fff"]
            other = [re.escape(w) for w in words if not "\u4e00" <= w[0] <= "\u9fff"]
            parts = []
            if other:
                parts.append(_WORD_START + "(?:" + "|".join(other) + ")" + _WORD_END)
            if han:
                parts.append("(?:" + "|".join(han) + ")" + _ZH_LEVEL_END)
            alts.append(f"(?P<{sign}>" + "|".join(parts) + ")")
        out[aspect] = re.compile("|".join(alts))
    return out


_AR_ONLY_LEVELS = frozenset(aspect_text(w) for w in ("عالي", "عاليه"))
_LEVEL_NEGATORS = frozenset(
    aspect_text(w)
    for w in _NEGATORS["en"].split() + ["مش", "مو", "مب", "ما", "لا", "ليس", "غير", "نه"]
)
_FA_LEVEL_POST = frozenset(aspect_text(w) for w in ("نیست", "نبود", "نیستش", "نشده", "نشد"))


def level_items(clause: str) -> dict[str, list[Polar]]:
    """Level words of a clause as polar items of the aspect named nearest to each one.

    "Prices went up and the portions got smaller": "went up" speaks of the prices
    (negative), "smaller" of the portions (negative). A negator just before ("not
    high", 「不高」) or a Persian negated copula after («بالا نیست») flips the item.
    """
    folded = aspect_text(clause)
    persian = bool(PERSIAN_LETTERS.search(clause))
    found: list[tuple[str, int, int, int]] = []  # aspect, start, end, sign
    for aspect, pattern in _level_patterns().items():
        for m in pattern.finditer(folded):
            if persian and m.group() in _AR_ONLY_LEVELS:
                continue  # Persian «عالی» is "excellent", not Arabic «عالي» ("high")
            found.append((aspect, m.start(), m.end(), -1 if m.group("neg") else 1))
    if not found:
        return {}
    keyword_at = {aspect: keyword_starts(folded, aspect) for aspect in _LEVELS}
    out: dict[str, list[Polar]] = {}
    for aspect, start, end, sign in found:
        # the level word belongs to the aspect named nearest to it (price or quality)
        nearest = min(
            ((abs(pos - start), a) for a in _LEVELS for pos in keyword_at.get(a, [])),
            default=None,
        )
        if nearest is None or nearest[1] != aspect:
            continue
        before = folded[max(0, start - 12) : start].split()[-2:]
        negated = any(w in _LEVEL_NEGATORS for w in before) or folded[
            max(0, start - 2) : start
        ].endswith(("不", "没"))
        after = folded[end : end + 12].split()[:1]
        negated = negated or any(w in _FA_LEVEL_POST for w in after)
        out.setdefault(aspect, []).append(Polar(sign, negated, True, "idiom"))
    return out
