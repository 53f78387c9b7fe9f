"""Train the learned person-name tagger of `sada.text.pii_names_learned` (three CRF models).

    python scripts/train_name_tagger.py \\
        --ewt DIR/en_ewt-ud-dev.iob2 --ewt DIR/en_ewt-ud-test.iob2 \\
        --wnut DIR/wnut17train.conll --wnut DIR/emerging.dev.conll --wnut DIR/emerging.test.annotated \\
        --newsfane DIR/NewsFANE_Gold_2014_170K.txt \\
        --zh-gsd DIR/zh_gsdsimp-ud-train.iob2 --zh-gsd DIR/zh_gsdsimp-ud-dev.iob2 \\
        --zh-gsd DIR/zh_gsdsimp-ud-test.iob2 \\
        [--out sada/text/models_data] [--threshold 0.5]

The corpora are not in this repository; docs/text/model-card.md says where each comes
from and under which licence. Only person tags are kept (every other entity is O).
Each corpus is split by a fixed hash of the sentence: one sentence in ten is held
out and never trained on; the script prints person-span recall and precision on the
held-out part of each family. Our own customer-message templates (below, filled with
names from our gazetteer; a few hundred sentences per language, and look-alike
sentences without names) are added to the training part, and split the same way.
`PLAIN` (round 11) adds ordinary sentences with the name as a plain subject or object
and no cue word, filled mostly with person names of the corpora's training part that
the gazetteer lacks and with its ambiguous given names, and the same sentences with
look-alikes (brands, places, teams) in the name's place as negatives.

The gazetteer feature of one token in four is hidden at training time, so that the
models learn the context of a name and not only the lists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pycrfsuite  # noqa: E402

from sada.text.pii_gazetteer import _EN_FAMILY, _ZH_GIVEN_CHARS, gazetteer  # noqa: E402
from sada.text.pii_gazetteer_world import (  # noqa: E402
    ARFA_FAMILY_WORLD,
    LATIN_FAMILY_WORLD,
    ZH_TRANSLIT_GIVEN,
)
from sada.text.pii_names_features import (  # noqa: E402
    FAMILIES,
    Token,
    sequence_features,
    tokenize,
)
from sada.text.pii_names_learned import MODELS_DIR, VERSION, han_words  # noqa: E402

# A sentence: words with their B / I / O person tag.
Sentence = list[tuple[str, str]]
_PERSON_FANE = {
    "Politician",
    "Athlete",
    "Artist",
    "Other_PER",
    "Religious_PER",
    "Scientist",
    "Businessperson",
    "Lawyer",
    "Engineer",
    "Police",
}
_MARKS = re.compile(r"[\u200e\u200f\ufeff]")


def _person_tag(tag: str, person_types: set[str]) -> str:
    if tag[:2] in ("B-", "I-") and tag[2:] in person_types:
        return tag[0]
    return "O"


def read_columns(path: Path, word_col: int, tag_col: int, person: set[str]) -> Iterator[Sentence]:
    """Sentences of a CoNLL-like file (blank line between sentences, '#' comments)."""
    sent: Sentence = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and "\t" not in line:
            continue
        cols = line.split("\t")
        if len(cols) <= max(word_col, tag_col) or not cols[word_col].strip():
            if sent:
                yield sent
            sent = []
            continue
        word = _MARKS.sub("", cols[word_col]).strip()
        if word:
            sent.append((word, _person_tag(cols[tag_col].strip(), person)))
    if sent:
        yield sent


def read_newsfane(path: Path) -> Iterator[Sentence]:
    """NewsFANE Gold has no blank lines: cut at sentence-final punctuation or 40 words."""
    sent: Sentence = []
    for word, tag in _pairs(path):
        sent.append((word, tag))
        if word in {".", "؟", "!", "?"} or (len(sent) >= 40 and tag == "O"):
            yield sent
            sent = []
    if sent:
        yield sent


def _pairs(path: Path) -> Iterator[tuple[str, str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = _MARKS.sub("", line).split("\t")
        if len(cols) >= 2 and cols[0].strip():
            yield cols[0].strip(), _person_tag(cols[1].strip(), _PERSON_FANE)


# ---------------------------------------------------------------------------------------
# Our own customer-message templates. {N} is a person name; look-alikes have none.
TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Hi, this is {N}, my order never arrived.",
        "My name is {N} and I need a refund.",
        "{N} from your support team was very helpful.",
        "Please ask {N} to call me back.",
        "Thanks, {N}",
        "Regards,\n{N}",
        "I spoke to {N} yesterday but nothing happened.",
        "The driver {N} left the parcel outside.",
        "Can {N} check my account please?",
        "My wife {N} placed the order on my card.",
        "{N} and {N} both tried to log in.",
        "Dear {N}, thank you for the quick reply.",
        "Your agent {N} promised a callback that never came.",
        "The account is under {N}.",
        "I was helped by {N} at the counter.",
        "{N} said the refund would take five days.",
        "hello, {N} here, the app keeps crashing",
        "Tell {N} the invoice is still wrong.",
        "{G} never got the confirmation email.",
        "Could {G} look at my ticket again?",
        "{G}'s card was charged twice.",
        "Mr {F} was supposed to call me today.",
        "Please pass this on to Ms {F} in billing.",
        "I'm writing on behalf of my father, {N}.",
        "Cheers, {G}",
        "{G} and I share this account.",
    ],
    "en-": [
        "The Apple Watch stopped charging after a week.",
        "I ordered the Galaxy S21 but got a different model.",
        "The Main Street branch was closed on Monday.",
        "Customer Service never answered my email.",
        "Amazon Prime delivery was late again.",
        "The New York store had no stock.",
        "I hope the Premium Plan gets cheaper.",
        "Best Buy would not match the price.",
        "The Order Status page shows nothing.",
        "Great service, Thank You So Much!",
    ],
    "ar": [
        "مرحبا، أنا {N} ولم يصلني الطلب.",
        "اسمي {N} وأريد استرجاع المبلغ.",
        "الموظف {N} كان متعاونا جدا.",
        "تحدثت مع {N} أمس ولم يتغير شيء.",
        "أرجو أن يتصل بي {N} في أقرب وقت.",
        "شكرا {N} على المساعدة.",
        "مع التحية،\n{N}",
        "المندوب {N} ترك الطلب عند الباب.",
        "زوجتي {N} طلبت المنتج من حسابي.",
        "الحساب باسم {N}.",
        "{N} قال إن المبلغ سيعود خلال أسبوع.",
        "الأخ {N} لم يرد على رسائلي.",
        "السائق {N} تأخر ساعتين.",
        "{N} و{N} حاولا الدخول إلى الحساب.",
        "{G} ما استلم الطلب لين الحين.",
        "كلمت {G} من الدعم وما رد.",
        "ممكن {G} يتواصل معي؟",
        "أختي {G} طلبت نفس المنتج.",
        "الأستاذ {F} وعدني بالتعويض.",
        "تحياتي، {G}",
        "المستلم: {N}",
    ],
    "ar-": [
        "الطلب وصل متأخرا والطعام بارد.",
        "خدمة العملاء لم ترد على البريد.",
        "فرع الرياض مغلق يوم الجمعة.",
        "سعيد جدا بالخدمة، شكرا لكم.",
        "التطبيق لا يعمل منذ التحديث.",
        "المنتج جميل لكن السعر مرتفع.",
        "المكتب قرب مستشفى الملك فهد.",
    ],
    "fa": [
        "سلام، من {N} هستم و سفارشم نرسیده.",
        "اسمم {N} است و می‌خواهم پولم برگردد.",
        "همکارتان {N} خیلی کمک کرد.",
        "با {N} صحبت کردم ولی مشکل حل نشد.",
        "لطفا {N} با من تماس بگیرد.",
        "ممنون از {N} بابت پیگیری.",
        "با تشکر،\n{N}",
        "پیک شما {N} بسته را جلوی در گذاشت.",
        "همسرم {N} سفارش را ثبت کرد.",
        "حساب به نام {N} است.",
        "{N} گفت پول تا یک هفته برمی‌گردد.",
        "راننده {N} دو ساعت دیر آمد.",
        "{N} و {N} هر دو از این حساب استفاده می‌کنند.",
        "{G} هنوز پیامک تایید نگرفته.",
        "به {G} بگید سفارشش رسیده.",
        "آقای {F} قول داد امروز زنگ بزنه.",
        "خانم {F} از واحد مالی پیگیری کرد.",
        "گیرنده: {N}",
        "ارادتمند، {G}",
        "دخترم {G} با حساب من خرید کرده.",
    ],
    "fa-": [
        "غذا سرد رسید و نوشابه نداشت.",
        "پشتیبانی به ایمیل من جواب نداد.",
        "خیابان ولیعصر شلوغ بود و پیک دیر رسید.",
        "امید دارم دفعه بعد بهتر باشد.",
        "کیفیت گوشی سامسونگ خوب نبود.",
        "برنامه بعد از به‌روزرسانی باز نمی‌شود.",
    ],
    "zh": [
        "你好，我是{N}，我的快递还没到。",
        "我叫{N}，想申请退款。",
        "客服{N}态度很好。",
        "昨天和{N}通过电话，问题还是没解决。",
        "请让{N}给我回个电话。",
        "谢谢{N}的帮助。",
        "联系人：{N}",
        "快递员{N}把包裹放在门口就走了。",
        "我老婆{N}用我的账号下的单。",
        "账户是{N}的名字。",
        "{N}说退款一周内到账。",
        "司机{N}迟到了两个小时。",
        "{N}和{N}都登录不了。",
        "收件人：{N}",
        "麻烦转告{N}，发票开错了。",
        "{N}一直没回我消息。",
        "我同事{N}也遇到了同样的问题。",
    ],
    "zh-": [
        "王者荣耀充值没到账。",
        "外卖送到的时候已经凉了。",
        "客服一直不回消息。",
        "这个手机的电池很不耐用。",
        "高兴的是包装很完整。",
        "马上给我退款！",
    ],
}


# Plain subjects and objects (round 11): an ordinary customer-service sentence, no cue word.
# {U} takes a name the gazetteer mostly lacks (person names of the training part of the
# corpora, ambiguous given names); the same sentences are filled with look-alikes
# (brands, places, teams, ordinary words) as negatives.
PLAIN: dict[str, list[str]] = {
    "en": [
        "{U} was really patient with me.",
        "{U} fixed the billing issue in ten minutes.",
        "{U} never called back.",
        "I waited two hours and {U} still did not show up.",
        "{U} explained the new plan clearly.",
        "{U} cancelled my booking without asking.",
        "We asked {U} about the delivery date.",
        "{U} rang me this morning about the leak.",
        "{U} was rude on the phone.",
        "Yesterday {U} replaced the router.",
        "{U} sorted it out, great job.",
        "The refund came after {U} escalated it.",
        "{U} booked the wrong flight for us.",
        "I gave {U} my order number twice.",
        "{U} told us the warranty had expired.",
        "Nobody except {U} answered the chat.",
        "honestly {U} saved my day",
        "{U} is the best technician you have.",
    ],
    "ar": [
        "{U} ما رد علي.",
        "{U} كان صبور جدا معي.",
        "{U} حل المشكلة بسرعة.",
        "اتصل {U} الصبح وقال الطلب بيوصل بكرة.",
        "{U} ركب الراوتر أمس.",
        "{U} لغى الحجز بدون ما يسألني.",
        "سألت {U} عن موعد التوصيل.",
        "{U} شرح لي العرض الجديد.",
        "{U} ساعدني في تغيير كلمة المرور.",
        "{U} وعدني بالاسترجاع وما صار شي.",
        "أعطيت {U} رقم الطلب مرتين.",
        "{U} أرسل الفاتورة الغلط.",
        "أمس {U} غير البطارية.",
        "{U} رفض يعطيني الفاتورة.",
    ],
    "fa": [
        "{U} کارت رو فعال کرد.",
        "{U} خیلی صبور بود.",
        "{U} جواب پیام‌هام رو نداد.",
        "{U} امروز صبح زنگ زد و گفت سفارش میرسه.",
        "{U} مودم رو نصب کرد.",
        "{U} رزرو رو بدون هماهنگی لغو کرد.",
        "{U} طرح جدید رو خوب توضیح داد.",
        "شماره سفارش رو دو بار به {U} دادم.",
        "{U} قول داد پول برگرده ولی خبری نشد.",
        "{U} با من بد صحبت کرد.",
        "دیروز {U} گوشی رو تعمیر کرد.",
        "{U} قبول کرده که هزینه رو برگردونه.",
    ],
    "zh": [
        "{U}说明天发货。",
        "{U}很有耐心。",
        "{U}一直没回我。",
        "{U}帮我把卡激活了。",
        "今天早上{U}打电话来说快递到了。",
        "{U}把订单取消了也不告诉我。",
        "我问了{U}什么时候送到。",
        "{U}装好了路由器。",
        "{U}态度太差了。",
        "我把订单号给了{U}两次。",
        "{U}答应退款但是没消息。",
        "{U}解释得很清楚。",
    ],
}
LOOK_ALIKES: dict[str, list[str]] = {
    "en": [
        "Amazon",
        "Netflix",
        "Uber",
        "Vodafone",
        "Paypal",
        "Samsung",
        "Shopee",
        "Berlin",
        "Dubai",
        "London",
        "Support",
        "Billing",
        "Delivery",
        "Everything",
        "Nobody",
        "The app",
        "The store",
        "Customer care",
        "The courier",
        "Someone",
        "Premium",
        "Express",
        "Prime",
        "The bank",
        "Spotify",
        "Walmart",
    ],
    "ar": [
        "الدعم",
        "المندوب",
        "التطبيق",
        "أرامكس",
        "طلبات",
        "نون",
        "أمازون",
        "الرياض",
        "دبي",
        "الفرع",
        "المطعم",
        "الشركة",
        "الموظف",
        "محد",
        "البنك",
        "الفني",
        "زين",
        "موبايلي",
    ],
    "fa": [
        "پشتیبانی",
        "پیک",
        "اپلیکیشن",
        "دیجیکالا",
        "اسنپ",
        "تپسی",
        "ایرانسل",
        "همراه اول",
        "تهران",
        "شیراز",
        "فروشگاه",
        "رستوران",
        "بانک",
        "کسی",
        "هیچکس",
        "مدیر",
        "تعمیرکار",
    ],
    "zh": [
        "客服",
        "快递",
        "外卖",
        "京东",
        "淘宝",
        "美团",
        "顺丰",
        "北京",
        "上海",
        "商家",
        "店家",
        "银行",
        "平台",
        "师傅",
        "小哥",
        "有人",
        "没人",
        "经理",
        "王府井",
        "中国移动",
    ],
}


def _name_pools() -> dict[str, tuple[list[str], list[str]]]:
    """(given, family) names per language, from our gazetteer."""
    _, _, given, surnames = gazetteer()
    latin_given = sorted(w.title() for w in given if w.isascii() and w.isalpha())
    latin_family = sorted({w.title() for w in (_EN_FAMILY + LATIN_FAMILY_WORLD).split()})
    arfa_given = sorted(w for w in given if re.fullmatch(r"[\u0600-\u06ff ]+", w))
    arfa_family = sorted(set(ARFA_FAMILY_WORLD.split()))
    zh_given = [c1 + c2 for c1 in _ZH_GIVEN_CHARS[:60] for c2 in _ZH_GIVEN_CHARS[60:120]]
    return {
        "en": (latin_given, latin_family),
        "ar": (arfa_given, arfa_family + arfa_given),
        "fa": (arfa_given, arfa_family + arfa_given),
        "zh": (sorted(surnames), zh_given + list(_ZH_GIVEN_CHARS) + ZH_TRANSLIT_GIVEN.split()),
    }


def _a_name(
    kind: str, lang: str, pools: dict[str, tuple[list[str], list[str]]], rng: random.Random
) -> str:
    """A name for a slot: {G} a given name, {F} a family name, {N} either or both."""
    given, family = pools[lang]
    if lang == "zh":
        if rng.random() < 0.15:
            return rng.choice(ZH_TRANSLIT_GIVEN.split())
        return rng.choice(given) + rng.choice(family[:3600])
    if kind == "G" or (kind == "N" and rng.random() < 0.45):
        return rng.choice(given)
    last = rng.choice(family)
    if lang == "fa" and rng.random() < 0.6:  # Persian family names: احمدی، کریم‌زاده، رضاپور
        last = rng.choice(given).replace(" ", "") + rng.choice(
            ["ی", "\u200cزاده", "پور", "ی", "نیا"]
        )
    if lang == "ar" and rng.random() < 0.3:  # Arabic nisba: الأحمدي
        last = "ال" + rng.choice(given).replace(" ", "") + "ي"
    return last if kind == "F" else rng.choice(given) + " " + last


def template_sentences(fills: int, seed: int = 7) -> list[Sentence]:
    """Our templates filled with gazetteer names: tokens with B / I / O."""
    rng = random.Random(seed)
    pools = _name_pools()
    out: list[Sentence] = []
    for key, templates in TEMPLATES.items():
        lang = key.rstrip("-")
        for template in templates:
            for _ in range(fills if not key.endswith("-") else 3):
                out.append(_fill(template, lang, pools, rng))
    return out


def _fill(template: str, lang: str, pools: dict, rng: random.Random) -> Sentence:
    sent: Sentence = []
    for k, piece in enumerate(re.split(r"\{([GFN])\}", template)):
        if k % 2 == 1:
            for j, tok in enumerate(tokenize(_a_name(piece, lang, pools, rng))):
                sent.append((tok.text, "B" if j == 0 else "I"))
        else:
            sent += [(t.text, "O") for t in tokenize(piece)]
    return sent


def unknown_names(sentences: list[Sentence]) -> dict[str, list[str]]:
    """Person names of the training part of the corpora that our gazetteer lacks, by
    language of our templates, and the gazetteer's ambiguous given names."""
    _, ambiguous, given, _ = gazetteer()
    out: dict[str, list[str]] = {"en": [], "ar": [], "fa": [], "zh": []}
    for sent in sentences:
        if held_out(sent):
            continue
        for start, end in spans([tag for _, tag in sent]):
            words = [w for w, _ in sent[start:end]]
            name = ("" if re.search(r"[\u4e00-\u9fff]", words[0]) else " ").join(words)
            if len(words) > 3 or any(w.lower() in given or w.isupper() for w in words):
                continue
            if re.fullmatch(r"[A-Za-z][A-Za-z'-]+( [A-Za-z][A-Za-z'-]+)*", name):
                out["en"].append(name)
            elif re.fullmatch(r"[\u0621-\u064a ]{3,}", name):
                out["ar"].append(name)
            elif re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
                out["zh"].append(name)
    out["fa"] = list(out["ar"])
    for word in sorted(ambiguous):
        if word.isascii():
            out["en"].append(word.title())
        elif re.fullmatch(r"[\u0600-\u06ff]+", word):
            out["ar" if not re.search("[پچژگکی]", word) else "fa"].append(word)
            out["fa"].append(word)
    return {lang: sorted(set(names)) for lang, names in out.items()}


def plain_sentences(sentences: list[Sentence], fills: int, seed: int = 13) -> list[Sentence]:
    """`PLAIN` filled with unknown or ambiguous names (or, one in three, a gazetteer name),
    and with look-alikes as negatives."""
    rng = random.Random(seed)
    pools = _name_pools()
    unknown = unknown_names(sentences)
    out: list[Sentence] = []
    for lang, templates in PLAIN.items():
        for template in templates:
            for _ in range(fills):
                name = (
                    rng.choice(unknown[lang])
                    if unknown[lang] and rng.random() < 0.67
                    else _a_name("N", lang, pools, rng)
                )
                if lang == "en" and rng.random() < 0.1:
                    name = name.lower()
                out.append(_fill_with(template, name, "B"))
            for _ in range(max(1, fills // 3)):
                out.append(_fill_with(template, rng.choice(LOOK_ALIKES[lang]), "O"))
    return out


def _fill_with(template: str, name: str, tag: str) -> Sentence:
    before, after = template.split("{U}")
    sent: Sentence = [(t.text, "O") for t in tokenize(before)]
    for j, tok in enumerate(tokenize(name)):
        sent.append((tok.text, "O" if tag == "O" else ("B" if j == 0 else "I")))
    return sent + [(t.text, "O") for t in tokenize(after)]


# ---------------------------------------------------------------------------------------
def to_tokens(sent: Sentence) -> tuple[list[Token], list[str]]:
    """Our tokens of a corpus sentence and their labels (a word may become several tokens)."""
    tokens: list[Token] = []
    labels: list[str] = []
    pos = 0
    for word, tag in sent:
        for j, tok in enumerate(tokenize(word)):
            tokens.append(Token(pos + tok.start, pos + tok.end, tok.text, tok.family))
            labels.append("I" if tag == "I" or (tag == "B" and j > 0) else tag)
        pos += len(word) + 1
    return tokens, labels


def held_out(sent: Sentence) -> bool:
    key = " ".join(w for w, _ in sent).encode("utf-8")
    return hashlib.sha1(key, usedforsecurity=False).digest()[0] < 26  # about one in ten


def _dropout(tokens: list[Token], rng: random.Random) -> frozenset[int]:
    return frozenset(i for i in range(len(tokens)) if rng.random() < 0.25)


def spans(labels: list[str]) -> set[tuple[int, int]]:
    out = set()
    start = -1
    for i, lab in enumerate([*labels, "O"]):
        if start >= 0 and lab != "I":
            out.add((start, i))
            start = -1
        if lab == "B" or (lab == "I" and start < 0):
            start = i
    return out


def train_family(
    family: str, data: list[tuple[list[Token], list[str]]], out: Path, c1: float, c2: float
) -> None:
    rng = random.Random(11)
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, labels in data:
        trainer.append(sequence_features(tokens, _dropout(tokens, rng)), labels)
    trainer.set_params(
        {"c1": c1, "c2": c2, "max_iterations": 150, "feature.possible_transitions": True}
    )
    trainer.train(str(out))


def evaluate(family: str, path: Path, data: list[tuple[list[Token], list[str]]], cut: float) -> str:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    gold_n = found_n = hit = 0
    for tokens, labels in data:
        tagger.set(sequence_features(tokens))
        pred = []
        for i, tok in enumerate(tokens):
            b, inside = tagger.marginal("B", i), tagger.marginal("I", i)
            if tok.family != family or b + inside < cut:
                pred.append("O")
            else:
                pred.append(
                    "B" if b > inside and (not pred or pred[-1] == "O" or family != "han") else "I"
                )
        mine = [
            lab if tok.family == family else "O" for tok, lab in zip(tokens, labels, strict=True)
        ]
        gold, found = spans(mine), spans(pred)
        gold_n, found_n, hit = gold_n + len(gold), found_n + len(found), hit + len(gold & found)
    recall = hit / gold_n if gold_n else 1.0
    precision = hit / found_n if found_n else 1.0
    return f"{family:<7} held-out gold {gold_n:>5}  recall {recall:.3f}  precision {precision:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ewt", action="append", default=[], type=Path)
    parser.add_argument("--wnut", action="append", default=[], type=Path)
    parser.add_argument("--newsfane", action="append", default=[], type=Path)
    parser.add_argument("--zh-gsd", action="append", default=[], type=Path)
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument(
        "--threshold",
        default="latin=0.7,arabic=0.9,han=0.8",
        help="per family, chosen on the development fixtures (docs/text/model-card.md)",
    )
    parser.add_argument(
        "--opening",
        default="latin=0.9,arabic=0.9",
        help="per family, the probability at which a gazetteer given name opening a "
        "sentence is kept (chosen on the development fixtures)",
    )
    parser.add_argument("--fills", type=int, default=20)
    parser.add_argument("--plain-fills", type=int, default=24)
    parser.add_argument("--c1", type=float, default=0.1)
    parser.add_argument("--c2", type=float, default=0.01)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--jieba-dict", type=Path, default=None, help="default: jieba's own")
    parser.add_argument("--zh-min-freq", type=int, default=20)
    args = parser.parse_args()
    thresholds = {k: float(v) for k, v in (kv.split("=") for kv in args.threshold.split(","))}

    sentences: list[Sentence] = []
    for p in args.ewt:
        sentences += read_columns(p, 1, 2, {"PER"})
    for p in args.wnut:
        sentences += read_columns(p, 0, 1, {"person"})
    for p in args.newsfane:
        sentences += read_newsfane(p)
    for p in args.zh_gsd:
        sentences += read_columns(p, 1, 2, {"PER"})
    templated = template_sentences(args.fills) + plain_sentences(sentences, args.plain_fills)
    print(f"corpus sentences {len(sentences)}, template sentences {len(templated)}")

    args.out.mkdir(parents=True, exist_ok=True)
    if args.jieba_dict is None:
        import jieba

        args.jieba_dict = Path(jieba.__file__).parent / "dict.txt"
    zh_words = han_words(args.jieba_dict, args.zh_min_freq)
    print(f"{len(zh_words)} ordinary Chinese words starting with a surname")
    sizes = {}
    for family in args.families.split(","):
        train, test, test_templated = [], [], []
        for k, sent in enumerate(sentences + templated):
            tokens, labels = to_tokens(sent)
            if not any(t.family == family for t in tokens):
                continue
            if not held_out(sent):
                train.append((tokens, labels))
            else:
                (test if k < len(sentences) else test_templated).append((tokens, labels))
        path = args.out / f"names_{family}.crfsuite"
        print(f"{family}: training on {len(train)} sentences, {len(test)} held out", flush=True)
        train_family(family, train, path, args.c1, args.c2)
        sizes[family] = path.stat().st_size
        print("corpora  ", evaluate(family, path, test, thresholds[family]), flush=True)
        print("templates", evaluate(family, path, test_templated, thresholds[family]), flush=True)
    meta_path = args.out / "names_tagger.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    opening = {k: float(v) for k, v in (kv.split("=") for kv in args.opening.split(","))}
    meta.update(
        {
            "version": VERSION,
            "threshold": thresholds,
            "opening": opening,
            "families": list(FAMILIES),
        }
    )
    meta.pop("zh_words", None)
    meta["zh_min_freq"] = args.zh_min_freq
    meta_path.write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
    print("sizes", sizes)


if __name__ == "__main__":
    main()
