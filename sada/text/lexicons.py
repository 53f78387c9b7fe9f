"""Aspect keyword lexicons in Arabic, Persian, Chinese and English.

Keywords are matched on `aspect_text` (`fold_for_search`, then traditional
Chinese mapped to simplified), so أ/ا, ي/ی, ك/ک, ة/ه, diacritics and 繁/简 do
not matter. Latin-script keywords match whole words, with English inflections
("app" matches "apps", never "happy" or "disappointing"); Arabic and Persian
keywords match whole words that may carry clitics before (و ف ب ل ك ال) and
suffixes after (ها، ش، تون، ه، ات...); Chinese keywords match as substrings.

Each aspect also has a one-line description in the four languages, used as the
prototype for embedding similarity when embeddings are available.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.aspect_words import ROUND8, ROUND9, ROUND10
from sada.text.normalize import fold_for_search, to_simplified

ASPECTS: dict[str, dict[str, list[str]]] = {
    "delivery": {
        "en": ["deliver", "delivery", "delivered", "shipping", "shipped", "shipment", "courier",
               "driver", "late", "delay", "delayed", "package", "parcel",
               "tracking", "dispatch", "on time", "took hours", "never came",
               "courier's", "postman", "post office", "warehouse", "next day delivery", "showed up late", "never arrived", "never showed up",
               "pickup", "pick-up", "tracking number", "out for delivery", "in transit", "dispatched", "shipping time", "delivery time", "delivery guy", "delivery man", "the driver", "fedex", "dhl", "usps", "royal mail"],
        "ar": ["توصيل", "التوصيل", "الشحن", "شحن", "المندوب", "مندوب", "السائق", "تأخر", "تاخير",
               "متأخر", "الطلب وصل", "الطرد", "الديليفري", "دليفري", "تأخير",
               "اتأخر",
               "شركة الشحن", "المناديب", "الكورير", "المرسول",
               "الشحنة", "شحنتي", "طلبيتي", "الطلبية", "أرامكس", "ارامكس", "سمسا", "البريد", "التوصيله", "وقت التوصيل", "مدة التوصيل"],
        "fa": ["ارسال", "پیک", "تحویل", "دیر", "تاخیر", "تأخیر", "نرسید", "بسته بندی",
               "بسته‌بندی",
               "پست", "بسته", "زمان ارسال", "به موقع", "سر موقع", "بموقع", "دیررس", "ارسالش", "پیکتون",
               "اداره پست", "پستچی", "ارسالشون", "تیپاکس", "لفتش داد", "لفت دادن", "کارتن",
               "مرسوله", "بسته پستی", "کد رهگیری", "رهگیری", "زمان تحویل", "پیک موتوری", "اسنپ باکس", "چاپار"],
        "zh": ["快递", "物流", "送货", "配送", "发货", "到货", "送餐", "外卖员", "骑手", "运输",
               "包装", "速度", "延迟", "派送", "送得", "送来",
               "快递员", "配送员", "送货员", "外卖小哥", "外送员", "顺丰", "出货", "送达", "签收", "派件", "到得", "到货慢", "邮寄",
               "包裹", "快件", "单号", "中通", "圆通", "韵达", "申通", "邮政", "菜鸟", "驿站", "物流信息", "送货上门", "到货时间"],
    },
    "product_quality": {
        "en": ["quality", "product", "food", "taste", "tasty", "fresh", "broken", "defective",
               "works", "worked", "stopped working", "battery", "screen", "sound", "durable",
               "material", "size", "fit", "flavor", "delicious", "cheap quality", "item", "color",
               "colour", "meal", "dish", "burger", "pizza", "sandwich", "coffee", "drink",
               "fries", "chicken", "rice", "dessert", "cake", "pasta", "soup", "salad", "steak",
               "noodles", "bread", "fabric", "portion", "portions",
               "phone", "laptop", "tablet", "headphones", "earbuds", "earphones", "charger", "cable", "speaker", "camera", "tv", "monitor", "keyboard", "printer", "blender", "kettle", "toaster", "fridge", "washing machine", "washer", "dryer", "vacuum", "microwave", "oven", "lamp", "heater", "air conditioner", "device", "gadget", "appliance", "signal", "coverage", "wifi", "internet", "connection", "internet speeds", "shirt", "t-shirt", "jacket", "coat", "hoodie", "sweater", "dress", "jeans", "pants", "trousers", "shoes", "boots", "sneakers", "trainers", "socks", "bag", "backpack", "zipper", "zip", "seams", "stitching", "sleeves", "sofa", "couch", "chair", "dining table", "coffee table", "mattress", "pillow", "sheets", "curtains", "rug", "carpet", "wardrobe", "shelf", "room", "rooms", "bed", "bathroom", "cream", "lotion", "shampoo", "perfume", "lipstick", "makeup", "serum", "soap", "scent", "groceries", "vegetables", "fruit", "avocados", "milk", "eggs", "meat", "fish", "cheese", "sushi", "curry", "dumplings", "cookies", "tacos", "wings", "breakfast", "lunch", "dinner", "tea", "juice", "ice cream", "pastry", "croissant", "kebab", "shawarma", "falafel", "pancakes", "books", "the book", "this book", "novel", "paperback", "hardcover", "pages", "toy", "toys",
               "medicine", "pills", "vitamins", "supplement", "the car", "my car", "new car", "rental car", "vehicle", "tyres", "tires", "bike", "towels", "pool", "gym", "equipment", "machine", "console", "controller", "router", "modem", "sim", "bulb", "freezer", "dishwasher", "hair dryer", "razor", "toothbrush", "skincare", "moisturizer", "foundation", "mascara", "jewelry", "jewellery", "necklace", "earrings", "sunglasses", "glasses", "wallet", "belt", "scarf", "gloves", "leggings", "skirt", "blouse", "pajamas", "underwear", "swimsuit", "stroller", "diapers", "nappies", "crib", "tent", "mug", "cup", "plate", "pan", "pot", "knife", "cutlery", "mixer", "air fryer", "coffee machine", "salmon", "shrimp", "prawns", "lamb", "beef", "pork", "tofu", "ramen", "biryani", "hummus", "nuggets", "burrito", "bagel", "muffin", "donut", "doughnut", "latte", "cappuccino", "smoothie", "milkshake", "beer", "wine", "cocktail", "appetizer", "starter", "mains", "sauce", "toppings", "crust", "broth", "hotel", "apartment", "furniture", "software", "features", "performance", "lenses"],
        "ar": ["الجودة", "جودة", "جوده", "المنتج", "منتج", "الاكل", "الأكل", "اكل", "الطعم",
               "طعم", "لذيذ", "طازج", "خربان", "البطارية", "الشاشة", "الصوت", "المقاس", "النوعية",
               "الخامة", "نظيف", "الوجبة", "الطبق", "اللون", "لون", "الكمية", "كمية",
               "جوال", "الموبايل", "موبايل", "اللابتوب", "لابتوب", "الكمبيوتر", "السماعة", "السماعات", "الشاحن", "الكاميرا", "التلفزيون", "الغسالة", "الثلاجة", "المكيف", "الفرن", "الخلاط", "المكنسة", "الجهاز", "القطعة", "القماش", "الملابس", "لبس", "القميص", "الفستان", "البنطلون", "الجاكيت", "الحذاء", "الجزمة", "الشنطة", "العطر", "ريحته", "الريحة", "الكريم", "الشامبو", "المكياج", "الكتاب", "الأثاث", "الكنبة", "الكرسي", "الكراسي", "السرير", "المرتبة", "الطاولة", "الغرفة", "الغرف", "الشقة", "الشاليه", "الفندق", "الفطور", "الغداء", "العشاء", "البيتزا", "البرجر", "الشاورما", "الفلافل", "الكشري", "الرز", "الأرز", "اللحم", "الدجاج", "الفراخ", "السمك", "الخبز", "الحلويات", "الحلا", "الكنافة", "التورتة", "الكيك", "القهوة", "الشاي", "العصير", "المشروب", "الخضار", "الفواكه", "الفاكهة", "النت", "الانترنت", "الإنترنت", "الشبكة", "التغطية", "البضاعة", "السلعة", "الصنف", "المنتجات", "الأكلة", "الوجبات", "الطبخ",
               "الدواء", "الدوا", "الحبوب", "السيارة", "الإطارات", "المحرك", "المناشف", "المسبح", "الإطلالة", "الجيم", "الأجهزة", "الراوتر", "الشريحة", "الخاتم", "النظارة", "المحفظة", "الحزام", "العباية", "العبايه", "الثوب", "الشماغ", "الطرحة", "البيجامة", "الكوب", "الصحن", "الطنجرة", "المقلاة", "السكين", "العصارة", "القلاية", "اللحمة", "الكبدة", "الشوربة", "السلطة", "المقبلات", "الصوص", "الحمص", "المشاوي", "المندي", "الكبسة", "البرياني", "الملوخية", "المحشي", "الفول", "الطعمية", "الكريب", "الوافل", "الآيس كريم", "الجيلاتي", "البسبوسة", "الكبة", "المنسف", "العصاير", "المزايا", "المميزات", "المواصفات", "الأداء", "الموبايلات", "التلفون الجديد"],
        "fa": ["کیفیت", "محصول", "غذا", "طعم", "خوشمزه", "تازه", "خراب", "باتری", "صفحه",
               "صدا", "جنس", "سایز", "اندازه", "کالا", "پیتزا", "برگر", "کباب", "ساندویچ", "مزه",
               "رنگ", "رنگش", "حجم",
               "گوشی", "موبایل", "لپتاپ", "لپ تاپ", "تبلت", "هدفون", "هندزفری", "شارژر", "کابل", "دوربین", "تلویزیون", "مانیتور", "یخچال", "لباسشویی", "جاروبرقی", "کتری", "چای ساز", "سرخ کن", "اتو", "بخاری", "کولر", "دستگاه", "لباس", "لباسا", "پیراهن", "مانتو", "کاپشن", "شلوار", "کفش", "کوله", "زیپ", "پارچه", "دوخت", "درز", "عطر", "کرم", "شامپو", "لوازم آرایشی", "کتاب", "صحافی", "مبل", "صندلی", "میز", "تخت", "فرش", "پرده", "اتاق", "اتاقش", "هتل", "میوه", "سبزی", "گوشت", "مرغ", "نان", "برنج", "چلو", "قرمه سبزی", "قورمه سبزی", "آبگوشت", "دیزی", "آش", "آش رشته", "سالاد", "نوشابه", "چای", "قهوه", "دسر", "کیک", "شیرینی", "اینترنت", "آنتن", "آنتن دهی", "شبکه", "سیگنال", "محتوا", "محتوای", "جنسش", "خوراک", "ماندگاری",
               "دارو", "قرص", "ماشین", "لاستیک", "حوله", "استخر", "منظره", "باشگاه", "مودم", "روتر", "سیم کارت", "بسته اینترنت", "انگشتر", "گردنبند", "عینک", "کمربند", "کلاه", "شال", "روسری", "پیژامه", "لیوان", "بشقاب", "قابلمه", "ماهیتابه", "چاقو", "آبمیوه گیری", "جوجه", "جوجه کباب", "کوبیده", "چلوکباب", "زرشک پلو", "ته دیگ", "فسنجون", "خورش", "خورشت", "کشک بادمجان", "کوکو", "سوپ", "ماست", "دوغ", "بستنی", "نون", "حلیم", "املت", "سیب زمینی", "سس", "چرخ خیاطی", "نرم افزار حسابداری", "امکانات", "عملکرد", "کارایی", "مبلمان", "آپارتمان", "خوراکی"],
        "zh": ["质量", "品质", "产品", "东西", "味道", "口感", "好吃", "新鲜", "坏了", "电池",
               "屏幕", "萤幕", "音质", "做工", "材质", "尺码", "效果", "性能", "正品", "商品", "颜色",
               "菜", "分量", "份量", "餐点",
               "手机", "电脑", "笔电", "笔记本", "耳机", "音箱", "音响", "充电器", "数据线", "相机", "电视", "台灯", "灯光", "电饭煲", "洗衣机", "冰箱", "空调", "吹风机", "衣服", "羽绒服", "外套", "裤子", "鞋", "裙子", "面料", "版型", "包包", "洗发水", "化妆品", "口红", "面霜", "护肤品", "书", "打印纸", "家具", "沙发", "床垫", "椅子", "桌子", "房间", "隔音", "床单", "麻辣烫", "奶茶", "咖啡", "炸鸡", "牛肉面", "汤头", "小龙虾", "蛋黄酥", "蛋糕", "面包", "水果", "网络", "信号", "网速", "效能", "杂音", "假货", "涂层", "内胆", "菜品", "饭菜", "早餐", "饮料",
               "药品", "保健品", "汽车", "车子", "轮胎", "发动机", "毛巾", "泳池", "景色", "健身房", "器材", "路由器", "光猫", "手机卡", "流量", "戒指", "项链", "耳环", "眼镜", "钱包", "皮带", "帽子", "围巾", "手套", "睡衣", "内衣", "杯子", "盘子", "锅具", "炒锅", "榨汁机", "空气炸锅", "咖啡机", "鸡肉", "牛排", "三文鱼", "虾", "羊肉", "牛肉", "猪肉", "豆腐", "拉面", "米线", "饺子", "包子", "汉堡", "披萨", "薯条", "寿司", "烤鸭", "面条", "米饭", "粥", "汤底", "甜品", "冰淇淋", "啤酒", "红酒", "果汁", "被子", "枕头", "窗帘", "地毯", "灯泡", "键盘", "鼠标", "显示器", "打印机", "平板", "充电宝", "蓝牙", "功能", "手感", "续航", "画质", "像素", "款式"],
    },
    "staff": {
        "en": ["staff", "employee", "agent", "waiter", "waitress", "rude", "polite", "friendly",
               "helpful", "support", "customer service", "service", "manager", "cashier",
               "representative", "attitude", "receptionist",
               "rep", "reps", "flight attendant", "flight attendants", "attendant", "crew", "helpline", "call centre", "call center", "customer care", "operator", "technician", "salesman", "salesperson", "consultant", "hostess", "bartender", "barista", "clerk", "teller", "concierge", "front desk", "advisor", "adviser", "installer", "plumber", "mechanic", "nurse", "doctor", "pharmacist", "owner", "our server", "servers", "team", "guy on the phone", "lady on the phone", "person on the phone", "sales guy",
               "trainer", "coach", "instructor", "teacher", "tutor", "tour guide", "broker", "dealer", "landlord", "property manager", "security guard", "valet", "porter", "housekeeping", "maid", "stylist", "hairdresser", "barber", "therapist", "dentist", "supervisor", "shop assistant", "sales assistant", "specialist", "live chat", "chat agent", "employees", "workers", "personnel", "the guy", "the lady"],
        "ar": ["الموظف", "موظف", "الموظفين", "الموظفة", "خدمة العملاء", "الخدمة", "خدمه",
               "التعامل", "تعامل", "محترم", "وقح", "الاستقبال", "النادل", "المدير", "الكاشير",
               "الدعم", "اسلوب",
               "موظفة", "موظفين", "المضيف", "المضيفة", "المضيفين", "الجرسون", "الويتر", "الفني", "الدعم الفني", "البياع", "البائع", "صاحب المحل", "المالك", "خدمة الغرف", "الطاقم", "الممرضة", "الدكتور", "الطبيب", "الصيدلي", "المبيعات", "الموظفه", "الكول سنتر", "الشباب اللي", "العامل", "العمال",
               "المدرب", "المدرس", "المعلم", "المرشد", "السمسار", "الوسيط", "المؤجر", "صاحب الشقة", "الحارس", "عامل النظافة", "الحلاق", "الكوافير", "طبيب الأسنان", "المشرف", "مسؤول", "المسؤول", "الموظفات", "المحاسب", "الكابتن", "المضيفات", "الفنيين", "العاملين", "البنت اللي", "الراجل اللي", "الرجال اللي", "الأخ اللي", "الاخ اللي"],
        "fa": ["کارمند", "پرسنل", "کارکنان", "برخورد", "رفتار", "پشتیبانی", "مودب", "بی ادب",
               "بی‌ادب", "گارسون", "مدیر", "اپراتور", "خدمات مشتری", "پاسخگویی", "پاسخگو",
               "پشتیبان", "کارشناس", "کارشناسا", "مهماندار", "پیشخدمت", "صندوقدار", "فروشنده", "مسئول", "پذیرش", "منشی", "تعمیرکار", "نصاب", "تکنسین", "صاحب مغازه", "مغازه دار", "دکتر", "پزشک", "پرستار", "متصدی", "نماینده", "کارمندا", "پیشخوان", "آقایی که پشت تلفن",
               "مربی", "معلم", "استاد", "راهنما", "تور لیدر", "مشاور املاک", "بنگاه", "صاحبخونه", "نگهبان", "نظافتچی", "آرایشگر", "دندانپزشک", "سرپرست", "کارگر", "کارگرا", "نیروها", "پرسنلش", "همکار", "همکارتون", "آقایی که", "خانمی که", "کارشناس فروش", "مسئولین"],
        "zh": ["客服", "服务员", "员工", "态度", "服务", "前台", "店员", "热情", "礼貌",
               "工作人员", "经理", "售后",
               "小姐姐", "营业厅", "师傅", "业务员", "销售", "导购", "大堂经理", "柜台", "老板", "老板娘", "服务生", "空姐", "乘务员", "人工客服", "卖家", "掌柜", "医生", "护士", "店长", "保安", "收银员", "前台小哥", "接线员",
               "教练", "老师", "导游", "中介", "房东", "物业", "保洁", "理发师", "牙医", "主管", "客户经理", "专员", "店小二", "服务态度", "小伙子", "大姐", "大哥", "小妹"],
    },
    "app_website": {
        "en": ["app", "website", "site", "login", "log in", "password", "bug", "update", "checkout", "page", "online", "interface", "button", "account",
               "portal", "web portal", "platform", "online banking", "helpline app", "webpage", "browser", "loading", "sign in", "sign up", "otp", "verification code",
               "mobile app", "web app", "ui", "ux", "navigation", "search bar", "notifications", "two-factor", "2fa", "captcha", "link", "links", "email verification", "cart", "shopping cart"],
        "ar": ["التطبيق", "تطبيق", "البرنامج", "الموقع", "الابليكيشن", "تسجيل الدخول",
               "كلمة المرور", "الصفحة", "تحديث", "الحساب", "الواجهة",
               "اونلاين", "أونلاين", "اون لاين", "الأبلكيشن", "الابلكيشن", "المنصة", "رابط",
               "الإشعارات", "الاشعارات", "كود التحقق", "رمز التحقق", "السلة", "سلة المشتريات", "الرابط", "البحث", "النسخة الجديدة", "الأبديت", "الابديت"],
        "fa": ["اپلیکیشن", "اپ", "برنامه", "سایت", "وبسایت", "ورود", "رمز", "آپدیت",
               "به روزرسانی", "صفحه اصلی", "حساب کاربری", "باگ", "کرش", "نرم افزار",
               "همراه بانک", "اینترنت بانک", "پلتفرم", "سفارش آنلاین", "آنلاین", "اپش", "سایتشون", "رمز یکبار مصرف",
               "اعلان", "نوتیفیکیشن", "کد تایید", "سبد خرید", "لینک", "جستجو", "نسخه جدید", "اپلیکیشنش", "وب سایت"],
        "zh": ["app", "应用", "软件", "网站", "网页", "登录", "密码", "闪退", "更新", "界面",
               "系统", "账号", "页面", "客户端",
               # traditional (Taiwan, Hong Kong) forms: 帳號 maps to 帐号, not 账号
               "帐号", "软体", "介面", "登入",
               "小程序", "官网", "网上银行", "手机银行", "网银", "12306", "加载", "验证码", "报错", "卡顿",
               "购物车", "搜索", "推送", "通知", "链接", "新版本", "版本", "注册", "绑定", "二维码", "扫码", "下单页面", "订单页面"],
    },
    "billing": {
        "en": ["bill", "billing", "invoice", "charged", "charge", "refund", "payment", "paid",
               "pay", "card", "overcharged", "subscription", "receipt", "money back", "fee",
               "refunded", "refunds", "fees", "voucher", "deposit", "statement", "cashback", "reimbursed", "reimbursement", "chargeback", "surcharge", "transaction", "double charged", "billed", "my money", "withdrawn", "debited",
               "installment", "instalment", "late fee", "penalty", "down payment", "prepaid", "top-up", "top up", "paypal", "wallet balance", "renewal", "auto-renewal", "cancellation fee", "service charge"],
        "ar": ["الفاتورة", "فاتورة", "الدفع", "دفعت", "ادفع", "أدفع", "يدفع", "بدفع", "دفعنا", "دفعوا", "استرجاع", "استرداد", "المبلغ",
               "خصم", "البطاقة", "الاشتراك", "الرسوم", "فلوسي", "مبلغ", "الحساب البنكي",
               "الفلوس", "فلوس", "رسوم", "خصموا", "يخصم", "يخصمون", "بيخصم", "حاسبوني", "حاسبني", "يحسبون علي", "انحسب", "انسحب", "سحبوا", "اشتراك", "كشف الحساب", "القسط", "الأقساط", "مبلغ تأمين", "رجعوا لي", "ترجيع", "المدفوعات", "الكاش", "الإيصال",
               "الغرامة", "غرامة", "العربون", "الرصيد", "رصيدي", "التحويل", "الكاش باك", "التجديد", "استرجاع المبلغ", "الفيزا", "فيزا"],
        "fa": ["فاکتور", "صورتحساب", "پرداخت", "پول", "برگشت پول", "بازگشت وجه", "کسر",
               "کارت", "اشتراک", "هزینه ارسال", "تراکنش", "مبلغ", "کیف پول",
               "عودت", "وجه رو", "عودت وجه", "شارژم", "قبض", "بیعانه", "قسط", "اقساط", "جریمه", "برگردوندن", "برگردوند", "پولم", "پولمو", "پولشو", "کسر شد", "از حسابم", "درگاه", "درگاه پرداخت", "رسید پرداخت", "حساب کردن",
               "پیش پرداخت", "موجودی", "اعتبار", "کارت به کارت", "واریز", "تمدید", "لغو اشتراک", "شارژ حساب"],
        "zh": ["发票", "付款", "支付", "退款", "扣款", "账单", "收费", "扣费", "退钱", "订阅",
               "银行卡", "信用卡", "帐单",
               "多扣", "扣了", "乱扣", "被扣", "多收", "乱收", "年费", "运费", "邮费", "材料费", "理赔", "入账", "到账", "退回", "退差价", "多付", "话费", "结账", "刷卡", "押金", "充值", "包邮", "退货", "保修费", "违约金", "没退", "退给", "退我",
               "定金", "订金", "尾款", "余额", "积分", "会员费", "服务费", "配送费", "打包费", "餐位费", "茶位费", "退费", "扣钱", "收钱", "续费", "自动续费", "账户"],
    },
    "price": {
        "en": ["price", "prices", "expensive", "cheap", "overpriced", "cost", "costs", "value",
               "worth", "affordable", "discount", "deal", "pricey", "money",
               "priced", "pricing", "costly", "bargain", "steal", "rip-off", "ripoff", "rip off", "robbery", "per month", "per night", "rates", "tariff", "plan price",
               "coupon", "promo", "promo code", "discount code", "on sale", "sale price", "interest rate", "premium", "membership fee", "subscription price", "ticket price", "fares"],
        "ar": ["السعر", "سعر", "الاسعار", "الأسعار", "اسعار", "غالي", "غالية", "رخيص", "مكلف",
               "التكلفة", "الخصم", "عرض", "يستاهل", "قيمة",
               "أغلى", "اغلى", "غلا", "غليت", "غلت", "مستاهل", "مستاهلة", "تستاهل", "مبالغ فيه", "الباقة", "أرخص", "ارخص", "رخيصة", "بسعر", "سعرها", "ريال", "جنيه", "درهم", "دينار", "الإيجار", "ايجار",
               "الكوبون", "كود الخصم", "التخفيضات", "تخفيض", "الفائدة", "الأجرة", "الاجرة", "التسعيرة", "بفلوس", "ببلاش"],
        "fa": ["قیمت", "گران", "گرون", "ارزان", "ارزون", "تخفیف", "هزینه", "می ارزه",
               "میارزه", "نمی ارزه", "ارزش", "گرونه", "قیمتش",
               "کارمزد", "تعرفه", "نرخ", "مفت", "حق بیمه", "قیمتا", "گرونتر", "ارزونتر", "تومن", "تومان", "اجاره", "ارزونیش",
               "کد تخفیف", "کوپن", "حراج", "سود", "بهره", "کرایه", "اجاره بها", "قسط ماهانه", "قیمت گذاری"],
        "zh": ["价格", "价钱", "贵", "便宜", "性价比", "划算", "优惠", "打折", "值得", "不值",
               "实惠", "价位",
               "人均", "票价", "房价", "月租", "手续费", "报价", "单价", "原价", "降价", "涨价", "定价", "售价", "标价", "特价", "块钱", "物美价廉", "价廉",
               "红包", "满减", "利息", "优惠券", "租金", "房租", "车费", "运价", "票钱", "收费标准", "月费"],
    },
}  # fmt: skip

# Later rounds' words (`sada.text.aspect_words`), merged in the order they were added.
for _round in (ROUND9, ROUND8, ROUND10):
    for _aspect, _by_lang in _round.items():
        for _lang, _words in _by_lang.items():
            _have = ASPECTS[_aspect][_lang]
            _have.extend(w for w in _words if w not in _have)

# Keywords that name an aspect only when the clause names no other one: a verb of
# arrival says "delivery" in «سفارش دیر رسید» but not in "the soup arrived cold" or
# «غذا داغ رسید» (the food is spoken of); "freezes" says "app" in «يعلق كثير» but not
# in «الدفع يعلق» (payment is). 外卖 ("the takeout"; 外送 in Taiwan) is the order as a whole.
WEAK_ASPECTS: dict[str, dict[str, list[str]]] = {
    "delivery": {
        "en": ["arrived", "arrive", "came", "showed up", "turned up", "got here"],
        "ar": ["وصل", "وصول", "جالي", "جاني", "وصلني", "سلمني"],
        "fa": ["رسید", "رسوند", "رسوندن", "میرسونن", "میرسه", "برسه", "اومد", "رسیدن", "فرستاد",
               "فرستادن", "فرستادند"],
        "zh": ["送到", "外卖", "外送", "收到", "寄到"],
    },
    "product_quality": {
        # "the phone itself", 「软件本身」: the thing bought, where nothing else is named
        "en": ["itself"],
        "ar": [],
        "fa": [],
        "zh": ["本身"],
    },
    "app_website": {
        "en": ["crash", "crashes", "crashing"],
        "ar": ["يعلق", "يهنج", "بيهنج"],
        "fa": ["هنگ"],
        "zh": [],
    },
}  # fmt: skip

DESCRIPTIONS: dict[str, list[str]] = {
    "delivery": ["delivery, shipping and courier timing", "التوصيل والشحن وتأخر الطلب",
                 "ارسال و تحویل سفارش و تاخیر پیک", "快递物流送货速度"],
    "product_quality": ["quality of the product or food, taste, defects",
                        "جودة المنتج وطعم الأكل", "کیفیت محصول و طعم غذا", "产品质量和味道"],
    "staff": ["staff and customer service behaviour", "تعامل الموظفين وخدمة العملاء",
              "برخورد کارکنان و پشتیبانی", "客服和服务员的态度"],
    "app_website": ["the mobile app or website, login and bugs", "التطبيق والموقع والأعطال",
                    "اپلیکیشن و سایت و مشکلات ورود", "应用程序和网站的问题"],
    "billing": ["billing, payment, charges and refunds", "الفواتير والدفع والاسترداد",
                "پرداخت و صورتحساب و بازگشت وجه", "付款账单和退款"],
    "price": ["price and value for money", "السعر والقيمة مقابل المال", "قیمت و ارزش خرید",
              "价格和性价比"],
}  # fmt: skip

# Arabic clitics that may stand before a word: و ف ب ك ل and the article.
# Levantine / Gulf demonstrative ها before the article: «بهالسعر» ("at this price").
_AR_PREFIX = r"(?:و|ف|ب|ل|ك|ک)?(?:هال|ال|ا?ل)?"
# Suffixes an Arabic or Persian keyword may carry (plural, possessive, enclitics).
# Persian colloquial forms: the plural ـا («قیمتا») and "too" ـم after a possessive
# («کیفیتشم», «ارسالشم»).
_AR_FA_SUFFIX = r"(?:ترین|تره|تر|هاشم|ها|های|هایی|شونم|شم|اشم|ش|اش|تون|شون|مون|م|ت|ه|ی|ات|ين|ون|هم|نا|ك|ک|ي|یش|ا)?"
_EN_SUFFIX = r"(?:s|es|ed|d|ing|er|ers|est|ier|iest)?"
_WORD_START = r"(?<!\w)"
_WORD_END = r"(?!\w)"
# A Latin keyword of the Chinese list ("app") also starts or ends a word next to a
# Chinese character: 「APP老是闪退」, 「用了app以后」.
_HAN_START = r"(?:(?<!\w)|(?<=[\u4e00-\u9fff]))"
_HAN_END = r"(?:(?!\w)|(?=[\u4e00-\u9fff]))"


def aspect_text(text: str) -> str:
    """The form keywords are matched on: folded, traditional Chinese as simplified."""
    return to_simplified(fold_for_search(text))


# Arabic keywords written with the article also match without it («غرفة», «غرفتي»; the
# article is optional in the pattern) — except where the bare word is Persian for
# something else («موقع»: "time" in «به موقع», «حساب»: "account", «تحویل»: "delivery", «دفعه»: "time").
_KEEP_ARTICLE = frozenset(["الموقع", "الحساب", "التحويل", "الدفع", "الكريم"])


def _keyword_form(keyword: str, lang: str) -> str:
    """The keyword as matched: an Arabic one without its article (`_KEEP_ARTICLE`)."""
    if (
        lang == "ar"
        and keyword.startswith("ال")
        and len(keyword) >= 6
        and keyword.split()[0] not in _KEEP_ARTICLE
    ):
        return keyword[2:]
    return keyword


def _core_for(keyword: str, lang: str) -> tuple[str, str]:
    """(kind, core): how a keyword is bounded ("han", "arfa", "zh_latin", "latin") and
    the regex of the keyword itself."""
    keyword = _keyword_form(keyword, lang)
    folded = re.escape(aspect_text(keyword))
    if any("\u4e00" <= ch <= "\u9fff" for ch in keyword):
        return "han", folded
    if lang in ("ar", "fa") or any("\u0600" <= ch <= "\u06ff" for ch in keyword):
        # «چای ساز» also as «چای‌ساز» (the ZWNJ is folded away: «چایساز»)
        return "arfa", folded.replace(re.escape(" "), " ?")
    if lang == "zh":
        return "zh_latin", folded
    return "latin", folded


def _pattern_for(keyword: str, lang: str) -> str:
    kind, core = _core_for(keyword, lang)
    if kind == "han":
        return core
    if kind == "arfa":
        return _WORD_START + _AR_PREFIX + core + _AR_FA_SUFFIX + _WORD_END
    if kind == "zh_latin":
        return _HAN_START + core + _EN_SUFFIX + _HAN_END
    return _WORD_START + core + _EN_SUFFIX + _WORD_END


@lru_cache(maxsize=64)
def compile_keywords(keywords: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    """One regex for (keyword, lang) pairs; matches at word starts (substrings for Chinese)."""
    parts = sorted(
        {_pattern_for(k, lang) for k, lang in keywords if k.strip()}, key=len, reverse=True
    )
    if not parts:
        return None
    return re.compile("|".join(parts))


@lru_cache(maxsize=2)
def aspect_patterns(weak: bool = False) -> dict[str, re.Pattern[str]]:
    """One pattern per aspect: its keywords (`weak`: its weak keywords, `WEAK_ASPECTS`)."""
    out = {}
    for aspect, by_lang in (WEAK_ASPECTS if weak else ASPECTS).items():
        pairs = tuple((k, lang) for lang, words in by_lang.items() for k in words)
        pattern = compile_keywords(pairs)
        assert pattern is not None
        out[aspect] = pattern
    return out


def guess_lang(keyword: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in keyword):
        return "zh"
    if any("\u0600" <= ch <= "\u06ff" for ch in keyword):
        return "ar"
    return "en"


def search_pattern(keywords: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    """A regex that finds a match in exactly the texts where `compile_keywords` does.

    For `search` only (whether a keyword occurs, not which or where): the keywords that
    must start a word share one word-start check, tried only at characters that can begin
    one of them (a clitic, an article or the keyword's first letter); the others (Chinese
    substrings) follow. The plain alternation tries every keyword at every character.
    """
    cores: dict[str, set[str]] = {"arfa": set(), "latin": set()}
    firsts: dict[str, set[str]] = {"arfa": set("وفبلكکاه"), "latin": set()}  # clitics
    plain: list[str] = []
    plain_firsts: set[str] = set()
    for k, lang in keywords:
        if not k.strip():
            continue
        folded = aspect_text(_keyword_form(k, lang))
        if not folded:
            return compile_keywords(keywords)
        kind, core = _core_for(k, lang)
        if kind in cores:
            cores[kind].add(core)
            firsts[kind].add(folded[0])
            continue
        # a literal (Chinese) or a Latin word among Chinese: starts with its letter
        plain.append(_pattern_for(k, lang))
        plain_firsts.add(folded[0])
    if not cores["arfa"] and not cores["latin"] and not plain:
        return None
    # Keywords of one kind share their bounds: word start, clitics, suffixes, word end
    # (the same matches as one bounded pattern per keyword, compiled and tried once).
    alts = []
    for kind, before, after in (
        ("arfa", _AR_PREFIX, _AR_FA_SUFFIX + _WORD_END),
        ("latin", "", _EN_SUFFIX + _WORD_END),
    ):
        if cores[kind]:
            group = trie_alternation(cores[kind])
            look = "(?=[" + _chars(firsts[kind]) + "])"
            alts.append(_WORD_START + look + before + "(?:" + group + ")" + after)
    if plain:
        group = "|".join(sorted(set(plain), key=len, reverse=True))
        alts.append("(?=[" + _chars(plain_firsts) + "])(?:" + group + ")")
    return re.compile("|".join(alts))


def trie_alternation(cores: set[str] | list[str], end: str = "") -> str:
    """The alternation of `cores` (escaped regexes of literal keywords) as a prefix tree:
    the same strings match, but a shared beginning is tried once, not once per keyword.
    Longer continuations come first, as in the longest-first alternation; `end` is
    what must follow a whole keyword (a lookahead)."""
    root: dict[str, dict] = {}
    longest: dict[int, int] = {}  # id(node) -> tokens in the longest keyword through it
    for core in cores:
        tokens = re.findall(r"\\.|\s\?|.", core, flags=re.S)
        node = root
        for tok in tokens:
            node = node.setdefault(tok, {})
            longest[id(node)] = max(longest.get(id(node), 0), len(tokens))
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        children = sorted((t for t in node if t), key=lambda t: -longest[id(node[t])])
        alts = [tok + emit(node[tok]) for tok in children]
        if not alts:
            return end
        if "" not in node:
            return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            return "(?:" + "|".join([*alts, end]) + ")"
        return "(?:" + "|".join(alts) + ")?"

    return emit(root)


def _chars(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


@lru_cache(maxsize=2)
def _aspect_searchers(weak: bool = False) -> dict[str, re.Pattern[str]]:
    """`aspect_patterns` as `search_pattern`s (same matches, found faster)."""
    out = {}
    for aspect, by_lang in (WEAK_ASPECTS if weak else ASPECTS).items():
        pattern = search_pattern(tuple((k, lang) for lang, words in by_lang.items() for k in words))
        assert pattern is not None
        out[aspect] = pattern
    return out


def keyword_starts(folded_text: str, aspect: str) -> list[int]:
    """Where an aspect's keywords occur in an `aspect_text` (folded) text (match starts;
    a clitic before an Arabic or Persian keyword may be counted in)."""
    pattern = _aspect_searchers().get(aspect)
    return [m.start() for m in pattern.finditer(folded_text)] if pattern is not None else []


# An amount of money ("$40 for eight pieces", «٣٥٠ جنيه», «۲۰۰ تومن», 「五百块」) names the
# price where no keyword names anything else.
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d|\d\s?(?:dollars|bucks|euros|pounds|usd|sar|aed|egp)(?!\w)"
    r"|\d\s?(?:ريال|جنيه|درهم|دينار|ليره|تومن|تومان|هزار تومن)|(?:\d|[十百千万两])\s?(?:块|元)"
)


# Words of speed and time next to a verb of arrival.
_ARRIVAL_SPEED = re.compile(
    r"(?<!\w)(?:و|ف)?(?:quick|quickly|fast|late|early|on time|in no time|promptly|بسرعه|سريع|سريعه"
    r"|متاخر|متأخر|بدري|بوقته|دیر|زود|سریع|به موقع|سر وقت"
    # round 8: "came speedy", "in 20 mins", «في يومين», «في معادها», «فرداش»
    r"|speedy|swiftly|early|within|in \d+ ?(?:mins?|minutes|hrs?|hours?|days?)"
    r"|في يوم|في يومين|بيومين|بيوم|في معاده|في معادها|في الموعد|قبل موعده|فرداش|فردا"
    # round 9: "same day", "in an hour", «خلال ساعة», «همون روز»
    r"|same day|same-day|next day|next-day|in an hour|within an hour|within the hour"
    r"|خلال ساعه|خلال ساعتين|خلال يوم|في ساعه|نفس اليوم|همون روز|همان روز|یه ساعته|یک ساعته)(?!\w)"
    r"|快|慢|准时|及时|迟|当天|隔天|第二天|次日|小时就"
)


def keyword_aspects(folded_text: str) -> list[str]:
    """Aspects whose keywords occur in an `aspect_text` (folded) text.

    Weak keywords (`WEAK_ASPECTS`) count only where no other keyword does, and an
    amount of money (the price) only where no keyword does.
    """
    found = [a for a, pattern in _aspect_searchers().items() if pattern.search(folded_text)]
    if found:
        if (
            "delivery" not in found
            and _aspect_searchers(True)["delivery"].search(folded_text)
            and _ARRIVAL_SPEED.search(folded_text)
        ):
            # "the food arrived hot and fast", «الأكل وصل سخن وبسرعة»: how soon it
            # arrived speaks of the delivery too («غذا داغ رسید» alone does not)
            found.append("delivery")
        return found
    found = [a for a, pattern in _aspect_searchers(True).items() if pattern.search(folded_text)]
    if not found and _AMOUNT.search(folded_text):
        return ["price"]
    return found
