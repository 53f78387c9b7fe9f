"""PII recall on a generated corpus in four languages, and precision on look-alikes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sada.text.pii import (
    china_id_ok,
    find_pii,
    iban_ok,
    iran_national_id_ok,
    luhn_ok,
    redact,
    saudi_id_ok,
)

FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
AR = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [
            ("4", 16),
            ("4", 13),
            ("51", 16),
            ("37", 15),
            ("6037", 16),
            ("6219", 19),
            ("5022", 16),
            ("6222", 18),
            ("5018", 12),
            ("6362", 16),
        ]
    )
    number = luhn_complete(prefix, length, rng)
    style = rng.randrange(3)
    if style == 0:
        return number
    sep = " " if style == 1 else "-"
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def iban(rng: random.Random) -> str:
    country, length = rng.choice([("IR", 26), ("SA", 24), ("AE", 23), ("DE", 22), ("GB", 22)])
    if country == "GB":
        bban = "NWBK" + "".join(str(rng.randrange(10)) for _ in range(length - 8))
    else:
        bban = "".join(str(rng.randrange(10)) for _ in range(length - 4))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    value = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def iran_id(rng: random.Random) -> str:
    while True:
        body = "".join(str(rng.randrange(10)) for _ in range(9))
        s = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
        value = body + str(s if s < 2 else 11 - s)
        if iran_national_id_ok(value) and not value.startswith("09"):
            return value


def saudi_id(rng: random.Random) -> str:
    return luhn_complete(rng.choice("12"), 10, rng)


def china_id(rng: random.Random) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = f"{rng.randrange(110000, 659999)}{rng.randrange(1950, 2010)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def uae_id(rng: random.Random) -> str:
    return luhn_complete(f"784{rng.randrange(1960, 2005)}", 15, rng)


def phone(rng: random.Random) -> str:
    n = lambda k: "".join(str(rng.randrange(10)) for _ in range(k))  # noqa: E731
    return rng.choice(
        [
            f"09{rng.choice(['12', '35', '01', '19', '36'])}{n(7)}",
            f"+98 9{rng.choice(['12', '35', '01'])} {n(3)} {n(4)}",
            f"05{rng.choice(['0', '3', '5', '4'])} {n(3)} {n(4)}",
            f"+966 5{rng.choice(['0', '5'])} {n(3)} {n(4)}",
            f"+971 50 {n(3)} {n(4)}",
            f"010{n(8)}",
            f"13{rng.randrange(4, 10)}{n(8)}",
            f"+86 13{rng.randrange(4, 10)} {n(4)} {n(4)}",
            f"+1 (415) {rng.randrange(200, 999)}-{n(4)}",
            f"+44 20 7{n(3)} {n(4)}",
        ]
    )


def email(rng: random.Random) -> str:
    user = rng.choice(["ali.rezaei", "m.hassan", "wang_wei88", "sara+cx", "j.smith"])
    return f"{user}@{rng.choice(['example.com', 'mail.co.ir', 'company.sa', 'qq.com'])}"


TEMPLATES = {
    "card": ["my card is {x} please refund", "شماره کارت من {x} است", "رقم بطاقتي {x} لو سمحت",
             "我的卡号是{x}，请退款"],
    "iban": ["IBAN: {x}", "شماره شبا {x}", "الآيبان {x} شكرا", "账号 {x}"],
    "national_id": ["national id {x}", "کد ملی من {x} هست", "رقم الهوية {x}", "身份证号{x}"],
    "phone": ["call me on {x} tomorrow", "شماره من {x} است", "جوالي {x} اتصل", "电话{x}联系我"],
    "email": ["write to {x} thanks", "ایمیل من {x}", "بريدي {x}", "邮箱{x}谢谢"],
}  # fmt: skip
GEN = {
    "card": card,
    "iban": iban,
    "national_id": lambda r: r.choice([iran_id, saudi_id, china_id, uae_id])(r),
    "phone": phone,
    "email": email,
}


def corpus(kind: str, n: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        value = GEN[kind](rng)
        template = TEMPLATES[kind][i % 4]
        if kind != "email" and template[0] not in "mcI" and rng.random() < 0.4 and "X" not in value:
            value = value.translate(FA if i % 4 == 1 else AR)  # Persian / Arabic-Indic digits
        out.append((template.format(x=value), value))
    return out


@pytest.mark.parametrize(
    ("kind", "minimum"),
    [("card", 1.0), ("iban", 0.95), ("national_id", 0.95), ("phone", 0.95), ("email", 0.95)],
)
def test_recall_in_four_languages(kind: str, minimum: float) -> None:
    items = corpus(kind, 200)
    found = 0
    for text, value in items:
        hits = [p for p in find_pii(text) if p.type == kind]
        if any(text[p.start : p.end] == value for p in hits):
            found += 1
    assert found / len(items) >= minimum, f"{kind} recall {found / len(items):.3f}"


def test_redacted_text_hides_values() -> None:
    for kind in GEN:
        for text, value in corpus(kind, 40, seed=3):
            red, items = redact(text)
            assert value not in red
            assert all(value not in (i.hint or "") for i in items)


LOOKALIKES = [
    "order 20240501 shipped on 2024-05-01 at 10:30",
    "قیمت ۱,۲۵۰,۰۰۰ تومان بود",
    "السعر 1500 ريال والطلب رقم 784512",
    "价格是199元，订单号 202405011234",
    "version 1.2.3.4 build 5678",
    "I waited 45 minutes, 3 times this week",
    "tracking number 1Z999AA10123456784",
]


def test_no_pii_in_lookalikes() -> None:
    for text in LOOKALIKES:
        assert find_pii(text) == [], text


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE89 3704 0044 0532 0130 01")
    assert iban_ok("GB82 WEST 1234 5698 7654 32")
    assert iran_national_id_ok("0084575948") and not iran_national_id_ok("0084575949")
    assert not iran_national_id_ok("1111111111")
    assert china_id_ok("11010519491231002X") and not china_id_ok("110105194912310021")
    assert saudi_id_ok(luhn_complete("1", 10, random.Random(0)))


def test_adjacent_numbers_are_separated() -> None:
    red, items = redact("card 4111111111111111 1234 ok")
    assert red == "card [CARD] 1234 ok"
    assert [i.type for i in items] == ["card"]


@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    red, items = redact(text)
    assert isinstance(red, str)
    for a, b in zip(items, items[1:]):
        assert a.end <= b.start


# ------------------------------------------------------- names and addresses
def _fixture_report(name: str) -> dict:
    """`score_spans` of `find_pii` on one labelled fixture."""
    import json
    from pathlib import Path

    from sada.text.evaluate import score_spans

    path = Path(__file__).parent / "fixtures" / name
    items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    return score_spans(items, lambda t: [(p.type, p.start, p.end) for p in find_pii(t)])


def test_names_and_addresses_on_our_fixture_in_four_languages() -> None:
    report = _fixture_report("pii_names_addresses.jsonl")
    for kind in ("name", "address"):
        assert report[kind]["recall"] >= 0.85, report
        assert report[kind]["precision"] >= 0.9, report


def test_names_and_addresses_on_the_fresh_fixture() -> None:
    """Written before the second round of cues; never tuned on: floors, not targets."""
    report = _fixture_report("pii_fresh.jsonl")
    assert report["name"]["recall"] >= 0.85 and report["name"]["precision"] >= 0.9, report
    assert report["address"]["recall"] >= 0.8 and report["address"]["precision"] >= 0.9, report
    # the third set was written before the third round and measured once after it
    report = _fixture_report("pii_fresh3.jsonl")
    for kind in ("name", "address"):
        assert report[kind]["recall"] >= 0.85 and report[kind]["precision"] >= 0.9, report
    # written blind before round 4 and measured once after it (names 0.651 / 0.972,
    # addresses 0.904 / 1.0); development data since round 5 (names 0.972 / 1.0,
    # addresses 1.0 / 1.0): floors against regressions from here on
    report = _fixture_report("pii_fresh7.jsonl")
    assert report["name"]["recall"] >= 0.95 and report["name"]["precision"] >= 0.97, report
    assert report["address"]["recall"] >= 0.97 and report["address"]["precision"] >= 0.97, report
    # written blind before round 5 and measured once after it (names 0.592 / 1.0,
    # addresses 0.847 / 1.0): floors against regressions from here on
    report = _fixture_report("pii_fresh8.jsonl")
    assert report["name"]["recall"] >= 0.57 and report["name"]["precision"] >= 0.95, report
    assert report["address"]["recall"] >= 0.82 and report["address"]["precision"] >= 0.95, report
    # written blind before round 6 and measured once after it (names 0.534 / 0.948,
    # addresses 0.667 / 1.0; before round 6: names 0.459 / 0.940): floors from here on
    report = _fixture_report("pii_fresh9.jsonl")
    assert report["name"]["recall"] >= 0.52 and report["name"]["precision"] >= 0.92, report
    assert report["address"]["recall"] >= 0.65 and report["address"]["precision"] >= 0.95, report
    # written blind before round 7 and measured once after it (names 0.528 / 0.976,
    # addresses 0.857 / 1.0; before round 7: 0.521 / 0.975 and 0.671 / 1.0)
    # (with the learned tagger of round 8: names 0.641 / 0.960; with the name frames of
    # round 9, tuned on it: 0.831 / 0.968)
    # (round 12: 0.894 / 0.977; round 13: 0.901 / 0.977)
    report = _fixture_report("pii_fresh10.jsonl")
    assert report["name"]["recall"] >= 0.90 and report["name"]["precision"] >= 0.97, report
    assert report["address"]["recall"] >= 0.84 and report["address"]["precision"] >= 0.95, report
    # written blind before round 8 (the learned tagger) and measured once with the rules
    # alone (names 0.638 / 0.990, addresses 0.979 / 1.0) and once after it (names 0.691 /
    # 0.973, addresses unchanged): floors from here on
    # (round 9, tuned on it: names 0.980 / 0.980; round 12: 0.993 / 0.980)
    report = _fixture_report("pii_fresh11.jsonl")
    assert report["name"]["recall"] >= 0.98 and report["name"]["precision"] >= 0.97, report
    assert report["address"]["recall"] >= 0.95 and report["address"]["precision"] >= 0.95, report
    # written blind before round 9 and measured on main before it (rules alone: names 0.644 /
    # 0.956; with the tagger: 0.693 / 0.937; addresses 0.936 / 1.0) and once after it (names
    # 0.798 / 0.937, addresses unchanged): floors from here on
    # (round 10, which studied its misses: names 0.865 / 0.942; round 12: 0.896 / 0.968)
    # (round 13: 0.908 / 0.974)
    report = _fixture_report("pii_fresh12.jsonl")
    assert report["name"]["recall"] >= 0.90 and report["name"]["precision"] >= 0.97, report
    assert report["address"]["recall"] >= 0.9 and report["address"]["precision"] >= 0.95, report
    # written blind before round 10 and measured on main before it (names 0.800 / 0.901,
    # addresses 0.925 / 1.0) and once after it (names 0.811 / 0.902, addresses unchanged)
    # (round 12, which read its misses: names 0.878 / 0.920)
    # (round 13: 0.883 / 0.920)
    report = _fixture_report("pii_fresh13.jsonl")
    assert report["name"]["recall"] >= 0.88 and report["name"]["precision"] >= 0.91, report
    assert report["address"]["recall"] >= 0.9 and report["address"]["precision"] >= 0.95, report
    # written blind before round 11 (the tagger retrained) and measured on main before it
    # (names 0.762 / 0.927, addresses 0.979 / 1.0) and once after it (names 0.781 / 0.929)
    # (round 12, which read its misses: names 0.894 / 0.972)
    # (round 13: 0.901 / 0.972)
    report = _fixture_report("pii_fresh14.jsonl")
    assert report["name"]["recall"] >= 0.90 and report["name"]["precision"] >= 0.97, report
    assert report["address"]["recall"] >= 0.95 and report["address"]["precision"] >= 0.95, report
    # written blind before round 12 and measured on main before it (names 0.801 / 1.0,
    # addresses 1.0 / 0.982) and once after it (names 0.853 / 0.983, addresses unchanged)
    # (round 13, which read its misses: names 0.978 / 1.0)
    report = _fixture_report("pii_fresh15.jsonl")
    assert report["name"]["recall"] >= 0.97 and report["name"]["precision"] >= 0.99, report
    assert report["address"]["recall"] >= 0.98 and report["address"]["precision"] >= 0.98, report
    # written blind after round 12 and measured once on main before it (names 0.717 / 0.903)
    # and once after it (names 0.790 / 0.906, addresses 0.948 / 1.0 both times)
    # (round 13, which read its misses: names 0.884 / 0.954)
    report = _fixture_report("pii_fresh16.jsonl")
    assert report["name"]["recall"] >= 0.88 and report["name"]["precision"] >= 0.95, report
    assert report["address"]["recall"] >= 0.94 and report["address"]["precision"] >= 0.98, report
    # written blind after round 12 and measured once on main before round 13 (names 0.780 /
    # 0.936, addresses 0.930 / 1.0) and once after it (names 0.803 / 0.937, addresses the same)
    report = _fixture_report("pii_fresh17.jsonl")
    assert report["name"]["recall"] >= 0.80 and report["name"]["precision"] >= 0.93, report
    assert report["address"]["recall"] >= 0.92 and report["address"]["precision"] >= 0.98, report


def test_round7_development_fixture() -> None:
    """pii_dev10: our own 120 messages for round 7 (30 per language: names of many
    origins in each script, addresses of many countries, look-alikes); development
    data, floors against regressions (measured at the end of round 7: names 0.973 / 1.0,
    addresses 1.0 / 1.0)."""
    report = _fixture_report("pii_dev10.jsonl")
    assert report["name"]["recall"] >= 0.92 and report["name"]["precision"] >= 0.95, report
    assert report["address"]["recall"] >= 0.95 and report["address"]["precision"] >= 0.95, report
    for lang in ("ar", "en", "fa", "zh"):
        assert report[f"name/{lang}"]["recall"] >= 0.85, report
        assert report[f"address/{lang}"]["recall"] >= 0.85, report


def test_round7_name_and_address_kinds() -> None:
    """Round 7 rules by kind, each on sentences of no fixture."""
    assert _spans("Ngozi Okafor will collect the parcel", "name") == ["Ngozi Okafor"]
    assert _spans("فلاديمير سميرنوف طلب نسخة من الفاتورة", "name") == ["فلاديمير سميرنوف"]
    assert _spans("یاسمن و علیرضا هر دو کد رو گرفتن", "name") == ["یاسمن", "علیرضا"]
    assert _spans("我爸建国不会用这个软件", "name") == ["建国"]
    assert _spans("Deliver to Lindenstraße 5, 50674 Köln please", "address") == [
        "Lindenstraße 5, 50674 Köln"
    ]
    assert _spans("عنواني: مسقط، شارع السلطان قابوس، مبنى ١٢", "address") == [
        "مسقط، شارع السلطان قابوس، مبنى ١٢"
    ]
    assert _spans("送到上海市静安区南京西路 1266 号 恒隆广场 30 楼", "address") == [
        "上海市静安区南京西路 1266 号 恒隆广场 30 楼"
    ]
    assert _spans("العنوان السالمية ق٧ ش١٢ م٣٠", "address") == ["السالمية ق٧ ش١٢ م٣٠"]
    assert _spans("التوصيل: البصرة، محلة ٢١٢، زقاق ٤، دار ١٥", "address") == [
        "البصرة، محلة ٢١٢، زقاق ٤، دار ١٥"
    ]
    assert _spans("العنوان 14 زنقة ابن سينا، الرباط", "address") == ["14 زنقة ابن سينا، الرباط"]
    assert _spans("Villa 8, Street 22C, Al Khawaneej 1, Dubai", "address") == [
        "Villa 8, Street 22C, Al Khawaneej 1, Dubai"
    ]
    # look-alikes stay out: «درب منزل» (a door), a coordination inside a sentence, a word
    # «و»-joined
    assert _spans("پیک غذا را درب منزل تحویل نداد", "address") == []
    assert _spans("تشانغ مين من قسم الشحن رد علي", "name") == ["تشانغ مين"]
    assert _spans("العنوان الرياض، حي العارض، شارع ١٥، وندى هي اللي بتستلم", "name") == ["ندى"]
    assert _spans("المدخل صغير والاسم طويل", "name") == []
    assert _spans("بسته بندی بهداشتی بود", "name") == []
    assert _spans("از این بهتر تو دنیا وجود نداره", "name") == []
    assert _spans("给芸芸众生指明了一条路", "name") == []


def test_names_round6_development_fixture() -> None:
    """pii_dev9: our own messages for round 6 (half without cue words, and look-alikes:
    brands, dishes, streets named after people); development data, floors against
    regressions (measured 0.967 / 1.0 at the end of round 6)."""
    report = _fixture_report("pii_dev9.jsonl")
    assert report["name"]["recall"] >= 0.93 and report["name"]["precision"] >= 0.97, report
    for lang in ("ar", "en", "fa", "zh"):
        assert report[f"name/{lang}"]["recall"] >= 0.85, report


def test_names_round6_positions_and_look_alikes() -> None:
    # given names alone in Chinese, familiar forms, transliterations with a middle dot
    assert _spans("建华把单退了，谢谢你们。", "name") == ["建华"]
    assert _spans("我昨天跟小李确认过收货时间了。", "name") == ["小李"]
    assert _spans("穆罕默德\u30fb阿里在你们店里订了月饼。", "name") == ["穆罕默德\u30fb阿里"]
    assert _spans("明明说有货，结果没有。", "name") == []
    # Arabic / Persian subjects, vocatives, kunya, «X جان», kin after «و»
    assert _spans("مازن يقول إن الطلب اتلغى بدون سبب.", "name") == ["مازن"]
    assert _spans("يا ليلى الطلب وصل ناقص.", "name") == ["ليلى"]
    assert _spans("لو سمحت سلموا الطلب لجارنا أبو سعد.", "name") == ["أبو سعد"]
    assert _spans("رضا جان ممنون، مشکل حل شد.", "name") == ["رضا"]
    assert _spans("کامران و همسرش هر دو همین مشکل رو دارن.", "name") == ["کامران"]
    assert _spans("قال لي ثامر إن المندوب تأخر", "name") == ["ثامر"]
    assert _spans("لما قالت نوال الزغبي إنها جاية", "name") == ["نوال الزغبي"]
    assert _spans("قال رسول الله صلى الله عليه وسلم", "name") == []
    # places named after people, brands and ordinary words stay unmarked
    assert _spans("جامعة الملك سعود ما استلمت الشحنة.", "name") == []
    assert _spans("Your store on Martin Luther King Boulevard was closed.", "name") == []
    assert _spans("we met in San Diego and I loved it", "name") == []
    assert _spans("طول عمر باتری خیلی کمه", "name") == []
    # English subjects and possessives, sign-offs without a gazetteer name
    assert _spans("Omar's phone number on the order is wrong.", "name") == ["Omar"]
    assert _spans("Cheers,\nBartek", "name") == ["Bartek"]


def _spans(text: str, kind: str) -> list[str]:
    return [text[p.start : p.end] for p in find_pii(text) if p.type == kind]


def test_name_cues_titles_roles_and_extent() -> None:
    assert _spans("I spoke to Mr. Daniels yesterday", "name") == ["Daniels"]
    assert _spans("the driver, James, apologised", "name") == ["James"]
    assert _spans("the driver, Then it rained", "name") == []
    assert _spans("السيدة فاطمة الزهراني تطلب استرجاع المبلغ", "name") == ["فاطمة الزهراني"]
    assert _spans("تواصلت مع المندوب محمد بن سالم ولم يرد", "name") == ["محمد بن سالم"]
    assert _spans("جناب دکتر کامرانی لطفا پیگیری کنید", "name") == ["کامرانی"]
    assert _spans("مهندس علی\u200cپور قول داده بود", "name") == ["علی\u200cپور"]
    assert _spans("快递员李师傅态度很好", "name") == ["李"]
    assert _spans("謝謝林小姐的耐心解答", "name") == ["林"]
    assert _spans("客服小郑很耐心", "name") == ["小郑"]


def test_address_extent_inside_sentences() -> None:
    # since round 7 a known city written before the first component belongs to the
    # address, as the fixtures label it («تهران، خیابان ولیعصر، …»)
    assert _spans("لطفا به اصفهان، بلوار کشاورز، کوچه ۵، پلاک ۸ ارسال کنید", "address") == [
        "اصفهان، بلوار کشاورز، کوچه ۵، پلاک ۸"
    ]
    assert _spans("ص.ب 2211 جدة", "address") == ["ص.ب 2211"]
    assert _spans("送到北京市朝阳区建国路88号3栋2单元501室", "address") == [
        "北京市朝阳区建国路88号3栋2单元501室"
    ]
    assert _spans("我住在成都市武侯区", "address") == []
    assert _spans("我住在成都市武侯区阳光小区3栋", "address") == ["成都市武侯区阳光小区3栋"]
    assert _spans("القاهرة، مدينة نصر، 12 شارع عباس العقاد", "address") == [
        "القاهرة، مدينة نصر، 12 شارع عباس العقاد"
    ]
    assert _spans("Ship to Unit 7, 88 Queen St, Toronto ON M5H 2N2, thanks", "address") == [
        "Unit 7, 88 Queen St, Toronto ON M5H 2N2"
    ]
    assert _spans("寄到成都市武侯区人民南路四段12号5栋", "address") == [
        "成都市武侯区人民南路四段12号5栋"
    ]


def test_redaction_of_names_and_addresses() -> None:
    text, items = redact("My name is Sarah Johnson, 221B Baker Street, London NW1 6XE")
    assert text == "My name is [NAME], [ADDRESS]"
    assert {i.type for i in items} == {"name", "address"}
    assert all("Sarah" not in i.hint for i in items)


def test_iban_followed_by_words_and_iranian_sheba() -> None:
    assert redact("IBAN DE89 3704 0044 0532 0130 00 thanks a lot")[0] == "IBAN [IBAN] thanks a lot"
    assert redact("my IBAN is DE89370400440532013000 please")[0] == "my IBAN is [IBAN] please"
    assert redact("شبا IR820540102680020817909002لطفا")[0] == "شبا [IBAN]لطفا"
    assert iban_ok("IR820540102680020817909002") and not iban_ok("IR820540102680020817909003")


def test_order_numbers_and_barcodes_are_not_phones() -> None:
    for text in (
        "order number 4006381333931 not delivered",
        "Order #966501234568",
        "شماره سفارش ۹۶۶۵۰۱۲۳۴۵۶۸",
        "رقم الطلب 966501234568",
        "订单号 13812345678",
        "barcode 4006381333931",
    ):
        assert [i.type for i in find_pii(text)] == [], text
    assert [i.type for i in find_pii("call me on 966501234568")] == ["phone"]
    # EAN-13 barcodes that also pass Luhn are not cards; a number after an invoice
    # prefix is not a phone
    for text in ("EAN 5901234123457", "5901234123457", "invoice 2023-000123456"):
        assert [i.type for i in find_pii(text)] == [], text
    assert [i.type for i in find_pii("card number 5901234123457")] == ["card"]


def test_cards_robust_to_surrounding_words() -> None:
    assert redact("my card4111111111111111thanks")[0] == "my card[CARD]thanks"
    assert redact("کارت ۶۰۳۷۹۹۱۲۳۴۵۶۷۸۹۳ لطفا")[0] == "کارت [CARD] لطفا"
    assert (
        redact("my visa 4111 1111 1111 1111, expires 05/29")[0] == "my visa [CARD], expires 05/29"
    )


def test_round4_names_and_addresses() -> None:
    # Names: wider gazetteer, given-name-only cues, kunya, function characters, no adjectives.
    assert _spans("Thanks, Ngozi", "name") == ["Ngozi"]
    assert _spans("Sarah from customer service was great", "name") == ["Sarah"]
    assert _spans("Best regards, Customer Service Team", "name") == []
    assert _spans("المندوب أبو فهد ما رد على الجوال", "name") == ["أبو فهد"]
    assert _spans("كان الموظف سعيد جداً بمساعدتي", "name") == []
    assert _spans("مع السلامة وشكرا على الخدمة", "name") == []
    assert _spans("شكرا لمحمد على المساعدة", "name") == ["محمد"]
    assert _spans("کارشناس پشتیبانی خیلی بی\u200cحوصله بود", "name") == []
    assert _spans("客服陈静很耐心", "name") == ["陈静"]
    assert _spans("感谢周到的服务", "name") == []
    # Addresses: Western unit chains, Gulf forms, Iranian sides, Chinese floors and estates.
    assert _spans("Villa 23, Street 14, Al Barsha 2, Dubai", "address") == [
        "Villa 23, Street 14, Al Barsha 2, Dubai"
    ]
    assert _spans("Ship to 4521 N. Main St., Apt. 3, Springfield, IL 62704", "address") == [
        "4521 N. Main St., Apt. 3, Springfield, IL 62704"
    ]
    assert _spans("تهران، خ انقلاب، پ ۱۲", "address") == ["تهران، خ انقلاب، پ ۱۲"]
    assert _spans("طلبنا برجر دجاج وبرجر لحم", "address") == []
    assert _spans("臺北市大安區忠孝東路四段123巷5弄8號3樓", "address") == [
        "臺北市大安區忠孝東路四段123巷5弄8號3樓"
    ]
    assert _spans("我家在阳光花园3栋2单元502室", "address") == ["阳光花园3栋2单元502室"]


def test_round5_lone_names_by_verbs_and_context() -> None:
    # Arabic / Persian: a gazetteer given name as subject or object of a common verb
    assert _spans("علی زنگ زد و گفت فردا میاد", "name") == ["علی"]
    assert _spans("محمد اتصل وقال بكرة يوصل", "name") == ["محمد"]
    assert _spans("رفتم با زهرا و مریم خرید", "name") == ["زهرا", "مریم"]
    assert _spans("اتصلت بأحمد وما رد", "name") == ["أحمد"]
    assert _spans("لحسن الحظ وصل الطلب", "name") == []
    assert _spans("قلت لأخوي الريحه ما تطمن", "name") == []
    assert _spans("نسيت اسمه بس كان لذيذ", "name") == []
    assert _spans("پیک\u200cتون، سعید، بسته رو جا گذاشت", "name") == ["سعید"]
    # Chinese: by a verb before, a verb after, a sign-off or a familiar prefix
    assert _spans("跟张伟说一下", "name") == ["张伟"]
    assert _spans("小王帮我查了一下", "name") == ["小王"]
    assert _spans("阿姨说不错", "name") == []
    assert _spans("方便的话给我回电话", "name") == []
    assert _spans("我会给周围的朋友介绍", "name") == []
    assert _spans("还没发货，麻烦查一下。谢谢！李晓燕", "name") == ["李晓燕"]
    # English: pinyin names, not a capitalized pair of words
    assert _spans("I talked with Zhang Wei yesterday", "name") == ["Zhang Wei"]
    assert _spans("Long Battery Life, Long Range.", "name") == []


def test_round5_address_forms() -> None:
    assert _spans("Flat 4, Green Residency, 7th Cross, Jayanagar, Bengaluru 560011", "address") == [
        "Flat 4, Green Residency, 7th Cross, Jayanagar, Bengaluru 560011"
    ]
    assert _spans("Ship to 12 Jalan Bukit, 50450 Kuala Lumpur please", "address") == []
    assert _spans("Unit 5, 12 Jalan Bukit, 50450 Kuala Lumpur please", "address") == [
        "Unit 5, 12 Jalan Bukit, 50450 Kuala Lumpur"
    ]
    assert _spans("مدارک رو به صندوق پستی ۱۴۱۵۵-۶۴۴۶ بفرستید", "address") == [
        "صندوق پستی ۱۴۱۵۵-۶۴۴۶"
    ]
    assert _spans("السالمية، قطعة 3، شارع 7، منزل 12", "address") == ["قطعة 3، شارع 7، منزل 12"]


def test_round5_guards_on_ordinary_words() -> None:
    # the verb is never taken in with the name (round 12: the name alone is found)
    assert _spans("مريم جاوبتني بسرعة", "name") == ["مريم"]
    assert _spans("فاطمه پیگیری کرد", "name") == ["فاطمه"]
    assert _spans("موجودی خوشمزه به نام بادمجان رو بد پختن", "name") == []
    assert _spans("张伟帮我退了款", "name") == ["张伟"]
    assert _spans("金钱已经不能成为动力", "name") == []
    assert _spans("书角是破的，郁闷！", "name") == []
    assert _spans("Contact Liu Yang for the refund", "name") == ["Liu Yang"]
    assert _spans("Register for IBM San Francisco SmartCamp", "name") == []


def test_round5_subject_with_negation_object_and_dialect_verbs() -> None:
    assert _spans("عمر ما رد على الجوال", "name") == ["عمر"]
    assert _spans("حسین بسته رو تحویل داد", "name") == ["حسین"]
    assert _spans("يوسف بيجي بكرة", "name") == ["يوسف"]  # not «يوسف بيجي» (round 12)
    assert _spans("تواصلت مع خالد بن الوليد", "name") == ["خالد بن الوليد"]
    assert _spans("Please call Nadia back", "name") == ["Nadia"]


def test_round5_transliterated_chinese_names_after_jiao() -> None:
    assert _spans("上门的技术员叫穆罕默德，说是新来的", "name") == ["穆罕默德"]
    assert _spans("这叫什么事！", "name") == []


def test_scorer_places_gold_names_on_whole_words() -> None:
    """A gold string that also stands inside a longer word is scored where it is a word:
    «لمى» in «سلمى وأختها لمى» is the second one; Chinese keeps the first occurrence."""
    from sada.text.evaluate import score_spans

    text = "سلمى وأختها لمى اتصلوا أمس"
    start = text.rindex("لمى")
    items = [{"lang": "ar", "text": text, "name": ["سلمى", "لمى"], "address": []}]
    found = [("name", 0, 4), ("name", start, start + 3)]
    report = score_spans(items, lambda _t: found)
    assert report["name"]["recall"] == 1.0 and report["name"]["precision"] == 1.0, report
    # the span inside «سلمى» alone finds one name, not two
    report = score_spans(items, lambda _t: [("name", 0, 4)])
    assert report["name"]["hit"] == 1, report
