"""Aspects: word boundaries, traditional Chinese, and polarity of their own clause."""

from __future__ import annotations

import json
from pathlib import Path

from sada.text.evaluate import score_aspects
from sada.text.lexicons import aspect_text, keyword_aspects
from sada.text.normalize import model_text
from sada.text.pipeline import TextPipeline
from sada.text.rules import level_items

FIXTURES = Path(__file__).parent / "fixtures"


def test_keywords_match_whole_words_only() -> None:
    assert "app_website" not in keyword_aspects(aspect_text("I am happy, not disappointed"))
    assert "app_website" not in keyword_aspects(aspect_text("a disappointing, unhappy visit"))
    assert "app_website" in keyword_aspects(aspect_text("the apps keep crashing"))
    assert "delivery" not in keyword_aspects(aspect_text("دیروز خریدم"))  # دیر inside دیروز
    assert "delivery" in keyword_aspects(aspect_text("ارسالش دیر بود"))


def test_traditional_chinese_aspects() -> None:
    assert set(keyword_aspects(aspect_text("服務員很熱情，但是價格太貴"))) >= {"staff", "price"}
    assert "delivery" in keyword_aspects(aspect_text("物流很慢，發貨也慢"))


def _fixture(name: str) -> list[dict]:
    return [json.loads(x) for x in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if x]


def test_aspect_polarity_on_contrastive_sentences() -> None:
    pipeline = TextPipeline(embedder=False)
    analyze = lambda text, lang: pipeline.analyze(text, language=lang)  # noqa: E731
    # Every fixture below is a development set now (round 6 was tuned on all of them,
    # `fresh5` included); the floors are a little under what round 6 measures (fast
    # path), so they catch regressions, not prove generalisation. Held-out figures come
    # from blind sets measured before they are committed (the model card lists them).
    dev = score_aspects(_fixture("aspects_contrastive.jsonl"), analyze)
    assert dev["accuracy"]["all"] >= 0.95, dev["misses"]  # 1.00
    assert dev["mixed_texts"]["flagged_mixed"] >= 0.8 * dev["mixed_texts"]["n"]
    fresh = score_aspects(_fixture("aspects_contrastive_fresh.jsonl"), analyze)
    assert fresh["accuracy"]["all"] >= 0.95, fresh["misses"]  # 0.983
    fresh2 = score_aspects(_fixture("aspects_contrastive_fresh2.jsonl"), analyze)
    assert fresh2["accuracy"]["all"] >= 0.95, fresh2["misses"]  # 1.00
    fresh3 = score_aspects(_fixture("aspects_contrastive_fresh3.jsonl"), analyze)
    assert fresh3["accuracy"]["all"] >= 0.95, fresh3["misses"]  # 0.967
    fresh4 = score_aspects(_fixture("aspects_contrastive_fresh4.jsonl"), analyze)
    assert fresh4["accuracy"]["all"] >= 0.95, fresh4["misses"]  # 1.00
    dev5 = score_aspects(_fixture("aspects_contrastive_dev5.jsonl"), analyze)
    assert dev5["accuracy"]["all"] >= 0.95, dev5["misses"]  # 1.00 (0.973 before round 6)
    # Held out in round 5 (0.738 then; 0.754 on main before round 6), a development
    # set of rounds 6 (0.817) and 7 (0.938).
    fresh5 = score_aspects(_fixture("aspects_contrastive_fresh5.jsonl"), analyze)
    assert fresh5["accuracy"]["all"] >= 0.92, fresh5["accuracy"]
    assert fresh5["mixed_texts"]["flagged_mixed"] >= 40, fresh5["mixed_texts"]
    # Written blind (no rule or lexicon read), held out in round 6 (0.522), a development
    # set of round 7 (0.927): a floor against regressions, not a held-out figure.
    fresh6 = score_aspects(_fixture("aspects_contrastive_fresh6.jsonl"), analyze)
    assert fresh6["accuracy"]["all"] >= 0.90, fresh6["accuracy"]
    # Written blind, held out in round 7 (0.550 before it, 0.697 after), a development
    # set of round 8 (0.915): a floor against regressions, not a held-out figure.
    fresh7 = score_aspects(_fixture("aspects_contrastive_fresh7.jsonl"), analyze)
    assert fresh7["accuracy"]["all"] >= 0.89, fresh7["accuracy"]
    # Written blind, held out for rounds 7 (0.471 -> 0.670) and 8 (0.730): committed after
    # those measurements, a floor against regressions from here on.
    # A development set of round 9 (0.730 -> 0.856 there).
    fresh8 = score_aspects(_fixture("aspects_contrastive_fresh8.jsonl"), analyze)
    assert fresh8["accuracy"]["all"] >= 0.83, fresh8["accuracy"]
    # Written for round 9 (many trades; 0.665 on main before it, 0.944 after): development.
    dev9 = score_aspects(_fixture("aspects_contrastive_dev9.jsonl"), analyze)
    assert dev9["accuracy"]["all"] >= 0.92, dev9["accuracy"]
    # Written blind, held out for round 9 (0.720 before it, 0.798 after; 0.739 -> 0.808 with
    # embeddings): committed after that measurement, a floor against regressions.
    fresh9 = score_aspects(_fixture("aspects_contrastive_fresh9.jsonl"), analyze)
    assert fresh9["accuracy"]["all"] >= 0.78, fresh9["accuracy"]
    # Written blind, held out for rounds 9 (0.672 -> 0.737) and 10 (0.749): committed after
    # those measurements, a floor against regressions.
    fresh10 = score_aspects(_fixture("aspects_contrastive_fresh10.jsonl"), analyze)
    assert fresh10["accuracy"]["all"] >= 0.73, fresh10["accuracy"]
    # Written for round 10 (waiting, rhetorical questions, negated faults, dialects, more
    # trades; 0.793 on main before it, 0.926 after): development, a floor.
    dev10 = score_aspects(_fixture("aspects_contrastive_dev10.jsonl"), analyze)
    assert dev10["accuracy"]["all"] >= 0.90, dev10["accuracy"]
    # Written blind, held out for aspect round 11 (0.863 with the rules, fast path):
    # committed after that measurement, a floor against regressions.
    fresh11 = score_aspects(_fixture("aspects_contrastive_fresh11.jsonl"), analyze)
    assert fresh11["accuracy"]["all"] >= 0.85, fresh11["accuracy"]


def test_waiting_and_rhetorical_questions_are_complaints() -> None:
    pipeline = TextPipeline(embedder=False)
    for text, aspect in [
        ("Took 40 minutes to get through to an agent.", "staff"),
        ("چهل دقیقه پشت خط موندم تا یکی جواب بده.", "staff"),
        ("打了三次电话才有人接。", "staff"),
        ("ليش الشحن ياخذ ثلاث أسابيع؟", "delivery"),
    ]:
        polarity = {a["aspect"]: a["polarity"] for a in pipeline.analyze(text)["aspects"]}
        assert polarity.get(aspect) == "negative", (text, polarity)


def test_delivery_takes_its_own_clause_polarity() -> None:
    result = TextPipeline(embedder=False).analyze("the food was great but delivery was late")
    polarity = {a["aspect"]: a["polarity"] for a in result["aspects"]}
    assert polarity == {"product_quality": "positive", "delivery": "negative"}
    assert result["sentiment"]["mixed"] is True


def test_polar_clause_without_keyword_speaks_of_the_clause_before() -> None:
    pipeline = TextPipeline(embedder=False)
    result = pipeline.analyze("تم استرداد المبلغ لكن بعد شهر", language="ar")
    assert {a["aspect"]: a["polarity"] for a in result["aspects"]} == {"billing": "negative"}
    sources = [a["source"] for s in result["sentences"] for a in s["aspects"]]
    assert "previous_clause" in sources
    # a neutral clause naming nothing is left alone
    result = pipeline.analyze("the delivery was late but I ordered on Monday", language="en")
    assert [a["aspect"] for a in result["aspects"]] == ["delivery"]
    counts = result["aspects"][0]["counts"]
    assert counts["negative"] == 1 and counts["positive"] == 0


def test_chinese_jiushi_after_a_comma_is_a_contrast() -> None:
    result = TextPipeline(embedder=False).analyze("這家店的服務很好，就是價格偏高", language="zh")
    polarity = {a["aspect"]: a["polarity"] for a in result["aspects"]}
    assert polarity == {"staff": "positive", "price": "negative"}
    assert result["sentiment"]["mixed"] is True


def test_dialect_verbs_comparatives_and_kexi() -> None:
    pipeline = TextPipeline(embedder=False)

    def polarity(text: str, lang: str) -> dict[str, str]:
        result = pipeline.analyze(text, language=lang)
        return {a["aspect"]: a["polarity"] for a in result["aspects"]}

    assert polarity("الأكل طعمه حلو بس التوصيل اتأخر ساعتين", "ar")["delivery"] == "negative"
    assert polarity("قیمتا نسبت به بقیه ارزونتره", "fa") == {"price": "positive"}
    assert polarity("服务员很热情，可惜菜有点咸", "zh") == {
        "staff": "positive",
        "product_quality": "negative",
    }
    assert "price" in keyword_aspects(aspect_text("not the cheapest place"))


def test_weak_keywords_count_only_where_no_other_aspect_is_named() -> None:
    # a verb of arrival names delivery unless the clause speaks of something else
    assert keyword_aspects(aspect_text("the order arrived late")) == ["delivery"]
    assert keyword_aspects(aspect_text("the soup arrived cold")) == ["product_quality"]
    assert keyword_aspects(aspect_text("غذا داغ رسید")) == ["product_quality"]
    assert keyword_aspects(aspect_text("سفارش دیر رسید")) == ["delivery"]
    assert keyword_aspects(aspect_text("الدفع يعلق")) == ["billing"]
    assert keyword_aspects(aspect_text("التطبيق يعلق")) == ["app_website"]
    assert keyword_aspects(aspect_text("外卖送得很快")) == ["delivery"]
    # packaging written with a ZWNJ, and the clause after a contrast keeps its own aspect
    result = TextPipeline(embedder=False).analyze(
        "غذا خوشمزه بود اما بسته\u200cبندیش افتضاح بود", language="fa"
    )
    polarity = {a["aspect"]: a["polarity"] for a in result["aspects"]}
    assert polarity == {"product_quality": "positive", "delivery": "negative"}


def test_semicolons_and_however_between_commas() -> None:
    from sada.text.sentences import split_clauses

    assert split_clauses("Loved the pasta; the bill, however, was wrong.", "en") == [
        "Loved the pasta",
        "the bill was wrong.",
    ]
    assert split_clauses("great ;) but slow", "en") == ["great ;)", "slow"]  # not an emoticon
    assert split_clauses("服务很好；价格偏高", "zh") == ["服务很好", "价格偏高"]


_PIPELINE: list[TextPipeline] = []


def _polarity(text: str, lang: str) -> dict[str, str]:
    if not _PIPELINE:
        _PIPELINE.append(TextPipeline(embedder=False))
    result = _PIPELINE[0].analyze(text, language=lang)
    return {a["aspect"]: a["polarity"] for a in result["aspects"]}


def test_level_words_take_their_polarity_from_the_aspect() -> None:
    # "high" is bad for a price and good for quality; "smaller" is bad for portions.
    assert _polarity("قیمتش خیلی بالاست", "fa") == {"price": "negative"}
    assert _polarity("质量很高，就是价格也高", "zh") == {
        "product_quality": "positive",
        "price": "negative",
    }
    got = _polarity("Prices went up again and the portions got smaller.", "en")
    assert got == {"price": "negative", "product_quality": "negative"}
    assert _polarity("價格不高，品質也不錯", "zh")["price"] == "positive"  # negated level
    assert _polarity("قیمتا رفته بالا و کیفیتم اومده پایین", "fa") == {
        "price": "negative",
        "product_quality": "negative",
    }
    # 小 inside 小哥 (the courier), 高 inside 高兴 are no level words
    assert level_items("菜很小哥很高兴") == {}
    assert level_items("菜的分量很小") != {}


def test_a_solved_problem_is_good_news() -> None:
    assert _polarity("The agent solved the problem in one call.", "en") == {"staff": "positive"}
    assert _polarity("خدمة العملاء ردوا بسرعة وحلوا المشكلة", "ar") == {"staff": "positive"}
    assert _polarity("پشتیبانی سریع مشکلمو حل کرد", "fa") == {"staff": "positive"}
    assert _polarity("客服很快帮我解决了问题", "zh") == {"staff": "positive"}
    # ... unless nobody solved it
    assert _polarity("پشتیبانی مشکلمو حل نکرد", "fa") == {"staff": "negative"}
    assert _polarity("Support never solved the problem.", "en") == {"staff": "negative"}


def test_app_complaints_and_latin_keywords_next_to_chinese() -> None:
    assert _polarity("The app logs me out every time I open it.", "en") == {
        "app_website": "negative"
    }
    assert _polarity("التطبيق بيهنج كل شوية", "ar") == {"app_website": "negative"}
    assert _polarity("اپلیکیشن همش خطا میده", "fa") == {"app_website": "negative"}
    assert _polarity("APP老是卡死，登不上去", "zh") == {"app_website": "negative"}
    assert "app_website" in keyword_aspects(aspect_text("用了app以后"))


def test_persian_colloquial_suffixes_and_a_clause_with_its_own_subject() -> None:
    assert "product_quality" in keyword_aspects(aspect_text("کیفیتشم خوبه"))
    assert "price" in keyword_aspects(aspect_text("قیمتا خوبه"))
    # "the shoes" opens a clause of its own: it does not take the app's aspect, and
    # (a thing no aspect names) it speaks of the product
    got = _polarity("Checkout throws an error every single time, but the shoes are lovely.", "en")
    assert got == {"app_website": "negative", "product_quality": "positive"}


def test_an_aspect_in_two_clauses_takes_the_surer_one() -> None:
    # the first clause names the price and the sandwich, and "expensive" speaks of the
    # price; the second speaks of the food alone
    got = _polarity("Expensive for a sandwich, but I have to admit it was delicious.", "en")
    assert got == {"price": "negative", "product_quality": "positive"}
    # two clauses that each name only the aspect, one each way: mixed
    assert _polarity("I love the app, but the app crashes every day.", "en") == {
        "app_website": "mixed"
    }


def test_a_clause_about_an_unnamed_thing_speaks_of_the_product() -> None:
    got = _polarity("Got my package a day early, but the mug inside was chipped.", "en")
    assert got["product_quality"] == "negative"
    assert _polarity("الطلب وصل بسرعة بس البيتزا كانت باردة", "ar")["product_quality"] == (
        "negative"
    )
    # a clause without a subject of its own is not given one
    assert _polarity("The delivery was late but I ordered on Monday", "en") == {
        "delivery": "negative"
    }


def test_traditional_chinese_and_dialect_clitics() -> None:
    assert "app_website" in keyword_aspects(aspect_text("帳號一直登入不了"))
    assert "billing" in keyword_aspects(aspect_text("帳單金額不對"))
    assert "delivery" in keyword_aspects(aspect_text("這家外送超快"))
    assert "product_quality" in keyword_aspects(aspect_text("螢幕很清楚"))
    assert "price" in keyword_aspects(aspect_text("الجودة حلوة بهالسعر"))  # ب + ها + السعر
    assert "price" not in keyword_aspects(aspect_text("هالة"))


def test_product_staff_and_money_nouns_in_four_languages() -> None:
    def found(text: str) -> set[str]:
        return set(keyword_aspects(aspect_text(text)))

    assert "product_quality" in found("the blender started smoking")
    assert "product_quality" in found("گوشیه هنوز سالمه")
    assert "product_quality" in found("الغسالة هادية")
    assert "product_quality" in found("这个电饭煲不错")
    assert "staff" in found("the rep was patient")
    assert "staff" in found("کارشناس پشتیبان جواب داد")
    assert "staff" in found("المضيفة كانت لطيفة")
    assert "staff" in found("老板人很好")
    assert "billing" in found("حاسبوني على علبتين")
    assert "billing" in found("被多扣了一次")
    assert "price" in found("人均五百")
    assert "staff" not in found("I filed a report")  # "rep" is a whole word


def test_concessive_openers_and_persian_faghat_split_clauses() -> None:
    from sada.text.sentences import split_clauses

    assert len(split_clauses("با اینکه اپ هنگ کرد، پشتیبانی سریع جواب داد", "fa")) == 2
    assert len(split_clauses("Although the app froze, the agent fixed it", "en")) == 2
    assert len(split_clauses("虽然快递慢了四天，羽绒服质量没得说", "zh")) == 2
    assert len(split_clauses("کفش خیلی راحته، فقط قیمتش یه کم زیادیه", "fa")) == 2
    assert len(split_clauses("الأكل حلو، إنما الخدمة بطيئة", "ar")) == 2
    assert len(split_clauses("这个可以用", "zh")) == 1  # 可以 is no contrast


def test_amounts_emoji_sentence_ends_and_chinese_que() -> None:
    from sada.text.polarity import polar_items
    from sada.text.sentences import split_clauses, split_sentences

    assert keyword_aspects(aspect_text("$40 for eight pieces is insane")) == ["price"]
    assert keyword_aspects(aspect_text("٣٥٠ جنيه كتير أوي")) == ["price"]
    assert keyword_aspects(aspect_text("the app crashed, I paid $5")) == ["app_website", "billing"]
    assert len(split_sentences("Late delivery 🙄 The girl on the phone was lovely")) == 2
    clauses = split_clauses("系统一直繁忙，柜台的工作人员却很快帮我办完了", "zh")
    assert clauses[-1].startswith("柜台")
    # 别 inside 特别 negates nothing
    assert sum(p.value for p in polar_items(model_text("特别靠谱"), rules=True)) > 0


def test_persian_ma_and_aali_are_not_arabic_words() -> None:
    # «ما» is "we" in Persian, «عالی» is "excellent" (Arabic «عالي»: "high")
    pipeline = TextPipeline(embedder=False)
    aspects = pipeline.analyze("با تخفیف قیمتش عالی شد", language="fa")["aspects"]
    assert [a["polarity"] for a in aspects if a["aspect"] == "price"] == ["positive"]
    assert "product_quality" in keyword_aspects(aspect_text("غرفتي نظيفة"))  # article optional
    assert "delivery" not in keyword_aspects(aspect_text("الموقع بطيء"))


def test_new_keywords_stay_whole_words() -> None:
    # short English keywords with inflections would otherwise reach other words
    for text in ("I booked early", "highly rated", "I cared a lot", "the engineer called"):
        assert "product_quality" not in keyword_aspects(aspect_text(text)), text
        assert "price" not in keyword_aspects(aspect_text(text)), text
    assert "billing" not in keyword_aspects(aspect_text("این دفعه تحویل سریع بود"))
    assert "product_quality" in keyword_aspects(aspect_text("the air fryer is great"))
    assert "staff" in keyword_aspects(aspect_text("المدرب كان محترف"))
    assert "delivery" in keyword_aspects(aspect_text("包裹到了"))


def test_without_takes_the_next_word_only() -> None:
    from sada.text.polarity import polar_items

    def score(text: str) -> float:
        return sum(p.value for p in polar_items(model_text(text), rules=True))

    assert score("بدون روغن واقعاً عالیه") > 0  # "without oil, really great"
    assert score("بدون أي مشكلة") > 0
    assert score("بدون هیچ مشکلی") > 0


def test_arrival_with_speed_speaks_of_delivery_too() -> None:
    assert set(keyword_aspects(aspect_text("the food arrived hot and fast"))) == {
        "product_quality",
        "delivery",
    }
    assert "delivery" in keyword_aspects(aspect_text("الأكل وصل سخن وبسرعة"))
    assert keyword_aspects(aspect_text("the soup arrived cold")) == ["product_quality"]


def test_round8_keywords_widen_categories_without_collisions() -> None:
    # more trades and dialects name their aspects...
    assert "staff" in keyword_aspects(aspect_text("the shopkeeper gave me tips"))
    assert "product_quality" in keyword_aspects(aspect_text("the haircut was uneven"))
    assert "price" in keyword_aspects(aspect_text("pretty steep for a paperback"))
    assert "billing" in keyword_aspects(aspect_text("رجعولي المصاري بنفس اليوم"))
    assert "app_website" in keyword_aspects(aspect_text("لابليكاسيون زوينة"))
    assert "price" in keyword_aspects(aspect_text("خیلی به‌صرفه‌ست"))
    assert "staff" in keyword_aspects(aspect_text("卖家态度很差"))
    assert "price" in keyword_aspects(aspect_text("这价格简直是白菜价"))
    # ...and stay off the words they would otherwise reach
    assert "product_quality" not in keyword_aspects(aspect_text("of course it was fine"))
    assert "billing" not in keyword_aspects(aspect_text("یه غذای حسابی خوردیم"))
    assert "staff" not in keyword_aspects(aspect_text("پارچه‌اش لطیفه"))
    assert "app_website" not in keyword_aspects(aspect_text("فکر نمی‌کند"))
    assert "price" not in keyword_aspects(aspect_text("用户评价很好"))


_PIPELINE: list[TextPipeline] = []


def _polarity(text: str, lang: str) -> dict[str, str]:
    if not _PIPELINE:
        _PIPELINE.append(TextPipeline(embedder=False))
    result = _PIPELINE[0].analyze(text, language=lang)
    return {a["aspect"]: a["polarity"] for a in result["aspects"]}


def test_round9_keywords_of_more_trades_without_collisions() -> None:
    assert "staff" in keyword_aspects(aspect_text("the groomer was lovely"))
    assert "staff" in keyword_aspects(aspect_text("الممرضة كانت عصبية"))
    assert "staff" in keyword_aspects(aspect_text("دامپزشک خیلی مهربون بود"))
    assert "staff" in keyword_aspects(aspect_text("前台爱搭不理"))
    assert "price" in keyword_aspects(aspect_text("rent is reasonable"))
    assert "price" in keyword_aspects(aspect_text("شهریه باشگاه ارزونه"))
    assert "app_website" in keyword_aspects(aspect_text("سامانه‌ش همش قطعه"))
    assert "app_website" in keyword_aspects(aspect_text("在小程序上预约很方便"))
    assert "billing" in keyword_aspects(aspect_text("返现准时到账了"))
    assert "delivery" in keyword_aspects(aspect_text("Groceries came in an hour"))
    # words of other languages and other senses stay out
    assert "billing" not in keyword_aspects(aspect_text("باید با کارد خوردش"))  # knife
    assert "price" not in keyword_aspects(aspect_text("ضعف داره"))  # Persian "weakness"
    assert "price" not in keyword_aspects(aspect_text("وما خرجت الا"))  # Arabic "went out"
    assert "delivery" not in keyword_aspects(aspect_text("سفارشم دو بار ثبت شد"))  # "twice"
    assert "price" not in keyword_aspects(aspect_text("平台结算页面清楚明了"))
    assert "product_quality" not in keyword_aspects(aspect_text("لجامعة الدول العربية"))


def test_round9_a_clause_without_polar_words_is_set_against_the_other() -> None:
    # "X, but Y": the clause that says nothing polar reads as the opposite of the other
    got = _polarity("The instructor knows the material, but the platform keeps freezing.", "en")
    assert got["staff"] == "positive" and got["app_website"] == "negative"
    got = _polarity("el akl kan gamed bs el delivery et2akhar sa3teen", "ar")
    assert got["product_quality"] == "positive" and got["delivery"] == "negative"
    # not where the clause holds a negated verb or the other clause names no aspect
    assert _polarity("收到的商品有划痕，客服却说不能退", "zh").get("staff") != "positive"
    assert _polarity("تم استرداد المبلغ لكن بعد شهر", "ar")["billing"] == "negative"
    # nor where a clause only says what was ordered, or a level word ("cheap") decides
    assert (
        _polarity("چای عطری سفارش دادیم ولی معمولی تحویل گرفتیم", "fa").get("product_quality")
        != "positive"
    )
    assert _polarity("Cheap but hey it works.", "en").get("product_quality") != "negative"
    # Persian «ولی» after a topic does not split its clause
    assert _polarity("خود اپلیکیشن ولی خوبه", "fa")["app_website"] == "positive"


def test_round9_a_short_question_takes_its_verdict_from_the_next_sentence() -> None:
    got = _polarity("The staff were lovely. The haircut? Disaster.", "en")
    assert got["product_quality"] == "negative" and got["staff"] == "positive"
    got = _polarity("The sofa is gorgeous. Delivery though? Three weeks late.", "en")
    assert got["delivery"] == "negative"
    # a question followed by something else keeps its aspect
    assert "price" in _polarity("The price? I paid with my card.", "en")
