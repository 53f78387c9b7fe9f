"""Person names by their cues: familiar forms, role, kin and greeting words (round 13).

- Chinese familiar forms: 小/老 and a common surname, or 阿 and a given-name character,
  standing alone between clause boundaries, roles, thanks, 的 and a verb or punctuation
  (「前台小刘的服务」「护士小周的照顾」「阿明你到了没」「谢谢你，阿强！」); and a surname
  with one or two given-name characters after 的 before a list or clause break
  (「财务部的吴敏，」「前台的宋佳和保安」);
- English role words before a name: "Customer Grace Kim", "Reviewer Mark Stevens",
  "the cashier kevin", "owned by Daniel Park", "thx joe for ...", "Kudos to Daniela's":
  after the role a gazetteer given name in any case (ambiguous ones included, the role
  is the cue), with a capitalized family name after it;
- Arabic and Persian kin words, roles and greetings before a given name, ambiguous ones
  included («عمو جواد», «داداشم علی», «خيي رامي», «المعلمة أمل», «مرحباً ليلى»);
- English "X and I" with a given name of the gazetteer ("Grace and I are flying");
- guards: Persian look-alikes the tagger takes for names, handles, shop names, and
  English spans before a company suffix ("Acme Supplies Ltd") or short all-caps codes;
- a lone Arabic-script name widened over the family name after it («محمد صلاح»).

Spans here claim only text no earlier span holds (`find_names`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.pii_gazetteer import _ZH_GIVEN_CHARS, _ZH_GIVEN_NOT, _wordset, gazetteer
from sada.text.pii_names_frames_words import _fold, _known


@lru_cache(maxsize=1)
def _ambiguous_folded() -> frozenset[str]:
    return frozenset(_fold(w) for w in gazetteer()[1])


# ---- Chinese ---------------------------------------------------------------------------
# Familiar forms that are ordinary words (「小时」「老师」「老公」「小米」).
_ZH_FAMILIAR_NOT = _wordset(
    """小时 小于 小白 小米 小龙 小马 小区 小费 小吃 小孩 小姐 小心 小说 小组 小学 小程 小唐
    老是 老于 老年 老公 老婆 老牛 老马 老师 老板 老家 老乡 老人 老外 老鼠 老虎 老实 老大 老总 老万
    老白 老龙 老史 老钱 老毛 老方 老江 老高兴 小高兴 阿姨 阿里 阿拉 阿胶 阿迪 阿玛 阿婆 阿公 阿哥
    阿姐 阿妹 阿弟 阿叔 阿伯 阿爸 阿妈 阿富 阿根 阿森 阿尔"""
)
_ZH_ONE_SURNAME = "".join(s for s in gazetteer()[3] if len(s) == 1)
_ZH_GIVEN_ONE = "".join(sorted(set(_ZH_GIVEN_CHARS)))
_ZH_BEFORE = (
    r"(?:^|(?<=[，,。.！!？?；;：:、\s的和跟与谢])"
    r"|(?<=前台|护士|导游|保安|司机|师傅|客服|同事|助理|店员|医生|老师))"
)
_ZH_AFTER = r"(?=[，,。.！!？?；;、\s的你我他她和跟也都说讲帮给把会还在来去真很太今昨明]|$)"
_ZH_FAMILIAR_RE = re.compile(
    _ZH_BEFORE
    + rf"(?P<name>[小老][{_ZH_ONE_SURNAME}]|阿[{_ZH_GIVEN_ONE}]|小[{_ZH_GIVEN_ONE}](?=[、和]))"
    + _ZH_AFTER
)
_ZH_NOT_GIVEN_PAIRS = frozenset(_ZH_GIVEN_NOT.split())
_ZH_AFTER_DE_RE = re.compile(
    rf"(?<=的)(?P<name>[{_ZH_ONE_SURNAME}][{_ZH_GIVEN_ONE}]{{1,2}})(?=[和、，,。！!]|$)"
)


# A surname and a title of address between clause breaks (「谁认识徐总？」「高主任、罗工和我」
# 「陈生收」): the surname is the name.
_ZH_TITLE_RE = re.compile(
    r"(?:^|(?<=[，,。！!？?；;：:、\s和跟与找问叫])|(?<=认识|联系|谢谢|感谢|麻烦|通知|告诉))"
    + rf"(?P<name>[{_ZH_ONE_SURNAME}])(?=(?:总|工|生|经理|主任|律师|教授|老师|师傅|医生)"
    + r"(?:[，,。.！!？?；;、\s和跟也都说讲帮收你您好吗呢吧啊]|$))"
)


_ZH_FAMILIAR_HINT = re.compile("[小老阿]")
_ZH_TITLE_HINT = re.compile("[总工生经主律教老师医]")


def zh_familiar(text: str) -> list[tuple[int, int]]:
    """「小刘」「阿强」 as names, and a surname-led name after 的 before a break."""
    out: list[tuple[int, int]] = []
    familiar = _ZH_FAMILIAR_RE.finditer(text) if _ZH_FAMILIAR_HINT.search(text) else ()
    for m in familiar:
        if m.group("name") not in _ZH_FAMILIAR_NOT:
            out.append(m.span("name"))
    for m in _ZH_AFTER_DE_RE.finditer(text) if "的" in text else ():
        given = m.group("name")[1:]
        if given not in _ZH_NOT_GIVEN_PAIRS and m.group("name") not in _ZH_FAMILIAR_NOT:
            out.append(m.span("name"))
    if _ZH_TITLE_HINT.search(text):
        out += [m.span("name") for m in _ZH_TITLE_RE.finditer(text)]
    return out


# ---- English ---------------------------------------------------------------------------
_EN_ROLE = (
    r"(?:customer|client|reviewer|cashier|driver|courier|rider|agent|rep|technician|tech|"
    r"nurse|doctor|teacher|tutor|guide|waiter|waitress|receptionist|clerk|"
    r"applicant|patient|guest|tenant|owner|user|colleague|coworker|co-worker|buddy|"
    r"employee of the month:|"
    r"supervisor|manager|officer|owned by|submitted by|reported by|"
    r"thx|thanks|thank you|kudos to|shoutout to|shout out to|props to)"
)
_EN_ROLE_LOWER = re.compile(rf"\b{_EN_ROLE}")  # a first look, on the lowercased text
_EN_ROLE_RE = re.compile(
    rf"(?i:\b{_EN_ROLE})\s*:?\s+(?P<name>[A-Za-z][a-z]+)(?:'s)?"
    r"(?P<fam>\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)?"
)


_EN_AND_I_RE = re.compile(r"(?<![\w'@#])(?P<name>[A-Z][a-z]+)\s+and\s+(?:I|me)\b")


def en_role_names(text: str) -> list[tuple[int, int]]:
    """A gazetteer given name after a role word, with a capitalized family name."""
    given, common = _known()
    out: list[tuple[int, int]] = []
    roles = _EN_ROLE_RE.finditer(text) if _EN_ROLE_LOWER.search(text.lower()) else ()
    for m in roles:
        word = m.group("name")
        if _fold(word) not in given or word.islower() and _fold(word) in _ambiguous_folded():
            continue  # "the supervisor will call": a lowercase ambiguous name is a word
        start, end = m.span("name")
        fam = m.group("fam")
        if fam and word[0].isupper() and _fold(fam.strip()) not in common:
            end = m.end("fam")
        out.append((start, end))
    for m in _EN_AND_I_RE.finditer(text):
        if re.search(r"[A-Z][a-z]*\s+$", text[max(0, m.start() - 20) : m.start()]):
            continue  # "San Diego and I"
        if _fold(m.group("name")) in given:
            out.append(m.span("name"))
    return out


# Family names of the gazetteer that are also plain English words or places.
_EN_FAMILY_WORDS = _wordset(
    """white green young hill king long price wood bell ward cook reed gray brown park sun
    hall baker carter turner cooper parker fisher foster ross perry rogers morgan bailey
    howard hughes sanders powell stewart scott walker allen lee martin james thomas young
    lynch ma hu ho tan lim ng das rao"""
)
_EN_AMBIGUOUS_FAMILY_RE = re.compile(
    r"(?<![\w'@#])(?P<given>[A-Z][a-z]+)\s(?P<fam>[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![\w'@])"
)
_EN_PLACE_OR_ORG_AFTER = re.compile(
    r"\s+(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Drive|Lane|Way|Square|Park|Center|"
    r"Centre|Airport|Hospital|School|University|College|Bridge|Station|Mall|Hall|Stadium|"
    r"Library|Hotel|Tower|Plaza|Inc|Ltd|LLC|Group|Foundation|Institute|Company|Co)\b"
)


@lru_cache(maxsize=1)
def _en_family_names() -> frozenset[str]:
    from sada.text.pii_gazetteer import _EN_FAMILY

    return frozenset(w for w in _EN_FAMILY.split() if w not in _EN_FAMILY_WORDS)


def en_ambiguous_with_family(text: str) -> list[tuple[int, int]]:
    """An ambiguous given name ("Hope", "Will", "Jordan", "Grace") before a family name of
    the gazetteer that is no plain word ("Hope Williams", "Will Thompson")."""
    ambiguous = _ambiguous_folded()
    out: list[tuple[int, int]] = []
    for m in _EN_AMBIGUOUS_FAMILY_RE.finditer(text):
        if _fold(m.group("given")) not in ambiguous:
            continue
        if m.group("fam").lower() not in _en_family_names():
            continue
        if _EN_PLACE_OR_ORG_AFTER.match(text, m.end()):
            continue
        out.append(m.span())
    return out


# ---- Arabic and Persian ----------------------------------------------------------------
_ARFA_KIN_WORDS = """خاله عمو عمه دایی داداش داداشم برادرم خواهرم آبجی آبجیم پسرخاله دخترخاله
    پسرعمو دخترعمو عمو‌جان خاله‌جان عمّو عمو خيي خيو أخوي اخوي خالو عمتو خالتو ستي جدو
    المرحوم المرحومة مرحبا مرحباً أهلا أهلاً اهلا هلا سلام"""
# Roles before a name: only an unambiguous given name after them («الموظف سعيد جداً»).
_ARFA_ROLE_WORDS = """المعلم المعلمة الموظف الموظفة المندوب المندوبة الكابتن المدربة المدرب"""
_ARFA_TOKEN = re.compile(r"[\u0621-\u064a\u0651\u0671-\u06d3\u06cc\u06a9\u06af\u200c]+")


@lru_cache(maxsize=1)
def _kin() -> frozenset[str]:
    return frozenset(_fold(w) for w in _ARFA_KIN_WORDS.split())


@lru_cache(maxsize=1)
def _cue_words() -> frozenset[str]:
    words = (_ARFA_KIN_WORDS + " " + _ARFA_ROLE_WORDS).split()
    return frozenset(words) | {w.replace("ی", "ي").replace("ک", "ك") for w in words}


@lru_cache(maxsize=1)
def _roles() -> frozenset[str]:
    return frozenset(_fold(w) for w in _ARFA_ROLE_WORDS.split())


@lru_cache(maxsize=1)
def _arfa_family() -> frozenset[str]:
    from sada.text.pii_gazetteer_world import ARFA_FAMILY_WORLD

    return frozenset(_fold(w) for w in ARFA_FAMILY_WORLD.split())


def arfa_kin_names(text: str) -> list[tuple[int, int]]:
    """A given name of the gazetteer (ambiguous ones too) right after a kin word."""
    given = _known()[0]
    toks = list(_ARFA_TOKEN.finditer(text))
    out: list[tuple[int, int]] = []
    cues = _cue_words()
    for prev, cur in zip(toks, toks[1:], strict=False):
        if prev.group() not in cues or cur.start() - prev.end() > 2:
            continue  # the words as written, not folded: a first look that costs little
        role = _fold(prev.group()) in _roles()
        if not role and _fold(prev.group()) not in _kin():
            continue
        if _fold(cur.group()) in given and not (role and _fold(cur.group()) in _ambiguous_folded()):
            out.append(cur.span())
    return out


# ---- guards ----------------------------------------------------------------------------
# Words of address the tagger takes for names («مامان گفت», «بابا بگو»).
_ARFA_ADDRESS_WORDS = frozenset(
    _fold(w) for w in _wordset("مامان بابا ماما بابایی داداش آبجی خاله عمو دایی عمه يما يابا")
)
_ARFA_ONE_TOKEN = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698]+")
_ARFA_THING_NEAR = frozenset(
    _fold(w) for w in _wordset("فروشگاه شرکت رستوران هتل برند مارک کافه شركة متجر مطعم فندق محل")
)


def arfa_not_a_name(text: str, start: int, end: int) -> bool:
    """A lone Arabic-script word that is not a gazetteer name and looks like no name: a
    Persian verb («میرسن»), a plural of an ordinary noun («کارمندان»), a word of address
    («مامان»); or any name glued to «_» or digits (a user handle «پرستو_۹۹»), or within
    two words after a shop or company word («فروشگاه افق کوروش», «شرکت آریا»)."""
    word = text[start:end]
    if text[end : end + 1] == "_" or text[end : end + 1].isdigit():
        return True
    if not _ARFA_ONE_TOKEN.fullmatch(word):
        return False
    before = _ARFA_ONE_TOKEN.findall(text[max(0, start - 30) : start])[-2:]
    if any(_fold(w) in _ARFA_THING_NEAR for w in before):
        return True
    given, common = _known()
    folded = _fold(word)
    if folded in given:
        return False
    if folded in _ARFA_ADDRESS_WORDS:
        return True
    if word.startswith(("می", "نمی")) and len(word) > 3:
        return True
    for tail in ("ان", "ها", "های"):
        if word.endswith(tail) and _fold(word[: -len(tail)]) in common:
            return True
    return False


# ---- family names after a lone given name ----------------------------------------------
_FA_FAMILY_TAILS = ("یان", "پور", "زاده", "نیا", "فر", "ی")
# Words in -ی after a name that are a question or a verb, not a family name («حمید کجایی؟»).
_FA_NOT_FAMILY = _wordset("کجایی چطوری خوبی هستی نیستی کجای عزیزی گفتی رفتی اومدی")
# Prepositions that fold to a given name («على» → «علي»).
_AR_PREP = frozenset(["على", "الى", "إلى", "حتى", "عن", "من", "مع", "فی", "في"])
_AR_LINKS = frozenset(["بو", "بن", "ابن", "أبو", "ابو", "ولد"])
_AR_NOT_FAMILY_START = tuple("يتنأاسوفبلك") + ("ال",)
_FA_MARK = re.compile("[\u06cc\u06a9\u06af\u067e\u0686\u0698]")


def arfa_family_after(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A lone Arabic-script name widened over the family name after it: another
    given name («محمد صلاح»), «بو» / «بن» and a word («سميرة بو عزيز»), a Persian family
    form («سارا نوری», «همایون شجریان»), or in Arabic a family name of the world list that
    does not open like a verb, a conjunction or an «ال» noun."""
    given, common = _known()
    persian = _FA_MARK.search(text) is not None
    out: list[tuple[int, int]] = []
    starts = {a for a, _ in spans}
    for a, b in spans:
        word = text[a:b]
        nxt = _ARFA_ONE_TOKEN.match(text, b + 1) if text[b : b + 1] == " " else None
        if not _ARFA_ONE_TOKEN.fullmatch(word) or nxt is None:
            out.append((a, b))
            continue
        w2, f2 = nxt.group(), _fold(nxt.group())
        end = b
        if nxt.start() in starts or f2 in common or f2 in _ARFA_ADDRESS_WORDS or w2 in _AR_PREP:
            pass
        elif w2 in _AR_LINKS:
            third = _ARFA_ONE_TOKEN.match(text, nxt.end() + 1)
            if third and text[nxt.end()] == " " and _fold(third.group()) not in common:
                end = third.end()
        elif f2 in given:
            end = nxt.end()
        elif persian:
            if (
                len(w2) >= 4
                and w2.endswith(_FA_FAMILY_TAILS)
                and not w2.startswith("می")
                and w2 not in _FA_NOT_FAMILY
            ):
                end = nxt.end()
        elif f2 in _arfa_family() and not w2.startswith(_AR_NOT_FAMILY_START):
            end = nxt.end()
        out.append((a, end))
    return out


_EN_ORG_SUFFIX = re.compile(r"\s+(?:Ltd|Inc|LLC|Corp|Co|GmbH|PLC|Limited|Group)\b\.?")


def en_not_a_name(text: str, start: int, end: int) -> bool:
    """An English span before a company suffix ("Acme Supplies Ltd"), or a short all-caps
    code that is no given name ("JFK", "HQ")."""
    word = text[start:end]
    if _EN_ORG_SUFFIX.match(text, end):
        return True
    return word.isupper() and len(word) <= 4 and _fold(word) not in _known()[0]
