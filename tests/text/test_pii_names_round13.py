"""Round 13 of name detection: Chinese familiar forms, English role words, Arabic and
Persian kin words, guards against Persian look-alikes, and names cut at line breaks."""

from __future__ import annotations

import pytest

from sada.text.pii_names import find_names


def names(text: str) -> list[str]:
    return [text[a:b] for a, b in find_names(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("感谢导游小陈的讲解", "小陈"),
        ("团队里的小红、小丽都到了", "小丽"),
        ("保安小张的态度很好", "小张"),
        ("阿华你明天来吗？", "阿华"),
        ("请联系销售部的林婷，她会跟进", "林婷"),
        ("Client Hope Evans asked for a refund.", "Hope Evans"),
        ("Reviewer Joy Carter: great fit", "Joy Carter"),
        ("the waiter david was really friendly", "david"),
        ("thanks sarah for the quick reply", "sarah"),
        ("Props to Emily's crew for the setup.", "Emily"),
        ("عمو جواد فردا میاد", "جواد"),
        ("داداش امید کجایی؟", "امید"),
        ("برادرم علی ماشین رو برد", "علی"),
        ("خيي سعيد وينك", "سعيد"),
        ("يا هلا منى، كيفك", "منى"),
        ("Joy and I loved the room", "Joy"),
        ("شفت محمد صلاح امبارح", "محمد صلاح"),
        ("نرگس تقوی تماس گرفت", "نرگس تقوی"),
        ("有人认识李总吗？", "李"),
        ("Hope Williams will host the call.", "Hope Williams"),
    ],
)
def test_round13_finds(text: str, name: str) -> None:
    assert name in names(text)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("مامان گفت شام حاضره", "مامان"),
        ("از شرکت آرمان خرید کردم", "آرمان"),
        ("Sales Manager, Brightline Supplies Ltd", "Brightline"),
        ("Flight from London to JFK delayed", "JFK"),
        ("از فروشگاه بزرگ کوروش خرید کردم", "کوروش"),
    ],
)
def test_round13_not_names(text: str, word: str) -> None:
    assert not any(word in n for n in names(text))


def test_round13_name_stops_at_line_break() -> None:
    text = "Kind regards,\nJames Porter\nRegional Director"
    assert "James Porter" in names(text)
    assert all("\n" not in n for n in names(text))
