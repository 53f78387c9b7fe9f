"""Chinese person names: after cues, before titles, by context; pinyin spellings.

Rules, in the order `zh_names` tries them (an earlier span wins an overlap):

1. after a cue (「我叫」「联系人：」「客服」「谢谢」): a surname and one or two
   characters, or 小/老/阿 and a surname, cut at a function character;
2. by context (`_zh_in_context`): a verb or preposition that takes a person before
   the name (「跟孙浩聊过」「转告林雅琪」), a familiar form before a verb (「小王帮我」),
   a transliterated foreign name after 叫, a sign-off at the end of the text
   (「谢谢！李晓燕」), a name at a clause start before a verb of speech (「黎志明话会帮我」);
3. before a title (`_zh_before_titles`): 「林小姐」「陈静女士」「王总」;
4. a given name alone (`_zh_given_alone`): two characters of the given-name table that
   make no ordinary word, where a person is expected (「建华把单退了」「谢谢佳怡！」);
   dotted transliterations (「穆罕默德・阿里」) and a Latin name after 叫;
5. round 7 (`_zh_given_after_role`): 阿 + a given-name character or a given name after a
   role or kin word (「客服阿明」「我爸德明」「同事晓燕推荐」), a doubled given name after
   找/给 (「找丽丽拿」), a transliterated foreign given name of the gazetteer before a
   verb or 和 (「法蒂玛给我」), a full name before 收 closing a clause (「黄志强收」).

Pinyin names in Latin script ("Zhang Xiaoming") are matched by the English rules
with `_PINYIN_SET` and `_PINYIN_GIVEN` from here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.pii_gazetteer import (
    _PINYIN_FAMILY,
    _ZH_COMMON_WORDS,
    _ZH_GIVEN_CHARS,
    _ZH_GIVEN_NOT,
    gazetteer,
)
from sada.text.pii_gazetteer_world import ZH_TRANSLIT_GIVEN

# Cues before a name.
_ZH_CUES = (
    r"我叫|我的名字是|我是|本人|姓名[:：]?|联系人[:：]?|收件人[:：]?|收货人[:：]?|客户[:：]|客服|"
    r"快递员|师傅|经理|名叫|叫做|署名|配送员|骑手|司机|店员|店长|导购|服务员|客服专员|"
    r"我老公|我老婆|我丈夫|我妻子|我先生|我太太|我儿子|我女儿|我朋友|我同事|我妈|我爸|"
    r"谢谢|感谢|多谢"
)
# Chinese characters that end a name found after a cue (「陈静很耐心」 -> 「陈静」).
_ZH_STOP = frozenset(
    "很的了说是在也都和跟把就已还没不让给帮我你他她们这那个吗呢吧啊呀太非真特挺所人竟"
)
# Words after 「谢谢/感谢」 that begin with a surname character (「感谢周到的服务」).
_ZH_NOT_NAMES = frozenset(
    ["周到", "万能", "高效", "高速", "方便", "支持", "金牌", "江湖", "于是", "马上", "白白", "贺卡",
     "程序", "余额", "任何", "黄金", "叶子", "钱包", "高质", "毛毛"]
)  # fmt: skip
_ZH_TITLES_AFTER = (
    "先生|女士|小姐|经理|老师|师傅|医生|总|主任|同学|阿姨|叔叔|大哥|大姐|哥|姐|老板|店长|专员|"
    "工程师|律师|护士|教授|博士|总监|主管|太太|夫人"
)

# Pinyin family names and given-name syllables ("Liu Yang", "Zhang Xiaoming").
_PINYIN_SET = frozenset(_PINYIN_FAMILY.split()) - {"he", "you", "an"}
_PINYIN_GIVEN = re.compile(
    r"(?:(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|"
    r"ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|a|e|i|o|u|v)(?:r)?){1,3}"
)


# Chinese full names by context: a verb or preposition that takes a person before
# (「跟孙浩聊过」「转告林雅琪」「搵陳嘉欣收」), a sign-off after closing punctuation
# (「谢谢！李晓燕」), or a sentence start before a verb of speech (「黎志明話會幫我」); the
# name is a surname and one or two characters followed by a verb, particle or punctuation.
_ZH_CTX_BEFORE = (
    "转给|轉給|交给|交給|给了|給了|改成|换成|改为|人是|的是|"
    "跟|給|给|让|讓|找了|找|(?<![这那])叫|转告|轉告|寄给|寄給|搵|告诉|告訴|通知|联系|聯繫|聯絡|联络|"
    "此致[，,]?|小哥|技术员|技術員|安装工|我妈妈|我爸爸|我媽媽|收件人是|收货人是|问|問|"
    "同事|朋友|老公|老婆|丈夫|妻子|表姐|表哥|表妹|表弟|哥哥|姐姐|弟弟|妹妹|室友|邻居|同学|"
    "舍友|儿子|女儿|兒子|女兒"
)
# Role and kin words before a given name alone (「我儿子浩然用我的卡」).
_ZH_ROLE = (
    "同事", "朋友", "老公", "老婆", "丈夫", "妻子", "表姐", "表哥", "表妹", "表弟", "哥哥",
    "姐姐", "弟弟", "妹妹", "室友", "邻居", "同学", "舍友", "儿子", "女儿", "兒子", "女兒",
)  # fmt: skip
_ZH_GIVEN = frozenset(_ZH_GIVEN_CHARS)
_ZH_GIVEN_WORDS = frozenset(_ZH_GIVEN_NOT.split())
# After a given name alone at a clause start, only verbs nouns rarely take.
_ZH_BARE_NEXT = (
    "说", "說", "帮", "幫", "把", "已经", "已經", "打了", "给我", "給我", "跟我", "告诉", "告訴",
    "不在", "和她", "和他", "也说", "都说", "用我",
)  # fmt: skip
_ZH_THANKS = ("谢谢", "謝謝", "感谢", "感謝", "多谢", "多謝")
# 「李明轩的订单」: a name before 的 and a word of an account or an order.
_ZH_OF_PERSON = (
    "的订单", "的訂單", "的账号", "的賬號", "的账户", "的快递", "的包裹", "的电话", "的手机",
    "的会员", "的积分", "的地址", "的名字",
)  # fmt: skip
# Transliterated names joined by a middle dot (「穆罕默德・阿里」).
_ZH_DOTS = "\u30fb\u00b7\u2022\uff65"

_ZH_END = set("，。！？、,.!?；;：: \n）)")
_ZH_NEXT = set(
    "说說话話讲講会會帮幫把都也了在是收聊打回告给給和跟已今就还還到来來处處办辦负发發退联聯确確核查送"
    "放态態尽盡用"
)
# Two-character words that start with a surname character (「高兴」「方便」「王者」).
_ZH_COMMON = frozenset(_ZH_COMMON_WORDS.split())


def _zh_in_context(text: str, surnames: tuple[str, ...]) -> list[tuple[int, int]]:
    out = []

    def name_at(p: int) -> int:
        """End of a surname-led name of two or three characters at `p`, or -1."""
        for sn in _surname_index(surnames).get(text[p : p + 1], ()):
            if not text.startswith(sn, p):
                continue
            for size in (2, 1):
                end = p + len(sn) + size
                body = text[p + len(sn) : end]
                if len(body) < size or not all("\u4e00" <= ch <= "\u9fff" for ch in body):
                    continue
                if any(ch in _ZH_STOP for ch in body) or text[p:end] in _ZH_COMMON:
                    continue
                if _ZH_TITLE_RE.search(body):
                    continue  # 「转告黄经理」: the title is no part of the name
                if text[p : p + 2] in _ZH_COMMON or text[p : p + 2] in _ZH_NOT_NAMES:
                    return -1
                nxt = text[end : end + 1]
                if nxt == "" or nxt in _ZH_END or nxt in _ZH_NEXT:
                    return end
            return -1
        return -1

    for m in _ZH_CTX_RE.finditer(text):
        end = name_at(m.end())
        if end > 0:
            out.append((m.end(), end))
    # 「小王帮我」「老李说」「阿明会」: a familiar prefix and a surname (or, after 阿, any
    # character but those of 阿姨 / 阿里 ...) at a clause start or after a cue, then a verb
    for m in _zh_familiar(surnames).finditer(text):
        key = "name" if m.group("name") else "name2"
        if m.group(key)[:2] not in _ZH_FAMILIAR_NOT:
            out.append((m.start(key), m.end(key)))
    # 「技术员叫穆罕默德，」: a transliterated foreign name after 叫/名叫, closed by punctuation
    for m in _ZH_TRANSLIT.finditer(text):
        out.append((m.start("name"), m.end("name")))
    # a sign-off: the last clause of the text is a name alone
    sign = _ZH_SIGNOFF.search(text)
    if sign:
        end = name_at(sign.start("name"))
        thanked = re.search(
            r"(?:谢谢|謝謝|感谢|感謝|多谢|多謝|此致|敬上|祝好)\W{0,3}$", text[: sign.start("name")]
        )
        if end == sign.end("name") and (end - sign.start("name") >= 3 or thanked):
            out.append((sign.start("name"), end))
    # a clause start before a verb of speech or a coordinated name
    for m in _ZH_CLAUSE.finditer(text):
        p = m.end()
        end = name_at(p)
        if end < 0:
            of = text.find("的", p, p + 5)
            if of - p >= 3 and text.startswith(_ZH_OF_PERSON, of) and _full_name(text, p, of):
                out.append((p, of))  # 「李明轩的订单被取消了」
            continue
        if (
            end - p == 3
            and text.startswith(_ZH_SPEECH, end - 1)
            and not text.startswith(_ZH_SPEECH, end)
        ):
            end -= 1  # 「张伟打了三次电话」: the verb starts inside the three characters
        second = name_at(end + 1) if text[end : end + 1] in "和跟与與" else -1
        if (
            text.startswith(_ZH_SPEECH, end)
            and (text[end] != "都" or text.startswith(("都说", "都說"), end))
            and (end - p >= 3 or not text.startswith(_ZH_NOUN_TOO, end))
        ):
            # 「金钱已经…」: after a two-character name only verbs nouns rarely take
            out.append((p, end))
        elif second > 0 and text.startswith(_ZH_SPEECH, second):
            out.append((p, end))  # 「高雅和宋佳佳都说」: two names before a verb of speech
            out.append((end + 1, second))
    return out


_ZH_FAMILIAR_NOT = frozenset(
    ["阿姨", "阿里", "阿拉", "阿胶", "阿迪", "阿玛", "阿司", "阿尔", "阿婆", "阿公", "阿哥", "阿姐",
     "阿妹", "阿弟", "阿叔", "阿伯", "阿爸", "阿妈", "阿嬷", "阿富", "阿根", "阿森", "小于", "老是",
     "老于", "小时", "小白", "老年", "小米", "老公", "老婆", "小龙", "老牛", "老马", "小马"]
)  # fmt: skip


@lru_cache(maxsize=1)
def _surname_index(surnames: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Surnames by first character, longest first."""
    index: dict[str, list[str]] = {}
    for sn in surnames:
        index.setdefault(sn[0], []).append(sn)
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _zh_familiar(surnames: tuple[str, ...]) -> re.Pattern[str]:
    single = "".join(sn for sn in surnames if len(sn) == 1)
    return re.compile(
        r"(?:^|[，。！？,.!?；;\s：:]|" + _ZH_CTX_BEFORE + r")"
        r"(?P<name>[小老]["
        + single
        + r"]|小["
        + _ZH_GIVEN_CHARS
        + r"]|阿[\u4e00-\u9fff])(?=[说說话話讲講会會帮幫把都也已还還给給跟和打回来來确確核问問不昨今明再])"
        r"|(?:的|给了|給了|转给|轉給|交给|交給|(?<![这那])叫|找|问|問)(?P<name2>[小老]["
        + single
        + r"])(?=[，。！？,.!?]|$)"
    )


# Characters of transliterated foreign names (穆罕默德, 约翰, 玛丽亚, 阿里, 卡里姆).
_ZH_TRANSLIT_CHARS = (
    "阿艾安奥巴贝本比波布查达德迪蒂杜多厄菲弗福盖格古哈汉赫亨胡霍基吉加贾杰金卡凯坎科克库拉莱兰劳勒雷里"
    "利莉丽林琳卢鲁路伦罗洛马玛迈曼梅米敏莫默穆纳娜内尼努诺欧帕佩皮珀普奇乔萨塞桑瑟莎森沙什斯索塔泰坦"
    "特提汀图托瓦威韦维温沃乌西希谢辛休亚扬耶伊因英尤约扎詹朱兹罕娅蕾茨卜万诺彼得夫娃尔列科奇妮丝黛薇蒙戈拜法思雅赛白立"
)
_ZH_TRANSLIT = re.compile(
    r"(?:名叫|叫做|(?<![这那])叫)(?P<name>["
    + _ZH_TRANSLIT_CHARS
    + r"]{3,5})(?=[，。！？,.!?、\s]|$)"
)
_ZH_TRANSLIT_DOT = re.compile(
    "(?<![\u4e00-\u9fff])[" + _ZH_TRANSLIT_CHARS + "]{2,5}(?:[" + _ZH_DOTS + "]["
    + _ZH_TRANSLIT_CHARS + "]{1,5})+"
)  # fmt: skip
_ZH_CTX_RE = re.compile(r"(?:" + _ZH_CTX_BEFORE + r")")
_ZH_SIGNOFF = re.compile(r"[，。！？,.!?\n]\s*(?P<name>[\u4e00-\u9fff]{2,4})\s*[。.!！]?\s*$")
_ZH_SPEECH = (
    "話",
    "话",
    "说",
    "說",
    "讲",
    "講",
    "都说",
    "都說",
    "会",
    "會",
    "都",
    "帮",
    "幫",
    "已经",
    "已經",
    "打电话",
    "打電話",
    "打了",
    "打过",
    "把",
    "给我",
    "給我",
    "跟我",
)
_ZH_NOUN_TOO = ("已经", "已經", "把", "打电话", "打電話", "给我", "給我", "跟我", "会", "會")
_ZH_CLAUSE = re.compile(r"(?:^|[，。！？,.!?；;\n])\s*")
_ZH_TITLE_IN = re.compile(_ZH_TITLES_AFTER)
_ZH_TITLE_RE = re.compile(r"(?:" + _ZH_TITLES_AFTER + r")")


def _zh_before_titles(text: str, surnames: tuple[str, ...]) -> list[tuple[int, int]]:
    """「林小姐」「陈静女士」「郝万山教授」: a surname-led name of one to three characters
    right before a title; the longest that holds no function character and is not the
    tail of 「谢谢」/「感谢」 (「谢谢林小姐」 -> 「林」)."""
    out = []
    for m in _ZH_TITLE_RE.finditer(text):
        p = m.start()
        best = None
        for size in (1, 2, 3):
            start = p - size
            if start < 0 or not all("\u4e00" <= ch <= "\u9fff" for ch in text[start:p]):
                break
            if any(ch in _ZH_STOP for ch in text[start:p]):
                break
            thanks = ("谢谢", "感谢", "多谢", "致谢", "答谢")
            if text[start : start + 2] in thanks or (
                start > 0 and text[start - 1 : start + 1] in thanks
            ):
                continue
            if any(text.startswith(sn, start) for sn in surnames):
                best = start
        if best is None:
            continue
        if m.group() == "总" and (
            p - best > 1
            or (
                best > 0
                and "\u4e00" <= text[best - 1] <= "\u9fff"
                and text[best - 1] not in "找问给和跟请让位是叫"
            )
        ):
            continue  # 「王总」 but not 「比喻总能」
        out.append((best, p))
    return out


def _full_name(text: str, p: int, end: int) -> bool:
    """Whether text[p:end] is a surname and two characters that make no common word."""
    surnames = gazetteer()[3]
    for sn in _surname_index(surnames).get(text[p : p + 1], ()):
        body = text[p + len(sn) : end]
        if (
            text.startswith(sn, p)
            and len(body) == 2
            and all("\u4e00" <= ch <= "\u9fff" and ch not in _ZH_STOP for ch in body)
            and text[p : p + 2] not in _ZH_COMMON
            and text[p : p + 2] not in _ZH_NOT_NAMES
            and body not in _ZH_COMMON
            and not _ZH_TITLE_RE.search(body)
        ):
            return True
    return False


def _given_at(text: str, p: int) -> int:
    """End of a given name alone (two given-name characters, no ordinary word) at `p`, or -1."""
    word = text[p : p + 2]
    if (
        len(word) == 2
        and word[0] in _ZH_GIVEN
        and word[1] in _ZH_GIVEN
        and word not in _ZH_GIVEN_WORDS
        and word not in _ZH_COMMON
        and text[p + 2 : p + 3] not in _ZH_GIVEN  # part of a longer word
    ):
        return p + 2
    return -1


def _zh_given_alone(text: str) -> list[tuple[int, int]]:
    """Given names without a surname: at a clause start before a verb nouns rarely take
    (「建华把单退了」), after thanks before punctuation (「谢谢佳怡！」), after a kin or
    role word (「我儿子浩然用我的卡」), after 叫 (「一个叫志明的」)."""
    out = []
    for m in _ZH_CLAUSE.finditer(text):
        p = m.end()
        end = _given_at(text, p)
        if end > 0 and text.startswith(_ZH_BARE_NEXT, end):
            out.append((p, end))
    for cue in _ZH_THANKS:
        start = text.find(cue)
        while start >= 0:
            p = start + len(cue)
            end = _given_at(text, p)
            if end > 0 and (end == len(text) or text[end] in _ZH_END):
                out.append((p, end))
            start = text.find(cue, p)
    for m in _ZH_ROLE_RE.finditer(text):
        p = m.end()
        end = _given_at(text, p)
        nxt = text[end : end + 1]
        if end > 0 and (nxt == "" or nxt in _ZH_END or nxt in _ZH_NEXT or nxt == "的"):
            out.append((p, end))
    return out


_ZH_ROLE_RE = re.compile(
    "(?:" + "|".join(_ZH_ROLE) + "|(?<![这那])叫|转给了|轉給了|给了|給了|转给|轉給|交给|交給)"
)
# 「那个叫Mike的小哥」: a Latin-script name after 叫 in Chinese text.
_ZH_LATIN_AFTER_JIAO = re.compile(r"(?<![这那])叫\s?(?P<name>[A-Z][a-z]+)(?=\s?[的，。！？,.!?])")


@lru_cache(maxsize=1)
def _zh_cue_re() -> re.Pattern[str]:
    surnames = "|".join(gazetteer()[3])
    return re.compile(
        r"(?:" + _ZH_CUES + r")[:：]?\s*(?P<name>(?:小|老|阿)(?:" + surnames + r")|(?:"
        + surnames + r")[\u4e00-\u9fff]{1,2})"
    )  # fmt: skip


# Round 7: a given name alone after a role or kin word (「客服阿明」「我爸德明」「找丽丽」),
# a transliterated foreign given name of the gazetteer standing alone (「法蒂玛给我」),
# and a full name before 收 closing a clause (「黄志强收」).
_ZH_ROLE_CUE = re.compile(
    r"(?:客服|客服专员|店员|司机|快递员|骑手|师傅|我妈妈|我妈|我爸爸|我爸|我媽|我爸爸|我奶奶|我爷爷|"
    r"我老公|我老婆|找|给|給|叫|问|跟|和|" + "|".join(_ZH_ROLE) + r")"
)
_ZH_TRANSLIT_WORDS = re.compile(
    "(?<![" + _ZH_TRANSLIT_CHARS + "])(?:" + "|".join(sorted(ZH_TRANSLIT_GIVEN.split(), key=len, reverse=True))
    + ")(?![" + _ZH_TRANSLIT_CHARS + "])"
)  # fmt: skip
_ZH_PLAIN_VERBS = frozenset(["找", "给", "給", "叫", "问", "跟", "和"])
_ZH_AFTER_GIVEN = "不态態明今昨很也推去拿要"
_ZH_TRANSLIT_NEXT = frozenset("说說给給在和跟都帮幫已把让讓")
_ZH_GIVEN_NOT_AFTER_A = frozenset("姨拉里胶根富婆公爸妈伯哥弟姐妹尔联斯")


def _zh_given_after_role(text: str, surnames: tuple[str, ...]) -> list[tuple[int, int]]:
    """Round 7 spans: given names after a role or kin word, foreign given names, 「X收」."""
    out: list[tuple[int, int]] = []
    for m in _ZH_ROLE_CUE.finditer(text):
        i = m.end()
        two = text[i : i + 2]
        nxt = text[i + 2 : i + 3]
        if len(two) < 2:
            continue
        if two[0] == "阿" and two[1] in _ZH_GIVEN and two[1] not in _ZH_GIVEN_NOT_AFTER_A:
            out.append((i, i + 2))  # 「客服阿明」「给阿杰」
        elif not (nxt == "" or nxt in _ZH_END or nxt in _ZH_NEXT or nxt in _ZH_AFTER_GIVEN):
            continue
        elif (
            two[0] == two[1] and two[0] in _ZH_GIVEN and m.group() in ("找", "给", "給", "叫", "问")
        ):
            out.append((i, i + 2))  # 「找丽丽拿」, not 「给芸芸众生」
        elif (
            m.group() not in _ZH_PLAIN_VERBS
            and all(c in _ZH_GIVEN for c in two)
            and two not in _ZH_COMMON
            and two not in _ZH_GIVEN_WORDS
        ):
            out.append((i, i + 2))  # 「我爸德明」
    for m in _ZH_TRANSLIT_WORDS.finditer(text):
        if text[m.end() : m.end() + 1] in _ZH_TRANSLIT_NEXT:
            out.append((m.start(), m.end()))  # 「法蒂玛给我」, not 「大卫的妈妈」 in a book review
    for m in re.finditer(r"(?:^|(?<=[，,。\s]))([\u4e00-\u9fff]{2,4}?)收(?=$|[，。,.!！\s])", text):
        name = m.group(1)
        if (name[:1] in surnames or name[:2] in surnames) and (
            all(c in _ZH_GIVEN for c in name[-2:]) or len(name) == 2
        ):
            out.append((m.start(1), m.end(1)))  # 「黄志强收」
    return out


def zh_names(text: str) -> list[tuple[int, int]]:
    """Candidate name spans in Chinese text, in the order they should claim the text."""
    _surnames = gazetteer()[3]
    out: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        out.append((start, end))

    for m in _zh_cue_re().finditer(text):
        name = m.group("name")
        cut = _ZH_TITLE_IN.search(name, 1)
        end = cut.start() if cut else len(name)
        if name[:2] in _ZH_NOT_NAMES:
            continue
        for i in range(1, end):
            if name[i] in _ZH_STOP and not (i == 1 and name[0] in "小老阿"):
                end = i
                break
        if end == 3 and name[2] in _ZH_NEXT and name[0] not in "小老阿":
            end = 2  # 「我妈张丽收的货」 -> 「张丽」
        add(m.start("name"), m.start("name") + end)
    for start, end in _zh_in_context(text, _surnames):
        add(start, end)
    for start, end in _zh_before_titles(text, _surnames):
        add(start, end)
    for start, end in _zh_given_alone(text):
        add(start, end)
    for m in _ZH_TRANSLIT_DOT.finditer(text):
        add(m.start(), m.end())
    for start, end in _zh_given_after_role(text, _surnames):
        add(start, end)
    for m in _ZH_LATIN_AFTER_JIAO.finditer(text):
        add(m.start("name"), m.end("name"))
    return out
