"""Small hand-written polarity lexicons (our own): words, idioms, emoji, negators and
intensifiers per language, as data only.

`sada.text.polarity` turns them into model features and clause polarity: it folds
each word as `model_text` sees the text (folded letters, lower case), so they are
written here as people spell them. Space-separated strings hold one entry per word
(`_` stands for a space or a ZWNJ inside an entry); idiom blocks hold one phrase
between each `|`.

Two sets: the model lexicons (`POSITIVE`, `NEGATIVE`, `IDIOMS_*`) are the features the
shipped models were trained with, so changing them changes every model's figures; the
`RULE_*` additions are read by clause polarity (`sada.text.rules`) only.
"""

from __future__ import annotations

# ---------------------------------------------------------------- model lexicons

POSITIVE = {
    "en": """good great excellent amazing awesome love loved lovely perfect best nice happy
        fantastic wonderful helpful friendly fast quick fresh delicious tasty recommend
        recommended satisfied pleasant brilliant superb outstanding polite clean easy smooth
        reliable impressive enjoy enjoyed glad thanks thank beautiful cool fine favorite
        worth comfortable kind professional efficient super yummy incredible quality""",
    "ar": """جيد جيده ممتاز ممتازه رائع رائعه جميل جميله حلو حلوه لذيذ لذيذه افضل أفضل احسن
        شكرا شكراً مشكور سريع سريعه نظيف نظيفه انصح أنصح مريح مريحه ممتع روعه روعة طازج طازجه
        رخيص لطيف لطيفه
        تحفه تحفة عظيم سعيد مبدع مميز مميزه محترم محترمين راقي طيب زين يجنن خرافي
        الحمدلله حبيت احب أحب عجبني يستاهل موفق ابداع متعاون لطيف""",
    "fa": """خوب عالی عالیه خوبه خوشمزه تازه ممنون مرسی سپاس سریع تمیز بهترین
        بهتر راضی راضیم عاشق دوست_داشتم پیشنهاد_میکنم مودب محترم گرم دلچسب شیک
        فوق_العاده بینظیر بی_نظیر لذیذ باکیفیت با_کیفیت ارزان مناسب خوشحال دمتون
        دستتون_درد_نکنه قشنگ کامل مرتب زیبا حرفه_ای ارزون ارزونه""",
    "zh": """好 很好 不错 满意 喜欢 推荐 值得 漂亮 舒服 很快 干净 方便 好吃 优秀 完美 棒
        赞 超值 实惠 划算 热情 周到 耐心 新鲜 给力 感谢 谢谢 惊喜 精致 物美价廉 好评
        挺好 还行 满分 靠谱 清晰 流畅 结实 挺快 真快 特别快 非常快 准时""",
}
NEGATIVE = {
    "en": """bad terrible awful horrible worst poor disappointing disappointed hate hated
        slow late cold rude broken dirty useless waste wrong problem issue never annoying
        expensive overpriced refund angry unhappy sucks sucked fail failed failure crash
        crashed missing stale bland nasty disgusting unacceptable ridiculous scam fraud
        delayed damaged defective mediocre ugly boring worse cancel cancelled complaint""",
    "ar": """سيء سيئ سيئه سيئة سئ زفت فاشل فاشله خايس خايسه وسخ وسخه متأخر متاخر تأخير تاخير
        بارد بارده غالي غاليه مقرف مقرفه اسوا أسوأ اسوء تعبان سرقه سرقة نصب حرامي
        مشكله مشكلة مشاكل خربان خربانه معطل ضعيف ضعيفه رديء ردئ مزعج ممل للاسف للأسف
        خساره خسارة ندمت حرام قرف زباله زبالة كذاب مخيب غلط خطأ خطا فشل بطيء بطئ معلق
        متعطل عطلان خربت مكسور""",
    "fa": """بد بده افتضاح افتضاحه سرد دیر تاخیر تأخیر گران گرون کثیف خراب
        بی_کیفیت بیکیفیت بی_مزه بیمزه بدمزه ضعیف ناراضی متاسفانه متأسفانه
        بدترین بی_ادب شور سوخته مشکل اشتباه ناامید حیف کلاهبرداری
        افتضاحی داغون کهنه زشت کند کنده""",
    "zh": """差 很差 太差 不好 失望 垃圾 慢 太慢 贵 难吃 脏 坏 破 假货 退货 投诉 后悔 糟糕
        烂 差劲 恶心 态度差 不满意 问题 毛病 坑 骗 没用 不值 一般 发霉 异味 卡顿 闪退 不行 不太行""",
}

# Price and complaint idioms: expressions whose words alone say little or mislead.
IDIOMS_NEGATIVE = """
rip off|ripoff|waste of money|waste of time|not worth|never again|no one answers|nobody answers|
no one answered|nobody answered|no one responds|nobody responds|keeps crashing|keep crashing|
still waiting|too expensive|way too expensive|costs a fortune|daylight robbery|never arrived|
never came|no response|no reply|one star|zero stars|too high|so high|very high|price is high|
prices are high|too much money|costs too much|overcharged|charged twice|double charged|
مو مستاهل|ما يستاهل|مايستاهل|لا يستاهل|محد يرد|ما حد رد|ماحد رد|ما احد رد|محدش رد|محدش بيرد|
لا احد يرد|ما يرد|مايردون|ما يردون|ما ردوا|ماردوا|غالي جدا|غالي مره|يعلق|يهنق|ما يشتغل|مايشتغل|سعر خيالي|اسعار خياليه|سرقه|نصب واحتيال|ما وصل|لم يصل|ما رد|لم يرد|
لن اكرر|ما راح اكررها|مارح اكرر|لن اعود|اخر مره|
گرونه|خیلی گرون|گرون بود|قیمت بالا|قیمتش بالاست|ارزش نداره|ارزش نداشت|نمی ارزه|نمیارزه|
پول دور ریختن|دیگه سفارش نمیدم|دیگه نمیخرم|کسی جواب نمیده|کسی جواب نداد|جواب ندادن|هیچکس جواب|
نرسید|هنوز نرسیده|دوبار کسر|دو بار کسر|پولم کسر|پولم رفت|
太贵|不值|坑人|没人理|没人回复|没人管|再也不买|再也不会|一直闪退|老是闪退|骗人|等了很久|还没到|没收到
"""
IDIOMS_POSITIVE = """
worth every penny|worth it|value for money|highly recommend|would recommend|five stars|
cheap price|good price|low price|great price|fair price|reasonable price|great value|
يستاهل كل ريال|يستاهل|انصح فيه|انصح به|
می ارزه|میارزه|ارزش خرید داره|پیشنهاد میکنم|حتما بخرید|دمتون گرم|دستتون درد نکنه|به موقع|سر وقت|
物超所值|值得购买|强烈推荐|五星好评|下次还来|还会再来|性价比高|性价比很高
"""

# Emoji carry sentiment the same way in every language (a character in both sets counts
# as positive). Emoticons (":)", ":(") are matched by a pattern in `sada.text.polarity`.
EMOJI_POSITIVE = frozenset(
    "😀😁😂😃😄😅😆😊😇😍😘😗😙😚😋😛😜😝😎🤩🥰🥳🤗👍👌👏🙌💯🔥❤💙💚💛💜🧡🤍🤎💕💖💗💓💞💝"
    "🌹🌷🌸💐🎉🎊✨⭐🌟☺♥✌🙏🤤😻👑🏆🥇✅"
)
EMOJI_NEGATIVE = frozenset(
    "😞😟😠😡🤬😢😭😤😩😫😒🙄😣😖😔☹🙁😕🤮🤢💔👎😱😰😓😧😨💩😑😐😶🤦🤷😿😾❌⛔🚫🐢🤡🥵🥶😷🤕"
)

# ---------------------------------------------------------------- rule-only additions

# Used by clause polarity (`sada.text.rules`) and clause splitting, never as model
# features — the shipped models were trained with the lexicons above, so their features
# (and every figure measured with them) stay as they were. Complaint and praise words of
# customer messages the lexicons lacked.
RULE_POSITIVE = {
    "en": """quickly promptly fixed resolved solved sturdy accurate responsive patient slick""",
    "ar": """بأدب بادب باحترام بسرعه بسرعة معقول معقوله مناسب مناسبه حلوا حلت اتحلت انحلت""",
    "fa": """منصفانه سالم خوش_برخورد حل""",
    "zh": """及时 迅速 专业 好用 顺畅 解决""",
}
RULE_NEGATIVE = {
    "en": """froze freezes freezing frozen laggy glitchy buggy unresponsive flimsy leaking leaked
        stuck declined scratched error errors""",
    "ar": """متوسط متوسطه وقح وقحه مرتفع مرتفعه معيوب ناقص تأخر تاخر اتأخر اتاخر تأخرت تاخرت اتأخرت
        اتاخرت يهنج هنج يعلق يفصل عيب عيوب""",
    "fa": """بی_حوصله بیحوصله هنگ ناقص معیوب شکسته پاره متوسط ارور""",
    "zh": """瑕疵 偏高 偏贵 报错 掉色 破损 漏发 错发 少发 敷衍 不耐烦 卡死 崩溃 登不上 转圈""",
}
# Aspect nouns that the model lexicons count as polar ("refund" negative, "quality"
# positive): in a clause they name what is spoken of, not how it went ("the refund
# came through fine", "poor quality"), so clause polarity leaves them out.
RULE_NEUTRAL = {"en": "refund quality support"}

# Time taken, things that do not open or work, money not returned, "not as pictured",
# "not bad at all" forms, colloquial Persian "(is/was/arrives) on time" («به موقعه»: the
# idiom with the spoken copula).
RULE_IDIOMS_NEGATIVE = """
took forever|took ages|took weeks|took a week|took a month|not as described|not as pictured|
scratches easily|scratch easily|scratched easily|breaks easily|broke easily|tears easily|
fell apart|falls apart|extra charge|extra charges|charged extra|hidden fee|hidden fees|
hidden charges|extra items|
logs me out|logged me out|logging me out|log me out|kicks me out|kicked me out|kicking me out|
signs me out|signed me out|won't open|wont open|won't let me|can't log in|cannot log in|
couldn't log in|
doesn't work|does not work|didn't work|stopped working|won't load|wouldn't load|
اخذ اسبوع|اخذ اسبوعين|اخذ شهر|اخذ وقت طويل|بعد شهر|بعد اسبوعين|بعد اسبوع|ما يفتح|مايفتح|لا يفتح|
مش بيفتح|ما يعمل|لا يعمل|مايعمل|ما ينجح|مش شغال|مو شغال|مب شغال|ما يحمل|غير مطابق|مو مطابق|
مختلف عن الصوره|يطلعني|بيطلعني|يطلعنی|ما بيفتح|ما بيشتغل|مش بيشتغل|
انجام نشد|انجام نشده|برنگشت|برنگشته|پس ندادن|واریز نشد|واریز نشده|هنگ میکنه|هنگ کرد|هنگ میکند|
با عکس فرق|با عکسش فرق|مثل عکس نبود|مثل عکسش نبود|قیمتش زیاد|قیمت زیاد|قیمتا زیاد|قیمتها زیاد|
قیمت ها زیاد|هزینه زیاد|ارور میده|ارور داد|ارور میداد|خطا میده|خطا داد|خطا میداد|باگ داره|
باز نمیشه|باز نشد|بالا نمیاد|بالا نیومد|قطع میشه|
与图片不符|和图片不一样|跟图片不一样|与描述不符|和描述不符|没到账|未到账|登录不了|打不开|用不了|
没有想象中|没想象中|不如想象|不如预期|没有预期
"""
RULE_IDIOMS_POSITIVE = """
بدک نیست|بدک نبود|بد نیست|بد نبود|ما قصروا|ماقصروا|ما قصرتوا|ما قصر|ماقصر|ما قصرت|ماقصرت|
به موقعه|سر وقته|به موقع بود|سر وقت بود|به موقع رسید|سر وقت رسید|به موقع میرسه|سر وقت میرسه
"""

# ---------------------------------------------------------------- negation and emphasis

NEGATORS = {
    "en": "not no never don't dont doesn't doesnt didn't didnt isn't isnt wasn't wasnt won't "
    "wont can't cant cannot nothing hardly without",
    "ar": "ما لا لم لن ليس ليست مش مو مب مب مهو مهي ماهو ماهي غير بدون مافي ماكان ماكانش مفيش",
    "fa": "نه هیچ بدون اصلا",
    "zh": "不 没 没有 别 无 未 不是 不太",
}
# Persian negation follows the word it negates ("بد نبود" = not bad, "راضی نبودم" =
# not satisfied): a negated copula or auxiliary within the two words after a polar
# word flips it. (Negated verbs carrying the prefix ن / نمی, "نپسندیدم", are found by
# their prefix.)
FA_POST_NEGATORS = """نبود نبودم نبودن نبودند نبودش نیست نیستش نیستم نیستن نیستند نشد نشده
    نمیشه نمی_شه نمیشد نداشت نداشتم نداره ندارد نداشتن نکرد نکردم نمیکنم نمیکنه نبوده"""
# A Persian negated verb written apart from its prefix (ZWNJ → space in `model_text`):
# «هنگ نمی‌کنه», «کار نمی‌کنه».
FA_SPLIT_NEGATORS = "نمی نمي"
# "nobody fixed the problem", «محد حل المشكلة», «کسی مشکلو حل نکرد» (the verb negated too)
NOBODY = "nobody noone محد محدش ماحد حدا"
# "not only … but", «نه تنها … بلکه», «ليس فقط»: the negator does not negate.
NOT_ONLY = "only just تنها فقط"
# Words that may stand between an English negator and the word it negates ("not very
# good", "never had an issue", "wasn't rude or anything"); any other word ends the scope
# ("they never refunded my cancelled order": "cancelled" is not negated).
EN_SCOPE = """a an the any at all be been being is was are were am it it's its this that
    that's very so too really quite overly particularly even exactly remotely terribly that
    much have has had having get got getting feel felt seem seemed seems look looked looks
    think thought find found i me my you your we our they them he she one single bit as
    entirely completely always ever"""
# Chinese: a negator before a negated term (「没有不耐烦」「并不差」), and "not only"
# (「不仅慢，而且…」).
ZH_DOUBLE_NEGATORS = ("没有", "没", "不是", "并不", "从不", "从没", "毫不", "并没有")
ZH_NOT_ONLY = ("不仅", "不但", "不只")

# Words that make the next polar word stronger (or, for "اصلا"/"at all", mark emphasis).
INTENSIFIERS = """very so really too extremely super totally absolutely incredibly highly
    truly جدا جداً كثير كتير مره مرة وايد خالص اوي قوي تماما للغايه خیلی بسیار واقعا
    کاملا خیلیی فوق_العاده زیادی شدیدا"""
ZH_INTENSIFIERS = ("非常", "特别", "十分", "超级", "太", "很", "超", "真", "挺", "好", "极")

# ---------------------------------------------------------------- rule-only cues

# Before a waiting time, words that make it short ("only took a day").
QUICK = "only just under less within فقط"
# A problem noun near a verb of solving: the problem is gone ("solved the problem",
# «حلوا المشكلة», «مشکلمو حل کرد», 「解决了问题」).
PROBLEMS = "problem problems issue issues"
PROBLEM_STEMS = ("مشكل", "مشاكل", "مشکل")
SOLVERS = """fixed solved resolved sorted fix solve resolve حل حلوا حلت حلها حلولي اتحلت
    انحلت اتحل انحل"""
ZH_PROBLEMS = ("问题", "毛病")

# ---------------------------------------------------------------- word endings

# Arabic and Persian suffixes a lexicon word may carry ("مشکلی"), tried in this order.
SUFFIXES = ("هایی", "های", "ها", "یی", "ی", "ش", "ه", "ت", "م", "ات", "ين")
# Persian comparatives («ارزونتره», «بدتر»): rule-only, the models' features never had them.
RULE_SUFFIXES = ("ترین", "تره", "تر", *SUFFIXES)
