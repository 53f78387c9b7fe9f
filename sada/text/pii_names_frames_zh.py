"""Name frames in Chinese text (see `pii_names_frames`): cues before and after a name,
surnames with one or two given characters, transliterated and dotted foreign names, and
where a name ends (before verbs, time words and titles)."""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.pii_gazetteer import gazetteer
from sada.text.pii_gazetteer_world import ZH_TRANSLIT_GIVEN
from sada.text.pii_names_features import lexicon
from sada.text.pii_names_frames_en import _en_ok
from sada.text.pii_names_frames_words import _words
from sada.text.pii_names_learned import _common_han

_ZH_BEFORE = (
    "我是客服", "我是", "客服专员", "客服", "谢谢", "謝謝", "感谢", "感謝", "多谢", "辛苦", "同事",
    "老公", "老婆", "用户", "客户", "持卡人是", "签收人是", "收件人是", "联系人是", "收货人是",
    "朋友", "我朋友", "转告", "转给", "找一下", "联系", "麻烦", "店员", "骑手", "快递员", "小哥",
    "持卡人", "签收人", "收件人", "联系人", "顾客",
)  # fmt: skip
_ZH_BEFORE_RE = re.compile(
    "(?:特别|特別)?(?:" + "|".join(sorted(map(re.escape, _ZH_BEFORE), key=len, reverse=True)) + ")+"
)
# 「跟嘉豪说一声」: a given name between 跟/找/问/告诉 and a verb of telling.
_ZH_TELL_RE = re.compile(
    "(?:跟|找|问|告诉|通知|转告)(?=[\u4e00-\u9fff]{2,3}(?:说|讲|聊|联系|确认|一声))"
)
# A Latin-script name in Chinese text: after thanks or a cue, or opening a clause
# before a verb (「感谢Ahmed和」「Priya 帮我改的」).
_ZH_LATIN_RE = re.compile(
    "(?:(?<=谢谢|感谢|多谢|客服|叫做|同事|朋友|用户|客户)|(?<=我是)|(?:^|(?<=[，。！？,.!?\n])))\\s*"
    "(?P<name>[A-Z][a-z]{1,15})(?=\\s*(?:和|跟|帮|说|給|给|已经|先生|女士|[，。！？,.!?]|$))"
)
_ZH_FAMILIAR_RE = re.compile(
    "(?:^|(?<=[，。！？,.!?\n]))([小老阿][\u4e00-\u9fff])(?=[ \u3000，,]|你好|您好)"
)
# What may follow a name: punctuation, an honorific, a verb or time word.
_ZH_AFTER_ONE = set(
    "，。！？、,.!?；;：: \n）)姐哥说說帮幫和跟都也已在是给給把让就收处推打发发来去昨今明刚的了很真太用买问找送寄讲叫"
)
# Time words a name opening a clause may stand before (「李娜明天」「张雨欣下午」).
_ZH_TIME = _words("明天 后天 前天 上午 下午 中午 晚上 早上 刚才 刚刚 周末 这周 下周 上周 明早 今晚")
_ZH_SIGNOFF_RE = re.compile("(?:——|—|-|～|~)\\s*(?P<name>[\u4e00-\u9fff]{2,4})[\\s。！!.]*$")
_ZH_PAIR_RE = re.compile(
    "(?P<a>[\u4e00-\u9fff]{2,4}?)和(?P<b>[\u4e00-\u9fff]{2,4}?)"
    "(?=都|一起|两个|俩|明天|今天|昨天|下午|上午|晚上)"
)
_ZH_SPLIT_TITLES = frozenset(
    ["小姐", "先生", "女士", "经理", "老师", "师傅", "老板", "大哥", "大姐", "总监"]
)
_ZH_HONORIFIC = ("姐", "哥", "你好", "您好")
_ZH_DOTS = "\u30fb\u00b7\u2022\uff65"
_ZH_TRANSLIT_CHARS = frozenset(
    "".join(ZH_TRANSLIT_GIVEN.split())
    + "史密斯加西亚罗伯特森汤姆逊克里夫兰巴布朗琼怀尔德诺曼戈泰勒芬奇彼得保罗乔治丝卡韦尼科拉基奥娃"
    "洛佩兹桑托马丁内古铁雷赫南福沙瓦汗默萨达格纳凯文莎拉琳露茜杰克逊菲普森霍金埃莉诺拜登"
)
_ZH_DOTTED_RE = re.compile(f"[\u4e00-\u9fff]{{2,5}}[{_ZH_DOTS}][\u4e00-\u9fff]{{2,5}}")
# First characters of kin and role words before 姐/哥 (表姐, 大哥, 小姐, 帅哥).
_ZH_NOT_FIRST = frozenset("表堂大二三四五小老帅美靓亲")
_ZH_HONORED_RE = re.compile("([\u4e00-\u9fff]{2})(姐|哥|你好|您好)")
_ZH_TRANSLIT_RUN_RE = re.compile("([\u4e00-\u9fff]{2,4}?)(?=说|說|和|帮|幫)")
_ZH_STRONG_RE = re.compile(
    "(?:用户|客户|同事|持卡人是|签收人是|收件人是|联系人是|收货人是)"
    "([\u4e00-\u9fff][\u4e00-\u9fff])(?=[，。！？、,.!?；;：:\\s（(]|$)"
)
# Round 12: what may follow a three-character name opening a clause.
_ZH_OPENING_NEXT = frozenset("是的也没又还把让给来去打在被对跟")
_ZH_OPENING_NEXT_SHORT = frozenset("是也没又还把让给被")
_ZH_OPENERS = frozenset("。！？!?，,；;\n \t\u3000")


# A Chinese character that opens a clause.
_ZH_OPENING_RE = re.compile("(?:^|(?<=[。！？!?，,；;\n \t\u3000]))[\u4e00-\u9fff]")


def _zh_opens(text: str, p: int) -> bool:
    """Whether position `p` opens a clause (the text's start or after punctuation)."""
    return p == 0 or text[p - 1] in _ZH_OPENERS


@lru_cache(maxsize=1)
def _zh_surname_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Our Chinese surnames of two characters and of one."""
    surnames = gazetteer()[3]
    return frozenset(s for s in surnames if len(s) == 2), frozenset(
        s for s in surnames if len(s) == 1
    )


def _zh_surname_at(text: str, p: int) -> int:
    """The length of the surname at `p` (a two-character one first), 0 when none."""
    double, single = _zh_surname_sets()
    if text[p : p + 2] in double:
        return 2
    return 1 if text[p : p + 1] in single else 0


def _zh_slot(text: str, p: int, *, cued: bool) -> int:
    """The end of a Chinese name starting at `p`, or -1: a surname and one or two given
    characters, 小/老/阿 + a character, two given-name characters (after a cue), or a
    transliterated given name; the name must be followed by punctuation, an honorific,
    a verb or a time word (「张伟昨天」 -> 张伟, 「马丽推荐」 -> 马丽)."""
    lex = lexicon()
    ends: list[int] = []
    for tr in lex.zh_translit.get(text[p : p + 1], ()):
        if text.startswith(tr, p):
            ends.append(p + len(tr))
    if text[p : p + 1] in "小老阿" and p + 1 < len(text):
        ch = text[p + 1]
        if ch in lex.zh_surnames or ch in lex.zh_given_chars:
            ends.append(p + 2)
    sur = _zh_surname_at(text, p)
    if sur:
        q = p + sur
        for k in (2, 1):
            chars = text[q : q + k]
            if len(chars) == k and all(c in lex.zh_given_chars for c in chars):
                ends.append(q + k)
    if cued:
        pair = text[p : p + 2]
        given = len(pair) == 2 and any(c in lex.zh_given_chars for c in pair)
        if given and pair not in lex.zh_common and not _common_han(text, p, p + 2):
            ends.append(p + 2)
    for end in sorted(set(ends), key=lambda e: -(e - p)):
        nxt = text[end : end + 1]
        if text[end - 1 : end + 1] in _ZH_SPLIT_TITLES:
            continue  # 「林小姐」: the last character begins a title
        if end >= len(text) or nxt in _ZH_AFTER_ONE or not "\u4e00" <= nxt <= "\u9fff":
            # a three-character name whose last character begins the next word is two
            if end - p == 3 and text[end - 1] in _ZH_AFTER_ONE:
                continue
            return end
    return -1


def _zh_name_alone(word: str) -> bool:
    """Whether two to four Chinese characters read as a name by themselves: a surname
    and given characters, two given characters, or a transliteration; never an ordinary
    word (「国庆」 is both a name and a holiday: kept only beside another name)."""
    if word in lexicon().zh_common or _common_han(word, 0, len(word)):
        return False
    if all(c in _ZH_TRANSLIT_CHARS for c in word) and len(word) >= 3:
        return True
    return _zh_slot(word, 0, cued=len(word) == 2) == len(word)


def _zh_plain_subject(text: str, p: int) -> int:
    """Round 12: the end of a name opening a clause as its plain subject, or -1: a surname
    and two given characters before 是/的/也/没/把/给 ... (「周建国没来」「何静和她的」 are
    other frames), or a surname and one given character before 是/也/没/又/还/把/给/被
    (「朱婷是我最喜欢的」); never an ordinary word (「高兴是」)."""
    lex = lexicon()
    sur = _zh_surname_at(text, p)
    if not sur:
        return -1
    q = p + sur
    sizes = ((2, _ZH_OPENING_NEXT), (1, _ZH_OPENING_NEXT_SHORT)) if sur == 1 else ((1, "是也没"),)
    for k, after in sizes:  # a two-character surname takes one given character (「东方明珠」)
        chars = text[q : q + k]
        end = q + k
        if (
            len(chars) == k
            and all(c in lex.zh_given_chars for c in chars)
            and text[end : end + 1] in after
            and text[p:end] not in lex.zh_common
            and not _common_han(text, p, end)
            and not _common_han(text, q, end)
        ):
            return end
    return -1


def _zh_frames(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in _ZH_BEFORE_RE.finditer(text):
        # 「我是」 takes surnames only (「我是学生」「我是幸福的」)
        end = _zh_slot(text, m.end(), cued=not m.group().endswith(("我是", "联系", "麻烦")))
        if end > 0:
            out.append((m.end(), end))
    for m in _ZH_TELL_RE.finditer(text):
        end = _zh_slot(text, m.end(), cued=True)
        if end > 0:
            out.append((m.end(), end))
    for m in _ZH_LATIN_RE.finditer(text):
        cued = (
            text[: m.start("name")]
            .rstrip()
            .endswith(("谢谢", "感谢", "多谢", "客服", "同事", "我是"))
        )
        if _en_ok(m.group("name"), strong=cued):
            out.append(m.span("name"))
    for m in _ZH_FAMILIAR_RE.finditer(text):
        ch = m.group(1)[1]
        if ch in lexicon().zh_surnames or ch in lexicon().zh_given_chars:
            out.append(m.span(1))
    for m in _ZH_DOTTED_RE.finditer(text):
        a, b = m.span()
        while a < b and text[a] not in _ZH_TRANSLIT_CHARS:
            a += 1
        while b > a and text[b - 1] not in _ZH_TRANSLIT_CHARS:
            b -= 1
        if all(c in _ZH_TRANSLIT_CHARS or c in _ZH_DOTS for c in text[a:b]) and b - a >= 5:
            out.append((a, b))
    for opening in _ZH_OPENING_RE.finditer(text):
        p = opening.start()
        # 「李娜明天上午有空」「张雨欣下午三点去」: a name opening a clause before a time word
        timed = [
            p + k
            for k in (3, 2)
            if text[p + k : p + k + 2] in _ZH_TIME and _zh_slot(text[: p + k], p, cued=False) > 0
        ]
        if timed:
            out.append((p, timed[0]))
            continue
        end = _zh_slot(text, p, cued=False)
        rest = text[end : end + 2] if end - p >= 2 else ""
        if rest and (
            rest.startswith(_ZH_HONORIFIC)
            or rest[:1] in "说和帮处推"
            or rest in ("昨天", "今天", "已经")
        ):
            out.append((p, end))
        elif (plain := _zh_plain_subject(text, p)) > 0:
            out.append((p, plain))

    for m in _ZH_HONORED_RE.finditer(text):
        # 「春花姐帮我」「杨洋你好」: a clause opens with a name and an honorific or greeting
        if _zh_opens(text, m.start()) and m.group(1) not in lexicon().zh_common:
            pair, after = m.group(1), m.group(2)
            surname = pair[0] in lexicon().zh_surnames
            given = (
                any(c in lexicon().zh_given_chars for c in pair) and pair[0] not in _ZH_NOT_FIRST
            )
            if (after in ("你好", "您好") and surname) or (after in ("姐", "哥") and given):
                out.append(m.span(1))
    for m in _ZH_TRANSLIT_RUN_RE.finditer(text):
        run = m.group(1)
        translit = all(c in _ZH_TRANSLIT_CHARS for c in run) and run not in lexicon().zh_common
        if translit and _zh_opens(text, m.start()):
            out.append(m.span(1))
    for m in _ZH_PAIR_RE.finditer(text):
        # 「艾力江和古丽娜尔明天一起来」「春花和国庆都是」: two names joined by 和, opening a
        # clause, before 都 / 一起 / a time word
        if _zh_opens(text, m.start()) and all(_zh_name_alone(m.group(g)) for g in ("a", "b")):
            out += [m.span("a"), m.span("b")]
    signoff = _ZH_SIGNOFF_RE.search(text)
    if signoff:
        # 「……——吴俊杰」: a name alone after a dash at the end of the message
        p = signoff.start("name")
        if _zh_slot(text[: signoff.end("name")], p, cued=False) == signoff.end("name"):
            out.append(signoff.span("name"))
    for m in _ZH_STRONG_RE.finditer(text):
        # 「用户田甜，」: after a relation cue, a surname and any one character
        if _zh_surname_at(text, m.start(1)) == 1:
            out.append(m.span(1))
    return out
