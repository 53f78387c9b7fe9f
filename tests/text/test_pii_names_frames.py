"""Names found by the construction around them (`sada.text.pii_names_frames`).

Every name below is outside our gazetteer or one of its ambiguous names, which are also
words («نور» light, «امید» hope) (checked first), so only the frame can find it; the
look-alikes share a frame with a word that is no name.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import gazetteer
from sada.text.pii_names import find_names

FRAMED = [
    # Arabic: self-introduction, agent and team, kin, vocative, talking to, sign-off
    ("مرحبا، أنا زبيدة، الطلب ما وصل لحد الآن", ["زبيدة"]),
    ("مرام من فريق المبيعات وعدتني بخصم", ["مرام"]),
    ("مرحبا، صاحبي جسار، قال إنكم أسرع واحد", ["جسار"]),
    ("يا أستاذة سندس، وصلتني رسالتين", ["سندس"]),
    ("الرجاء التواصل مع قتيبة بخصوص الفاتورة", ["قتيبة"]),
    ("شكراً جزيلاً لقتيبة على المساعدة", ["قتيبة"]),
    ("المنتج وصل مكسور، أرجو الاستبدال. مع الشكر، هتون", ["هتون"]),
    # a role and an ambiguous given name before a copula, or between commas (Persian)
    ("المندوبة نور كانت لطيفة معي", ["نور"]),
    ("راننده، امید، خیلی مودب بود", ["امید"]),
    # Persian: agent and team, kin, honorific after, thanks with a title, sign-off
    ("آیسان از پشتیبانی زنگ زد و مشکل حل شد", ["آیسان"]),
    ("همکارم رادین گفت تخفیف سازمانی دارین", ["رادین"]),
    ("دلشاد خانم خیلی خوش‌برخورد بود", ["دلشاد"]),
    ("سپاس از خانم رستگار بابت پیگیری", ["رستگار"]),
    ("بسته هنوز نرسیده — کیانوش", ["کیانوش"]),
    # English: agent from a team, role is X, "X here", a list with "and"
    ("Zephyrine from billing sorted it out in minutes", ["Zephyrine"]),
    ("the courier was Radek, very polite", ["Radek"]),
    ("Tolu here, my parcel never arrived", ["Tolu"]),
    ("I am Oyelaran, the account holder", ["Oyelaran"]),
    ("Yusra, Zephyrine and Radek from support all helped", ["Yusra", "Zephyrine", "Radek"]),
    # Chinese: agent, span ends before a time word or verb, dotted names, relation, 姐
    ("感谢客服梓涵，问题解决了", ["梓涵"]),
    ("俞霏昨天打电话说没收到", ["俞霏"]),
    ("持卡人是卡洛斯·门多萨，不是我", ["卡洛斯·门多萨"]),
    ("已联系用户阎妍，她说收到了", ["阎妍"]),
    ("谢谢雨桐姐，帮大忙了", ["雨桐"]),
    ("同事冉冉说你们发错货了", ["冉冉"]),
    ("老公闵浩买的那件退了吧", ["闵浩"]),
]

LOOK_ALIKES = [
    "أنا زعلان من التأخير.",
    "كان الموظف سعيد جداً بمساعدتي.",
    "هزینه پیک زیاد بود",
    "اخوي يشجع الارجنتين ويتمنى خسارتهم",
    "أعدت التجربة و لكن في فرع الرياض كان أسوأ",
    "مرسی از پیگیری‌تون، مشکل حل شد.",
    "همه چی خوب بود، کلم سفید نفرستادن",
    "دیگه با پسرم شرط بندی میکنیم",
    "خیلی عالی و به موقع رسید. متشکرم",
    "I bought the Samsung Galaxy from your Oxford Street store",
    "Sincerely, the Customer Service Team",
    "Yankees - Jays",
    "I'm Done. Never again.",
    "شكرا للجميع",
    "شكرا لدعمك",
    "客服你好，我上周下的单",
    "我是学生，想问一下优惠",
    "谢谢林小姐的耐心解答",
]


def _unknown(name: str) -> bool:
    given = {fold_for_search(w) for w in gazetteer()[2]}
    return all(fold_for_search(w) not in given for w in name.replace("·", " ").split())


@pytest.mark.parametrize(("text", "names"), FRAMED)
def test_names_by_their_frame(text: str, names: list[str]) -> None:
    ambiguous = {fold_for_search(w) for w in gazetteer()[1]}
    # only the frame can find them: unknown names, or names that are also words
    assert all(_unknown(n) or fold_for_search(n) in ambiguous for n in names)
    assert [text[a:b] for a, b in find_names(text)] == names


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_frames_with_no_name(text: str) -> None:
    found = [text[a:b] for a, b in find_names(text)]
    assert found in ([], ["林"]), found  # 「林小姐」: the surname alone, as before


# Round 10: frames with names the gazetteer lacks (or holds as words), our own sentences.
FRAMED_R10 = [
    ("سلام امید هستم، سفارشم هنوز نرسیده", ["امید"]),
    ("سلام، من کیانوش هستم و شماره پیگیری ندارم", ["کیانوش"]),
    ("من تیلدا برگمان هستم، مشتری قدیمی شما", ["تیلدا برگمان"]),
    ("مرحبا، زياد هنا، الطلب وصل ناقص", ["زياد"]),
    ("سميتي غيثة، بغيت نبدل العنوان", ["غيثة"]),
    ("Hi, Oyelaran here from Lagos, my card was charged twice", ["Oyelaran"]),
    ("@support hello, Xolani here, the refund never arrived", ["Xolani"]),
    ("Kuya Bongbong said the parcel left yesterday", ["Bongbong"]),
    ("I spoke to priya on the phone and she said two days", ["priya"]),
    ("Please escalate, cc Zbyszko Wierzbicki", ["Zbyszko Wierzbicki"]),
    ("骆晓婷明天下午在家，麻烦那时送", ["骆晓婷"]),
    ("包装破了，请尽快处理。——阎妍", ["阎妍"]),
    ("俞霏和阎妍都说没收到货", ["俞霏", "阎妍"]),
]

LOOK_ALIKES_R10 = [
    "من اینجا هستم",
    "من منتظر هستم تا جواب بدید",
    "سلام خوب هستم ممنون",
    "دیروز فراموش کردم رمز رو",
    "المشكلة هنا كبيرة جدا",
    "مرحبا، الطلب هنا ولكن ناقص",
    "Hi, Support here, we have updated your ticket",
    "I spoke to will yesterday about it",
    "Please review, cc Marketing",
    "明天下午送到就行",
    "包装破了，请尽快处理。——谢谢",
    "价格和质量都不错，物流和客服都很差",
]


@pytest.mark.parametrize(("text", "names"), FRAMED_R10)
def test_round10_frames(text: str, names: list[str]) -> None:
    ambiguous = {fold_for_search(w) for w in gazetteer()[1]}
    assert all(_unknown(n) or fold_for_search(n) in ambiguous or n.islower() for n in names)
    assert [text[a:b] for a, b in find_names(text)] == names


@pytest.mark.parametrize("text", LOOK_ALIKES_R10)
def test_round10_look_alikes(text: str) -> None:
    assert [text[a:b] for a, b in find_names(text)] == []


# Words that open or close the frames, names and fillers, in the four languages: any order of
# them, cut anywhere, must give spans inside the text and never an error (a frame once read
# the word after «من» at the end of a message: IndexError on «... من علی»).
_FRAME_WORDS = (
    "من",
    "سلام",
    "هستم",
    "کیانوش",
    "شمایید",
    "علی",
    "رضایی",
    "امید",
    "از",
    "پشتیبانی",
    "ممنون",
    "خانم",
    "،",
    "أنا",
    "مرحبا",
    "هنا",
    "شكرا",
    "يا",
    "محمد",
    "من",
    "فريق",
    "الدعم",
    "و",
    "أمل",
    "我是",
    "谢谢",
    "客服",
    "王芳",
    "和",
    "李娜",
    "明天",
    "说",
    "——",
    "、",
    "I",
    "am",
    "here",
    "Hi",
    "thanks",
    "Grace",
    "from",
    "billing",
    "cc",
    "and",
    "-",
    ",",
    "Ms",
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAME_WORDS), max_size=8), st.sampled_from(("", " ", "، ", ".")))
def test_frames_never_fail_on_any_order_of_their_words(words: list[str], end: str) -> None:
    text = " ".join(words) + end
    for start, stop in find_names(text):
        assert 0 <= start < stop <= len(text)


def test_a_self_introduction_cut_short_is_no_error() -> None:
    for text in ("من کیانوش", "انتخاب اول آخر من شمایید", "من علی", "سلام من", "من"):
        find_names(text)
