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
# More praise and complaint words of customer messages, by language (rule-only too):
# staff manners, food, goods, speed, money.
RULE_POSITIVE_MORE = {
    "en": """gem sweetheart divine gorgeous unbeatable solid stable beast soft
        knowledgeable courteous attentive caring generous seamless intuitive snappy crisp
        spotless spacious cozy cosy juicy crispy flavorful flavourful tender stellar
        exceptional phenomenal flawless painless effortless accommodating welcoming cheerful
        apologised apologized warm comfy roomy durable lightweight quiet bargain steal""",
    "ar": """فخم فخمه مريح مريحه ذوق اللطف لطف كويس كويسه كويسين ممتازه سلس سلسه واضح واضحه
        مظبوط مظبوطه مضبوط مضبوطه سخن سخنه مقرمش مقرمشه هادي هاديه هادئ ثابت ثابته متعاون متعاونه
        محترمين بابتسامه ابتسامه يجنن بيجنن شاطر شاطرين امين نضيف نظيفه مرتب منظم احترافي
        فاخر سهل سهله بسهوله بدقايق بدقائق تمام ماشاءالله يهبل رهيب رهيبه خيال ساعدتني ساعدني
        فعال دقيق منطقي منطقيه حلوين لذيذه طيبين مريحين خدوم""",
    "fa": """مهربون مهربان خونگرم صبور باحوصله با_حوصله خوش_اخلاق خوشاخلاق خوش_برخورد راحت
        راحته سریعه محشر محشره معرکه بی_نقص بینقص درجه_یک تمیزه نرم نرمه خوش_دوخت خوشدوخت
        کاربلد واردن مؤدب دقیق سروقت منصفانه مناسبه شیک خوش_دست خوشدست ماندگار روان پرسرعت
        بامزه جذاب رضایت سالمه فوری بادوام با_دوام خوش_رنگ خوشرنگ نورگیر تمیز_بود عالیه
        بی_دردسر بیدردسر آسون آسان آسونه راضی_ام حرفه_ای حرفه_ایه""",
    "zh": """没话说 没得说 没得挑 绝了 良心 顺利 清楚 清清楚楚 暖和 好看 效率高 秒到账 礼貌 有礼貌
        细心 贴心 好喝 美味 可口 酥脆 稳定 安静 很香 准时 很快 神速 热心 耐心 很专业 舒适
        物超所值 超快 好快 飞快 便宜 实在 正宗 到位 周全 快速""",
}
RULE_NEGATIVE = {
    "en": """froze freezes freezing frozen laggy glitchy buggy unresponsive flimsy leaking leaked
        stuck declined scratched error errors""",
    "ar": """متوسط متوسطه وقح وقحه مرتفع مرتفعه معيوب ناقص تأخر تاخر اتأخر اتاخر تأخرت تاخرت اتأخرت
        اتاخرت يهنج هنج يعلق يفصل عيب عيوب""",
    "fa": """بی_حوصله بیحوصله هنگ ناقص معیوب شکسته پاره متوسط ارور""",
    "zh": """瑕疵 偏高 偏贵 报错 掉色 破损 漏发 错发 少发 敷衍 不耐烦 卡死 崩溃 登不上 转圈""",
}
RULE_NEGATIVE_MORE = {
    "en": """clueless condescending canned nightmare clunky lukewarm rotten crushed torn smoking
        smelled smelly stinks stank mouldy moldy soggy greasy undercooked overcooked burnt
        tasteless dismissive unhelpful incompetent arrogant grumpy impatient lazy careless
        sloppy unprofessional sluggish confusing misleading dodgy shoddy faulty cracked chipped
        dented ripped stained scuffed leaky noisy insane outrageous steep exorbitant
        extortionate pathetic worthless lousy subpar cramped shady ignored hassle mess
        headache wasted overpriced pricey dead drops dropping crept creeping snail lied""",
    "ar": """فظ متعالي بايت ناشف ناشفه مكسوره سيئه ضعيفه غلطه بطيئه زباله مزعج خرب فقير
        قديم قديمه مكرره مكرر تعبت تعبني كذب كذبوا نصابين حراميه بارده وحش وحشه مبالغ
        معفن عفن ريحه_كريهه حار_زياده مالح مالحه محروق ملخبط لخبطه متكبر متعجرف مهمل
        اهمال مطنش مطنشين بطال بطاله تأخروا تاخروا اتأخروا غريبه زياده عيب_كبير مغشوش تقليد""",
    "fa": """بداخلاق بد_اخلاق بی_ادب بیادب شلخته گیج_کننده گیجکننده شلوغ بی_نمک بینمک
        بی_خاصیت بیخاصیت پرچرب چرب بیات یخ_کرده سوخت ترک دعوا بهونه بهانه نجومی نجومیه
        دیرتر لفت مزخرف آشغال اشغال تقلبی فیک بدقول بد_قول بی_مسئولیت بیمسئولیت نامرتب
        مسخره سرسری ایراد پرایراد بدبو قطع_و_وصل بی_خبر بیخبر کرم_داشت پاره_شد بی_کیفیته
        معمولی معمولیه گرونتر گرونتره گرانتر اضافه_گرفتن اضافه_کشیدن کلافه اعصاب_خردکن""",
    "zh": """太咸 咸得 偏淡 有点柴 太柴 发柴 腥 油腻 难喝 发齁 杂音 掉涂层 掉漆 一闪一闪 霉味 头发
        压扁 慢得 卡得 加载不出来 繁忙 提交不了 领不了 推三阻四 特别冲 肉疼 离谱 多扣 多收 乱扣
        乱收 莫名其妙 开错 错误 异常 时好时坏 没法玩 不敢恭维 迟到 排好几天 不一样 不对 假的 坑爹 受骗
        漏水 起球 褪色 缩水 掉毛 太吵 吵 很吵 冷了 凉了 不新鲜 变质 过期 磨损 划痕 有点贵
        太坑 宰客 态度恶劣 不理人 爱答不理 慢吞吞 又涨 又贵 bug""",
}
for _lang, _more in RULE_POSITIVE_MORE.items():
    RULE_POSITIVE[_lang] += "\n" + _more
for _lang, _more in RULE_NEGATIVE_MORE.items():
    RULE_NEGATIVE[_lang] += "\n" + _more
# Round 8 (rule-only as well): more praise and complaint words — Arabic adjectives with
# the accusative ending («متعاوناً», «سيئاً»), Gulf, Levantine, Egyptian and Maghrebi
# words, Arabizi and Finglish, colloquial Persian, Cantonese and Taiwanese forms.
RULE_POSITIVE_ROUND8 = {
    "en": """speedy decent unreal swift swiftly helpful courteous prompt spotless
        bsor3a besor3a 7elo 7elwa 7elu helw momtaz mmtaz tamam sahel sahla zaki
        khoshmaze aali aliye aalie khoob khube aliyeh""",
    "ar": """متعاونا متعاونين متعاونون ودود ودودون ودودين مهذب مهذبا مهذبه متفهم متفهما متفهمه
        مؤدب مؤدبا خلوق ممتازا رائعا جيدا سريعا لذيذا نظيفا لطيفا ظريف ظريفه زوين زوينه مزيان
        مزيانه ساهل ساهله منيح منيحه منيحين بعنايه بسلاسه سلسه عوضتني عوضوني تعويض انخفضت
        انخفض مجاني مجانا متقن""",
    "fa": """به_صرفه صرفه مقرون_به_صرفه مفت خوش_قول خوشقول جبران بادقت باحال
        ایول فرداش تمیزو دقیق_بود""",
    "zh": """贴合 白菜价 有诚意 诚意 主动 道歉 满快 蛮快 清楚明了 一目了然 明了 爽快 好好食 好食
        新净 好有礼貌 回购 点赞 爱了 靠谱 麻利 利索 很稳""",
}
RULE_NEGATIVE_ROUND8 = {
    "en": """doubled hiked bugged clueless shocking appalling disgrace disgraceful gutted livid
        fuming dire cardboard rubbery watery
        ba2et bay2et we7esh wi7esh wa7esh t2akhar et2akhar sayye2 za3ali
        gerun gerune gerune kharab afzaah""",
    "ar": """سيئا رديئا ضعيفا بطيئا غاليا عذاب كارثه كارثي مهزله فضيحه مكسره مكسرين بتبوظ يبوظ
        تبوظ باظت بايظه بايظ ابطا ابطء اتكسر انكسرت تمزق تمزقت ممزق مقطوع منتهيه خفيه مخفيه
        مطنش قليل_الذوق بلا_ذوق بارده_ثلج متكسر مقلوبه مقلوب نيئه""",
    "fa": """کرش نیومد بدقولن بدقولی افتضاحه فاجعه معیوبه آشغاله خوابیده شکست""",
    "zh": """很凶 好凶 凶 答非所问 洒了 撒了 漏了 流得到处都是 涨价 涨了 无语 服了 醉了 气死
        差评 无力吐槽 排半天 排队 推来推去 没人管 不显示 迟迟 跳错误 过期的 很薄""",
}
for _lang, _more in RULE_POSITIVE_ROUND8.items():
    RULE_POSITIVE[_lang] += "\n" + _more
for _lang, _more in RULE_NEGATIVE_ROUND8.items():
    RULE_NEGATIVE[_lang] += "\n" + _more
# Round 9 (rule-only as well): praise and complaint words of more trades (clinics,
# insurance, utilities, cinemas, pet shops, telecom, banks, courses, garages, salons,
# hotels, ride hailing) in four languages, Arabizi and Finglish.
RULE_POSITIVE_ROUND9 = {
    "en": """honest trustworthy reliable thorough gentle instantly instant painless hassle-free
        smoothly slick brilliant superb faultless immaculate pristine patiently respected
        justified artist legend lifesaver reasonably
        mo7taram mo7tram mohtaram gamed gamda 7elwa sahl sahla kwayes kwayyes tamam
        khoob khub aali monasebe monaseb arzoon arzoone rahate rahat""",
    "ar": """حنون حنونه حنونين امين امينه صبور صبوره صبورين فنان فنانه خرافي خرافيه فورا فوري
        بسهوله نظيفه مرتبه محترف محترفه محترفين متابع مهذبه مؤدبه رائعه ممتازه سليم سليمه
        ذوق شاطره شطار دقيقه جميله حلوه زين زينه بنين بنينه زوين مزيان واعر
        جامد جامده رووعه فخامه اسطوره مبدعين عظيمه مذهل مذهله تستاهل كفو كفوو وافي مثالي
        مثاليه متميز متميزه مبهر راقيه بشوش""",
    "fa": """حوصله_داشت با_شخصیت باشخصیت هنرمند هنرمنده درستکار آدم_درستی منصف خوش_اخلاق
        خوشاخلاق خوش_برخورد خوشبرخورد خوش_قیمت کاربرپسند کاربر_پسند مهربونه آقا_بود باکلاس تمیزه مرتب قشنگ قشنگن
        قشنگه شیکه سالم_بود سالم_رسید زود_رسید مطلوب منصفانه_است منصفانست خوشمزست توصیه
        ارزشمند خفن خفنه""",
    "zh": """透彻 顺手 实在 温柔 手艺好 秒到 公道 客气 很客气 划算 实惠 好用 好方便 很方便
        靠谱 干净整洁 整洁 周到 热情 很热情 亲切 親切 好有耐性 耐性 好平 平靓正 真香 扎实 很稳
        清爽 流畅 流暢 好正 好食 新净 干净 超赞""",
}
RULE_NEGATIVE_ROUND9 = {
    "en": """rip-off ripoff ghosted eye-watering nonexistent non-existent double-charged overcharged
        patchy rancid blurry filthy grimy dusty crowded spammy maze pending rude unreliable
        smudges smudged mouldy unusable unreadable faded wobbly laggy crashes crashed crashing
        freezes freezing glitches glitchy dismissive sour snotty grumpy
        ghalia ghalya ghali ghaly we7sh wehsh mesh_kowayes bad_akhlagh badakhlagh geroon gerun
        kharabe kharab dir""",
    "ar": """عصبي عصبيه معدوم معدومه مكشر مكشره مبقع مبقعه وسخ وسخه وسخين واقف
        واقفه مخدوش مخدوشه مكسور مكسوره خربان خربانه خربانين متقطع متقطعه عطلو عطلت معطل
        معطله بطيء بطيئه وايد_بطيء غلطه غلط نار خايس خايسه ماسخ مسوس بارد ناشف تعبان
        بفظاظه فظاظه متكبر متكبره عطل بايخ بايخه تعبانه مخيبه خيبه فوضى فوضوي غبي غباء
        وقاحه قذر قذره تافه تافهه مستفز مستفزه عطلانه هنقر يهنق مضروب""",
    "fa": """سرسام_آور سرسامآور بی_محلی بیمحلی اخمو اخموئه لک_لک لکلک خط_افتاده خرابن خرابه
        خراب_بود بیات کثیف کثیفه کثیف_بودن شکسته_بودن مچاله داغون داغونه
        بی_کیفیت بیکیفیت رو_مخ رو_مخه قاطی گیر_میکنه ناراضیم کلاهبردار کلاهبرداری دزدی
        دروغ دروغگو بیخود چرت بیشعور""",
    "zh": """一问三不知 爱搭不理 黑着脸 黑脸 黑口黑面 太狠 收费太狠 开线 延误 脏兮兮 登不进去
        卡顿 定位错 难食 凍晒 冻晒 差到爆 打不通 打唔通 慢得要命 反人类 转圈圈 碎了 温的
        算错 算错了 不修 不回消息 读不出来 坏的 都是坏的 没声音 起球 老闪退 闪退 hang机 激死 傻眼
        骗子 上当 难用 难看 粗糙 坏了""",
}
for _lang, _more in RULE_POSITIVE_ROUND9.items():
    RULE_POSITIVE[_lang] += "\n" + _more
for _lang, _more in RULE_NEGATIVE_ROUND9.items():
    RULE_NEGATIVE[_lang] += "\n" + _more
# Aspect nouns that the model lexicons count as polar ("refund" negative, "quality"
# positive): in a clause they name what is spoken of, not how it went ("the refund
# came through fine", "poor quality"), so clause polarity leaves them out.
RULE_NEUTRAL = {"en": "refund quality support"}

# Time taken, things that do not open or work, money not returned, "not as pictured",
# "not bad at all" forms, colloquial Persian "(is/was/arrives) on time" («به موقعه»: the
# idiom with the spoken copula).
RULE_IDIOMS_NEGATIVE = """
knows nothing|never returned my calls|never returned my call|didn't return my calls|couldn't care less|
could not care less|a bit much|way too much|far too much|out of order|twice the estimate|double the estimate|
twice the quote|double what was quoted|more than quoted|more than the estimate|by a mile|hit and miss|
takes forever|took forever to|times out|timed out|tastes like it|threw the box|threw my parcel|
left it in the rain|wrong address|wrong pickup|never fitted|parts they never|
ما يفهم شي|ما يفهم شيء|مش ولا بد|ما يفهموا شي|مش فاهم|ما يصلح شي|ما يصلحش|ما رد علينا|ما ردوا علينا|
ما رد على|ما يشتغل|وما يشتغل|ما ركبوهاش|ما ركبوها|ما اشتريتها|ما اشتريتهاش|ما طلبتهاش|خصم من بطاقتي مرتين|
خصمت من بطاقتي|مرتين من بطاقتي|كلفني ضعف|ضعف التقدير|ضعف السعر|أخذت أسبوعين|اخذت اسبوعين|خذا عشر|
عشر ايام|رمى الكرتونه|رمى الطلب|على الأرض|ما عندو حتى خبار|ما عندهم خبر|
جواب تلفنو نداد|جواب نداد|هیچی حالیش نیست|حالیش نیست|درست نمیکنه|هیچی رو درست|
بیشتر از قیمت|اشتباه نشون|اشتباه اومده|تاریخش گذشته|تاریخ گذشته|اجرا نمیشد|اجرا نمیشه|
آنتن نمیده|انتن نمیده|صدا میده|خنک نمیکنه|دو ماه بعد|ده روز طول|پرت کرد|عوض نکرده|
电话一直打不通|一直打不通|登不进去|老是登不进去|什么都不修|就不回消息|不回消息|多收了我|多收了|
贵了一倍|比报价贵|也算进|算进账单|定位错了|晚到了|两个月才|两个星期才|才寄过来|才寄到|
一直黑着脸|全程黑脸|不耐烦|扔在门口|扔在|没法打电话|遲咗|迟咗|
days late|weeks late|like cardboard|tasted like|tastes like cardboard|wouldn't apply|won't apply|
didn't apply|wasn't applied|would not apply|doubled the price|doubled the subscription|prices went up|
price went up|wish the app|re-enter|every single time|not so much|slapped on|object to|short with me|
a bit short|charged twice|charged me twice|billed twice|paid twice|never again|
خصم المبلغ مرتين|المبلغ مرتين|انخصم مرتين|اتخصم مرتين|اندفعلي مرتين|دفعت مرتين|خصموا مرتين|مرتين من|
اخد اسبوع|اخد اسبوعين|اخد شهر|خد اسبوع|خد اسبوعين|اخدت اسبوع|اخدت اسبوعين|استغرق اسبوع|استغرق اسبوعين|
رسوم خفيه|رسوم مخفيه|فوجئت|تفاجات|تفاجئت|انصدمت|لم تذكر|ما ذكروا|لم تكن مبرره|غير مبرره|مش مبرره|
مالها داعي|ما لها داعي|بدون مبرر|تتوقف عن العمل|يتوقف عن العمل|توقف عن العمل|توقفت عن العمل|
يختلف عن الصوره|يختلف تماما|مختلف تماما|منتهيه الصلاحيه|منتهي الصلاحيه|مفيش فلوس|لم يصل|ما وصل|
موصلش|ما وصلش|لسه موصلش|ردود جاهزه|اجابات جاهزه|رد آلي|لم يطبق|ما انطبق|لم تجب|ما ردت|ما رد|
بتبوظ بسرعه|تبوظ بسرعه|يخرب بسرعه|حسبي الله|
کرش میکنه|کرش میکرد|کرش کرد|هی کرش|اعمال نشد|اعمال نمیشه|اعمال نشده|نیومد که نیومد|کپی پیست|
اضافه گذاشتن|اضافه کردن|اضافه کشیدن|کسر کردن|دو بار از|دوبار از|دو بار حساب|دوبار حساب|خبری نیست|
خبری نشد|هنوز خبری|زود میپره|میپره|ثبت نشد|ثبت نمیشه|وسط خرید بسته|در میون قطع|قطعه|آب شده|
افتضاح بود|ساعت دیر|یه ساعت دیر|dir umad|dir oomad|dir resid|
扣了两次|扣两次|重复扣|不生效|没生效|用不上|复制粘贴|等了快|才收到|排半天队|转人工也要
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
没有想象中|没想象中|不如想象|不如预期|没有预期|
a joke|is a joke|why on earth|couldn't get|could not get|can't get it to|no matter what i|was a joke|hung up on me|never got back|nobody got back|no one got back|
has been down|was down|went down|is down|been down all|coming apart|came apart|fell off|
broke on|stopped charging|won't charge|no label|showed up with|smelled like|tastes like plastic|
slow as|good luck finding|come on|on day one|after a week|after a month|after two weeks|
keeps creeping up|keeps going up|creeping up|crept up|daylight robbery|way overpriced|
not worth the money|
الاسعار نار|الأسعار نار|اسعار نار|اسعارهم نار|السعر نار|مبالغ فيه|مبالغ فيها|غير الصور|مو مثل الصور|
مش زي الصور|ما تنأكل|ماتنأكل|ما ينأكل|بالكاد|ولا بيردوا|ما بيردوا|مابيردوش|ما يردوا|ما يفهمون|
ما يفهموا|ما له أي تفسير|ما قالوا عنها|بدون ما يقولوا|ضحك علينا|ضحكوا علينا|انسحب المبلغ|
انسحب مني|سحبوا مني|خصموا علي|خصموا مني|يخصمون|حاسبوني على|يحسبون علي|حجزوا مبلغ|ما فكوه|
لسه ما|لسا ما|بعد ساعه|بعد ساعتين|بعد ساعه ونص|ساعه كامله|عشره ايام|بعد يومين|ما حدث|
ما يشتغل|ما اشتغل|سحبوا الفلوس|سحبوا فلوسي|انسحبت الفلوس|وما ساعدني|ما ساعدني|ما ساعدوني|قليل ادب|قليله ادب|قليلين ادب|يطلع خطأ|يطلع خطا|ما تنغفر|
حوصله ندارن|حوصله نداره|جواب سوالمو|جواب نداد|جواب ندادن|توضیح ندادن|توضیح نداد|
لفتش داد|لفت داد|تو راه بود|تازه رسید|تازه رسیده|تازه اومد|بعد از یه ساعت|بعد از یک ساعت|بعد از دو ساعت|طول کشید تا|یخ کرده بود|در رفت|نخ پاره|ماندگاری نداره|
بوش میره|قطع و وصل|مدام قطع|درست باز نمیشه|محل نذاشت|محل نمیذاره|مجبور شدم|بهونه میگرفت|خط انداخت|
از حسابم کم|از کیف پولم کم|از شارژم کم|پول اضافه|مبلغ اضافه|اضافه گرفتن|اشتباه صادر|
کم کرده|کسر شد|دو بار کسر|بی خبر|بیخبر|نجومیه|هر سال بیشتر|خیلی زیاده|یه کم زیادیه|
اصلا تازه نبود|
慢了整整|才出货|才发货|才到|才退|才退回来|还没退|没退|没有自动减|让我补|又让我补|多付的钱|
加载不出来|一直显示|一直报错|怎么都|根本不一样|根本没法|说话特别冲|打游戏根本|一周就坏|三天就坏|一周就掉|bug多
"""
RULE_IDIOMS_POSITIVE = """
knows her stuff|knows his stuff|knows their stuff|know their stuff|knows what she's doing|
knows what he's doing|paid out|paid out within|was paid out|instantly refunded|refunded instantly|
right on time|great value|good value|worth every penny|worth every rupee|worth it|top notch|
justified it|no questions|within an hour|in under an hour|خلال ساعه|في اقل من ساعه|یه ساعته رسید|一个小时就送到|without having to argue|cheap enough|took a minute|
فاهم شغله|فاهمه شغلها|ميه ميه|مية مية|فاهمين شغلهم|عارف شغله|بقت زي الفل|زي الفل|زي الساعه|في نفس اليوم|
رجعت لي المبلغ|رجعلي المبلغ|رجع المبلغ|بسهوله|في وقته|
حوصله داشت|با حوصله|آدم درستی|آدم درست|مثل ساعت|زود واریز|زود پس داد|همون روز|
خیلی آقا|آقا بود|جنساش اصله|اصله|
秒到|秒到账|很快给我退|当天就|一周就到账|准时到账|开起来很顺|手艺很好|讲得很透彻|没坏|
days early|day early|ahead of schedule|ahead of time|arrived early|came early|piping hot|
safe and sound|came speedy|paid less|less than half|half the price|at least it was cheap|
at least it's cheap|dirt cheap|cheap as chips|no fuss|with no fuss|without fuss|dead easy|
money was back|back in my account|for the money|unreal for|decent deal|
قبل موعده|قبل الموعد|قبل الوقت|في الموعد|في موعده|بالموعد|في معاده|في معادها|بوقته|بوقتها|
في وقته|على الوقت|رجعولي|رجعولي المصاري|بنفس اليوم|الحق يتقال|ما فيه شي|مافيه شي|ما فيه شيء|
بهذه السهوله|بهالسهوله|لا يقاوم|ما يتفوت|ما ينفوت|ما عليه كلام|مفيش احسن|بغايه اللطف|
ما 3alaih kalam|ma 3alaih kalam|ma 3aleh kalam|
فرداش رسید|فردا رسید|فرداش|بازگردانده شد|برگردونده شد|پیگیری کرد|پیگیری کردن|با دقت|درستش کرد|
حلش کرد|جبران کرد|جبران کردن|سر وقت اومد|به موقع اومد|سر وقت رسید|حرف نداره|دمتون گرم|
cp值也高|cp值高|性价比高|性价比也高|处理得满快|处理得很快|退得很快|很爽快|没坏|用了一个月没坏|
بدک نیست|بدک نبود|بد نیست|بد نبود|ما قصروا|ماقصروا|ما قصرتوا|ما قصر|ماقصر|ما قصرت|ماقصرت|
به موقعه|سر وقته|به موقع بود|سر وقت بود|به موقع رسید|سر وقت رسید|به موقع میرسه|سر وقت میرسه|
above and beyond|a steal|was a steal|is a steal|sorted it out|sorted out|sorted my|no questions asked|without any hassle|no hassle|no complaints|rock solid|
in no time|zero crashes|still look new|looks new|like new|worth every|
went through|came through|refund landed|landed in my account|
same day|a day early|lightning fast|super easy|easy to use|works like a charm|
ما عليهم كلام|ماعليهم كلام|ما عليه كلام|ما في أحسن|ما في احسن|مافي احسن|مش وحش|مو سيء|
بدون نقاش|رجعت كامله|رجعوا لي|رجعوا المبلغ|رجّعوا|رجعوا|في نفس اليوم|نفس اليوم|
في غايه اللطف|قمه في الذوق|قمه في الاخلاق|ولا مره|ولا مرة|ما علق|ما علّق|ماعلق|مفيش اي زياده|مفيش أي زيادة|
حرف نداشت|حرف نداره|دمشون گرم|دمش گرم|دستش درد نکنه|دستشون درد نکنه|مثل برق|مثل روز اول|
مثل روز اولشه|مثل پروانه|صفر شده|کرش نکرده|عذرخواهی کرد|خدا رو شکر|برگشت|برگردوندن|برگردوند|عودت دادن|حساب نکردن|
没话说|没得说|没得挑|必须好评|不卡了|从没晚过|从来没晚过|从没乱扣|从来没|秒到账|很香|
一次就成功|按时送达|隔天就到|当天就|下午就到|很快就|退回来了|就退回来了|就到账了|已到账|已经到账|好吃到哭
"""

# Round 10 (rule-only): praise and complaint words of more trades, Iraqi and Maghrebi
# Arabic, Tehrani spoken Persian and Cantonese; "nothing wrong with it" forms
# (negated faults: «ما فيه عيب», «ایرادی نداره», 冇得弹) and sarcasm openers.
RULE_POSITIVE_ROUND10 = {
    "en": """careful spotless patient courteous knowledgeable attentive
        lovely sweetheart smooth seamless zo2 mo7tarameen""",
    "ar": """مزيان مزيانه ظريف ظريفه ظراف ظرفاء لطاف لطيفين امناء سلسه سلس زينين اوادم خوش
        محترمين متعاون متعاونه""",
    "fa": """روون روان فرز خوشرنگ خوشرنگه خوشدوخت خوشساخت محکم دقیق مودب""",
    "zh": """冇得弹 好好 贴心 麻利 老实 细心 流畅 顺畅 热乎 结实 合身 满意""",
}
RULE_NEGATIVE_ROUND10 = {
    "en": """brassy mouldy moldy leaks leaking leaky squeaks squeaky stale smelly shrunk
        faulty dented scratched buffers buffering lags maze absurd grumpy
        r5ees kharbana kasif kharab gerone geroone""",
    "ar": """شينين شين خايب خايبه خايبين كيبلوكي يبلوكي مبلوكي ماسخه بايت بايته يسرب
        ثقيل_دم نصب مطفي معفن معفنه""",
    "fa": """معطل معطلمون معطلم بدقول بی_ادب بیادب گیجکننده چکه کپک پاره_پوره سرکیسه
        علاف بیات بداخلاق""",
    "zh": """劝退 发霉 漏水 缩水 爱理不理 放鸽子 放我鸽子 卡住 复读 抢钱 坑 太坑 离谱
        扔在 多咗 唔知咩""",
}
for _lang, _more in RULE_POSITIVE_ROUND10.items():
    RULE_POSITIVE[_lang] += "\n" + _more
for _lang, _more in RULE_NEGATIVE_ROUND10.items():
    RULE_NEGATIVE[_lang] += "\n" + _more
RULE_IDIOMS_NEGATIVE += """|
great, another|oh great|just great|yeah right|thanks for nothing|wow, only|amazing, really|
kept us waiting|kept me waiting|left us waiting|on hold for|an hour on hold|hour on hold|
to get through|before anyone answered|before anyone picked up|before someone answered|
nobody picked up|no one picked up|nobody answered|no one answered|never showed up for|
went up again|doubled on|over the estimate|over the quote|a rip-off|
ما رد علي|ما حد رد|محد رد|ما حدا رد|ما ردوا علي|مش متعاون|مو متعاون|ما كانش|ماكانش|ما خلاني|
خلانا نستنى|خلاني استنى|استنيت ساعه|استنينا ساعه|ضعف السعر|تضاعف|ما انضاف|لسه ما رجع|
منتظرم|منتظریم|هفتست منتظر|معطلمون کرد|معطلم کرد|پشت خط موندم|بار زنگ زدم|کسی جواب نداد|
جواب نداد|جواب نمیده|لب نمیزنه|نذاشت|
才有人接|没人接|没人回|等了半个月|等了一个月|多等了|放我鸽子|一封都不回|都不回|不让我|
才到账|还没到账|多了一笔|翻了一倍|又涨了|
more than the quote|way more than|after the estimate|past the estimate|later than the estimate|
past the window|hours past|days past|a week after|week late|without asking|without telling|
without permission|reading a script|read from a script|charged my card three|three times for one|
double-booked|double booked|charged my card twice|
ما بيزبط|ما بيزبطش|ما يزبط|بيكدب|يكذب|يتعطل|تتعطل|للحين تقطع|ما رجعوش|ما وصلاتش|ماوصلاتش|
ما وصلتش|موصلتش|خلصوني جوج|بيتقشر|عالفاضي|على الفاضي|
جواب ایمیل نمیده|جواب ایمیلمو نمیده|جواب پیام نمیده|جواب تلفن نمیده|javab nemide|javab nadad|
tool keshid|dir kard|bi adab|khoob nabood|
لب نمی زنه|جواب نمی ده|جواب ایمیل نمی ده|گیر می کنه|قاطی می کنه|چکه می کنه|گیج کننده|بی ادب|
排不上|打唔通|成日hang机|
"""
RULE_IDIOMS_POSITIVE += """|
nothing wrong with|can't fault|cannot fault|no faults|
ماكو بيه شي|ماكو شي|ما بيه شي|ما فيه أي عيب|ما فيه اي عيب|ما فيه عيب|مافيه عيب|لا غبار عليه|
لا غبار عليها|ما عليه شي|ما قصرت|ماقصرو|
ایرادی نداره|ایرادی نداشت|ایراد نداره|ایراد نداشت|هیچ ایرادی|مشکلی نداره|مشکلی نداشت|کم نذاشت|
冇得弹|没毛病|无可挑剔|挑不出毛病|不算贵|不贵|
يعرف خدمتو|يعرف خدمته|يعرف شغلو|يعرف شغله|تعرف شغلها|عارف خدمتو|
ارزششو داشت|ارزشش رو داشت|ارزشش را داشت|میارزید|کارش عالی|
ba adab|真系平|啲货平|
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
