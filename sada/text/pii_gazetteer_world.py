"""Round 7 gazetteer data: given and family names by origin, in three scripts, and cities.

`sada.text.pii_gazetteer` folds these lists into its sets. They were written from
general knowledge of frequent names, grouped by origin so that a missing group is
easy to see, not by the sentences of any fixture:

- Latin script: African (Nigerian, Ghanaian, East and Southern African), Turkish,
 Kurdish, Afghan, South Asian, Filipino, Latin American, Slavic, German / Nordic /
 French, Maori and Pacific, African-American given names; family names of the same
 origins.
- Arabic and Persian script: foreign given and family names as they are usually
 transliterated (Russian, English, Indian, Turkish, Chinese, Filipino), and Afghan,
 Kurdish and Gulf given names. A foreign family name counts only after a given name.
- Chinese characters: transliterated foreign given names (法蒂玛, 艾哈迈德, 伊万) that
 stand alone in a sentence as a person.
- City names of the target countries in Arabic and Persian script: an address that
 starts with one («تهران، خیابان…», «عمّان، عبدون، شارع…») takes it in.
"""

from __future__ import annotations

LATIN_GIVEN_WORLD = """
chinedu chidi chiamaka chioma ngozi nkechi adaeze obinna emeka ikenna uchenna nnamdi ifeoma
oluwaseun seun tunde babajide adebayo ayodele folake funmilayo yetunde temitope bukola kehinde
taiwo femi segun kwame kofi kwabena akosua ama abena yaw kojo esi efua amara zuri wanjiru
wambui kamau otieno achieng njeri thabo sipho themba lerato nomsa zanele bongani mandla
thandiwe tendai tafadzwa chipo kudzai abebe almaz tigist dawit selam haile mekdes yonas
deshawn deandre darnell tyrone jamal jamar malik lamar latoya shanice tanisha keisha aaliyah
imani jada kiara tamika dashawn terrell marquis jalen
ahmet mehmet mustafa emre burak murat hakan serkan cem can kerem oguz volkan ayse fatma
zeynep elif esra merve ozlem gul gulsen yasemin ebru deniz selin tugba hatice emine
sirwan shwan rebin dilan rojin zana hevin berivan nechirvan karwan soran azad hawre
gulalai zabihullah hamidullah rahmatullah najibullah ahmadullah habibullah shakila freshta
fereshta wahida mursal zarghona lailuma nilofar sediqa mirwais wais jawid naweed
priyanka venkat ramesh suresh mahesh ganesh rajesh dinesh lakshmi meena divya anjali
shreya aishwarya swati nisha rekha geeta sita ravindra sanjay ajay vikram rohit sachin
harpreet gurpreet manpreet jaspreet simran navdeep arvind krishna srinivas imran asif
bilal faisal usman zeeshan kashif nadia sana hira ayesha saima rukhsana tahmina farhana
maricel marites jocelyn rowena analyn rodel jomar jericho arnel rhea
jhun joy-ann mariel angelica
alejandro andres camila valentina mariana fernanda gabriela daniela paola ximena
guadalupe rodrigo santiago mateo sebastian emiliano joaquin francisco ricardo eduardo
fernando gustavo rafael thiago joao leticia beatriz juliana marisol esperanza
dmitri dmitry sergei sergey ivan vladimir alexei aleksandr nikolai mikhail andrei yuri
igor oleg olga natasha natalia svetlana tatiana irina ekaterina anastasia elena oksana
pavel tomasz piotr krzysztof katarzyna agnieszka magdalena
jurgen jürgen klaus wolfgang dieter helmut uwe jens lars sven stefan matthias tobias
lukas jonas felix ingrid birgit ursula sabine katrin anke heike frauke astrid
francois françois jean-pierre jean-luc pierre philippe thierry olivier nicolas
sebastien amelie camille margaux chloe manon celine aurelie
giuseppe giovanni francesco alessandro matteo lorenzo giulia chiara francesca
aroha tane wiremu hemi ngaire moana kahu sione losa
noor rey mo deshaun
"""

LATIN_FAMILY_WORLD = """
okonkwo okafor okeke eze nwosu obi adeyemi adebayo ogunleye balogun mensah asante boateng
owusu kamau otieno mwangi njoroge dlamini nkosi ndlovu khumalo mokoena moyo banda phiri
yilmaz yılmaz kaya demir sahin şahin celik çelik ozturk öztürk aydin aydın arslan dogan
kilic kılıç
karimi rahimi ahmadzai popal stanikzai barakzai durrani
sharma verma gupta patel shah mehta iyer nair reddy rao kumar singh kaur chopra kapoor
malhotra joshi desai venkataraman krishnan subramanian chatterjee banerjee mukherjee
dela delacruz santos reyes bautista villanueva mendoza aquino ramos castillo
volkov ivanov ivanova petrov petrova smirnov smirnova kuznetsov popov sokolov
novak kowalski nowak wisniewski
weiss weiß müller mueller schmidt schneider fischer wagner becker hoffmann schulz
dubois moreau laurent lefebvre rossi russo ferrari esposito bianchi
ngata tuhoe
"""

# Given names that are also ordinary words are not here (Persian «جون», Arabic «سيتي»).
ARFA_GIVEN_WORLD = """
ديمتري دميتري سيرغي سيرجي إيفان ايفان فلاديمير أليكسي اليكسي نيكولاي ميخائيل أندريه
أولغا اولغا ناتاشا سفيتلانا تاتيانا إيرينا ايرينا
جورج مايكل ديفيد دافيد ويليام وليام روبرت ريتشارد توماس جيمس كريستوفر دانيال
ماريا ماري جينيفر جنيفر إليزابيث اليزابيث سارة
بريا بريانكا أنيل انيل سونيل راهول راجيش راميش سوريش ديباك فيجاي أميت اميت
راجو راجا راجو كريشنا لاكشمي أنيتا انيتا سونيتا بوجا نيها ديفيا أنجالي
مهمت محمت أحمت احمت أمره امره بوراك مراد حقان جيم أيشه ايشه زينب إليف اليف
وانغ وانغ تشانغ تشين تشن ليو هوانغ جاو وو
ماريسول ماريسيل ماريا خوسيه كارلوس ماريانا فرناندا غابرييلا
كاوه كاوا آزاد ازاد شوان ريبين دلان روجين زانا هيفين برفان سوران
پرادیپ پریانکا پریا انیل سونیل راهول راجش رامش سورش دیپک امیت
سرگئی سرگی دیمیتری ایوان ولادیمیر الکسی نیکلای میخائیل آندری اولگا ناتاشا ایرینا
مهمت محمت احمت امره بوراک حاقان آیشه ایشه الیف
جورج مایکل دیوید ویلیام رابرت ریچارد توماس جیمز کریستوفر دنیل ماریا جنیفر
وانگ ژانگ چانگ لیو هوانگ ژائو
گلالی ذبیح‌الله حمیدالله رحمت‌الله نجیب‌الله حبیب‌الله احمدالله شکیلا
فرشته وحیده مرسل زرغونه لیلما میرویس جاوید نوید
آیدین آیدا کاوه هیوا ژیلا شهره شکوفه پریسا پرستو آرزو

حيدر كرار مرتضى سجاد مقتدى عباس جعفر باقر كاظم زهراء بنين رقية نرجس حوراء
بندر مشاري عبدالمحسن العنود الجوهرة موضي
ميشيل طوني إيلي ايلي شربل ريتا نانسي كارلا رولا
سفيان ياسين إدريس ادريس عبدالصمد إكرام اكرام سناء سكينة نعيمة
مينا بيشوي كيرلس مرقس تامر
"""

ARFA_FAMILY_WORLD = """
إيفانوف ايفانوف إيفانوفا ايفانوفا بتروف بيتروف بتروفا سميرنوف كوزنيتسوف بوبوف فولكوف
سميث جونسون ويليامز وليامز براون جونز ميلر ديفيس ويلسون تايلور
شارما كومار سينغ سينغ باتيل شاه ميهتا فيرما غوبتا ريدي راو
يلماز يلدز أوزترك اوزترك أوزتورك دمير كايا شاهين جليك
سانتوس رييس راموس غارسيا غارثيا لوبيز مارتينيز رودريغيز
پتروف ایوانف ایوانوف اسمیرنوف ولکوف
اسمیت جانسون ویلیامز براون جونز
شارما کومار سینگ پاتل مهتا
ییلماز اوزترک اوزتورک دمیر کایا شاهین
سانتوس رییس راموس گارسیا لوپز
"""

# Transliterated foreign given names in Chinese characters; each is at least three
# characters or a known two-character form that is not a Chinese word.
ZH_TRANSLIT_GIVEN = """
法蒂玛 艾哈迈德 穆罕默德 阿卜杜拉 哈桑 侯赛因 优素福 易卜拉欣 萨利赫 哈立德 娜迪亚
雅思敏 莱拉 蕾拉 阿米娜 宰娜卜 玛丽亚姆 努尔 伊万 安娜 玛丽亚 德米特里 谢尔盖 弗拉基米尔
娜塔莎 奥尔加 伊琳娜 约翰 迈克尔 大卫 詹姆斯 威廉 玛丽 詹妮弗 伊丽莎白 普丽娅 拉胡尔
阿尼尔 苏尼尔 维贾伊 普里扬卡 穆斯塔法 梅赫梅特 艾米 杰西卡 索菲亚 艾玛 奥利维亚
"""

AR_CITIES = """
الرياض جدة جده مكة الدمام الخبر الظهران الطائف تبوك أبها ابها بريدة حائل نجران جازان
دبي أبوظبي ابوظبي الشارقة عجمان العين رأس_الخيمة الفجيرة الدوحة الوكرة المنامة المحرق الكويت
حولي الجهراء الفروانية الأحمدي مسقط صلالة صحار نزوى
القاهرة الجيزة الإسكندرية الاسكندرية المنصورة طنطا أسيوط اسيوط الأقصر الاقصر أسوان اسوان
الزقازيق بورسعيد السويس الإسماعيلية
عمّان عمان إربد اربد الزرقاء العقبة السلط بيروت طرابلس صيدا جونيه زحلة دمشق حلب حمص اللاذقية
بغداد البصرة الموصل أربيل اربيل السليمانية النجف كربلاء كركوك دهوك
الدار_البيضاء الرباط مراكش فاس طنجة أكادير اكادير مكناس وجدة تونس صفاقس سوسة الجزائر وهران
تهران مشهد اصفهان شیراز تبریز کرج قم اهواز کرمانشاه رشت ارومیه زاهدان همدان یزد کرمان
اردبیل بندرعباس اراک زنجان سنندج قزوین خرم‌آباد گرگان ساری کاشان بوشهر بیرجند
کابل هرات مزار_شریف مزارشریف قندهار جلال‌آباد جلال_آباد غزنی بامیان کندز
"""
