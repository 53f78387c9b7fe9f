"""The gazetteer behind `sada.text.pii_names`: given names and Chinese surnames.

Given names in Latin script (English, European, African, South and East Asian, and
Latin spellings of Arabic, Persian and Chinese names), Arabic and Persian given
names, family names written in Latin script, and Chinese surnames. Our own lists of
frequent names, written from general knowledge; not exhaustive.

`gazetteer()` folds them into the sets the name rules look words up in: given names
that are also common words (Hope, Grace; «امید», «نور», «سعيد») are kept apart as
ambiguous, to be trusted only after a cue.
"""

from __future__ import annotations

from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer_world import ARFA_GIVEN_WORLD, LATIN_GIVEN_WORLD

# The first, short lists (rounds 1-3).
_EN_GIVEN = """
james john robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan
henry douglas zachary peter kyle noah ethan jeremy walter christian keith roger terry austin sean
gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan alan
juan albert willie elijah wayne randy vincent liam oliver lucas mason
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra
margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy
rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole samantha
katherine christine helen debra rachel carolyn janet maria catherine heather diane olivia julie
joyce victoria ruth virginia lauren kelly christina joan evelyn judith andrea hannah megan cheryl
jacqueline martha madison teresa gloria sara janice ann kathryn abigail sophia frances jean alice
judy isabella julia beverly denise marilyn amber danielle brittany diana natalie sophie charlotte
ava mia chloe ella lily zoe lucy
tom mike dave chris steve matt tony nick dan sam ben alex kate liz jen meg jess tim greg jeff
ahmed ahmad mohammed mohamed muhammad mohammad ali omar umar khalid yusuf youssef ibrahim hassan
hussein hussain tariq faisal fahad sultan nasser majid abdullah abdul mustafa mahmoud yasser walid
karim reza hossein mehdi amir hamid javad saeed arash babak dariush farhad kamran nima sina
fatima fatemeh aisha ayesha maryam mariam zainab zahra noura nora layla leila sara yasmin huda
mona reem hind salma amira niloufar negar shirin parisa mina nazanin
wei li ming jun hui yan lei jing xin hao yu chen lin tao
priya raj rahul amit anil sunil deepak arjun ravi vijay anita sunita pooja neha kavya
carlos miguel luis jorge diego pedro pablo javier sofia lucia carmen elena ana
"""
_EN_AMBIGUOUS = """will bill mark hope grace joy faith rose may june april summer dawn sky rich
frank art penny ruby pearl jade crystal amber ray gene bob pat sue jack grant chase hunter
victoria jordan austin paris florence lincoln cash angel honey rain river stone king
max jade holly daisy poppy iris jasper hugo jan jo can rim amal iman noor nour hana sakura
harvey marks chance lily ivy violet olive sage autumn storm salem sunny sandy"""

_AR_GIVEN = """
نوال سعاد وفاء نجلاء ابتسام عبير سمر رشا أميرة اميرة لطيفة جواهر ملاك شهد نادية ناديه
طلال مشعل عبدالرحمن عبدالاله عبدالإله نواف متعب سعد صالح حمود حمدان جاسم يعقوب
محمد أحمد احمد علي عمر خالد يوسف إبراهيم ابراهيم عبدالله عبد_الله عبدالرحمن عبد_الرحمن عبدالعزيز
حسن حسين مصطفى محمود طارق سلمان فيصل فهد سلطان ناصر ماجد بدر تركي عادل هشام وليد زياد رامي سامي
ياسر عماد أيمن ايمن معاذ بلال حمزة أنس انس عثمان مروان باسل نايف منصور راشد حمد خليفة زايد مبارك
سعود عبدالمجيد عبدالرحيم عبدالكريم إسماعيل اسماعيل موسى عيسى هاني شادي وائل نبيل كريم
فاطمة عائشة مريم نورة خديجة زينب سارة ساره ريم هند لينا لمى رنا دانة دانه شيماء آمنة امنة حصة
منى هدى أسماء اسماء سلمى رهف جود لجين غادة غاده رغد ياسمين دينا مها ريما نوف العنود بشرى هيفاء
"""
_AR_AMBIGUOUS = """سعيد جميل نور أمل امل كريم منى هدى فرح حياة ورد سعد جمال كمال صلاح سالم عادل
فارس وفاء صفاء سماح هناء ضياء جميلة عزيز زياد يزيد ملاك نجوى ثابت حامد شاكر صابر
سلامة سلامه عايشه بشرى رحاب أكبر اكبر اصغر أصغر
هادي مالك فريد غازي ميلاد زايد حلا جنان رسول"""
_FA_GIVEN = """
علی رضا محمد حسین حسن مهدی امیر سعید مرتضی مصطفی حمید مجید جواد کاظم عباس ابراهیم اسماعیل یوسف
مسعود محمود بهزاد بهروز فرهاد فرزاد کامران کیوان آرش سیاوش داریوش کوروش بابک پویا پیمان پرویز
میلاد سینا نیما پارسا آرمین بردیا سهیل شهاب عرفان فرشید احسان ایمان محسن هادی وحید یاسر
نگار بهاره سپیده سحر آیدا پگاه مهشید فریبا شبنم رویا ژیلا نیلوفر آتنا
رامین شهرام شاهین بیژن هومن مازیار ماهان امیرحسین محمدرضا علیرضا حمیدرضا
زهرا فاطمه مریم سارا نرگس زینب مینا لیلا نازنین شیما پریسا الناز الهام مهسا سمیرا ساناز
نسرین فرزانه مهناز شیرین پروین آزاده اعظم معصومه طاهره ندا هانیه هستی ترانه یاسمن کیمیا مهتاب
"""
_FA_AMBIGUOUS = (
    "هدیه هديه سحر امید نور بهار آسمان گل ستاره باران دریا امین شادی اکبر اصغر عزیز زیاد صبا"
    " شیرین عسل هستی زیبا دنیا کسری لطیفه عوض"
)
_ZH_SURNAMES = """
王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾
肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏
韦 付 傅 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴
莫 孔 向 汤 欧阳 司马 上官 诸葛 东方 慕容 令狐 陳 張 劉 楊 黃 趙 吳 孫 許 韓 馮 鄧 蔣 蘇 呂 盧
鍾 譚 陸 賈 韋 鄒 龍 陶 賀 顧 龔 錢 嚴 湯 歐陽
"""

_EN_GIVEN_MORE = """
adrian aidan alan alastair alfie alistair andre andrei anton antonio archie barry ben benedict
bernard blake bradley callum cameron charlie clive colin conor connor craig curtis damian
damien darren dean declan derek dominic duncan dylan eamon edwin elliot elliott euan evan felix
fergus finn finlay francis fraser freddie gareth gavin geoffrey glen glenn graham hamish harry
harvey hugo ian isaac jake jamie jared jasper jay joel jonah josh kieran leon leo lewis lloyd
luke malcolm marcus martin max neil niall nigel oscar owen patrick phil philip phillip reece
rhys robbie rory ross rowan rupert russell seamus shane shaun simon stuart theo toby trevor
tristan warren wesley
abby abbie aimee alexandra alison amelia anne annie beth bethany bridget caitlin carla
caroline cassandra claire clare daisy deirdre eileen eleanor ellie eloise erin esther eva
fiona freya gemma georgia georgina gillian harriet hayley holly imogen isla jade jane jenny
jo joanna jodie karen kate katie kayleigh kirsty leah lorna lorraine louise lydia maeve maggie
mandy marie megan molly naomi niamh nicola orla paula phoebe poppy rebekah rosie sadie sally
sinead siobhan stacey tanya tara tracy tracey vanessa wendy yvonne zara aoife saoirse
hans klaus jurgen jürgen stefan stephan wolfgang matthias markus lukas jonas tobias florian
sebastian maximilian niklas jan pieter piet joost sven lars anders nils erik henrik magnus
olaf bjorn björn johan mikkel søren pierre jean-pierre jacques francois françois philippe
michel alain olivier nicolas thierry laurent antoine julien mathieu guillaume benoit
giuseppe giovanni marco luca matteo alessandro andrea francesco lorenzo davide stefano paolo
roberto fabio massimo gianluca riccardo carlo
jose joão joao paulo rafael fernando ricardo alejandro sergio manuel antonio rodrigo andres
andrés alberto enrique ramon ramón raul raúl eduardo gustavo mario hector héctor ignacio
joaquin joaquín santiago mateo emilio felipe francisco gonzalo
isabel beatriz pilar rosa marta laura paula claudia valentina camila daniela gabriela
mariana fernanda alejandra adriana patricia lucía luisa ines inés teresa
ingrid astrid sigrid greta heidi anke katrin sabine ursula petra monika claudia birgit
anja julia lena hanna marie sophie annika freja maja
giulia francesca chiara federica alessia martina elisa silvia valeria
amelie amélie camille chloé manon juliette margaux léa lea celine céline nathalie sylvie
isabelle veronique véronique aurelie aurélie
piotr pawel paweł tomasz krzysztof marcin michal michał lukasz łukasz jakub kamil mateusz
wojciech grzegorz agnieszka katarzyna malgorzata małgorzata magdalena joanna ewa anna
dmitri dmitry sergei sergey ivan alexei alexey andrei nikolai vladimir mikhail pavel oleg
igor yuri boris viktor natasha natalia olga tatiana svetlana irina ekaterina yulia anastasia
elena ksenia
mehmet mustafa emre murat burak cem can ozan serkan hakan kemal ayse ayşe fatma zeynep elif
emine merve esra büşra busra
kwame kofi kojo kwabena yaw ama akosua abena efua chinedu chidi chukwuemeka emeka obinna
ikenna ngozi chiamaka adaeze nneka chioma amaka oluwaseun olumide tunde babatunde adebayo
ayodele folake funmilayo funmi yetunde bola segun femi kehinde taiwo sipho thabo themba
sibusiso lerato nomvula zanele thandiwe bongani mandla kagiso tendai tatenda farai tafadzwa
wanjiru wambui njeri kamau otieno ochieng achieng akinyi auma juma baraka amani neema zawadi
abebe tesfaye haile almaz desta kebede dawit yohannes
aarav aditya akash ajay akshay anand ankit ankita arun arvind ashok deepa dinesh divya ganesh
gaurav harish isha jaya karthik kiran krishna lakshmi manish meera mohan nandini nikhil nisha
pradeep prakash pranav preeti rajesh rakesh ramesh rani ravi rohan rohit sachin sandeep sanjay
santosh shreya shruti siddharth sneha srinivas suresh swati tanvi varun venkat vikram vinod
yash anjali aishwarya bhavna geeta gita kamala lata madhu manju padma radha rekha sarita seema
shanti sita sushma usha vandana harpreet gurpreet jaspreet manpreet simran navjot amrit
imran irfan asif arif kashif bilal usman hamza zeeshan faizan rizwan shahid sajid naveed
nadia sana saima ayesha hina rabia asma amna
hiroshi takashi kenji yuki yuko haruto sota ren akira naoko keiko yumi sakura hana
minjun seojun jiho jisoo minji seoyeon jiwoo hyun jun-ho ji-woo min-ji
nguyen minh anh linh thao huong trang duc tuan thanh hung
"""
_LATIN_ARFAZH = """
abdulrahman abdelrahman abdulaziz abdelaziz abdallah abdelkader abdulkarim abdelkarim
abdulmajeed abdulmajid abdulla abdo abdou adel adil ahmadi akram alaa amr anas anwar ashraf
ayman aziz badr bader bandar basel basil bassam emad essam fadi fares faris fawaz fouad fuad
ghassan hadi hamad hamdan hamza hani haitham haytham hatem hazem hesham hisham husam hussam
ibraheem ismail issa jaber jamal jameel jassim jasim kareem khaled khalil maher malik mamdouh
mansour marwan mazen mishal mohamad mohammed mohamud moussa munir murad musa mustapha nabil
nader naif nawaf nayef nizar osama othman qasim rami rashed rashid riyad riyadh saad sabri
salah saleh salem salim salman sameer samer sami samir shadi sharif suleiman sulaiman taha
talal tamer tareq tarek thamer turki waleed wael yahya yasin yaseen yasir yazan yazeed yazid
youssef yousef yousif zaid zayed ziad zeyad zakaria
abeer afaf alia aliya amal amani asmaa bushra dalia dana dina doaa duaa eman iman farah
ghada hala hanan hanadi haya heba hessa hiba jamila jumana khadija latifa lama lana lubna
maha manal marwa mayada maysa nada nadia najla nawal nisreen nouf noor nour noura nourah
ola rana randa rania rasha rawan razan reema rim ruba rula sahar samar samira sawsan shahad
shaima shaimaa suha sumaya tahani wafa widad yara yasmeen yasmine zainab zeinab zina
alireza amirhossein arman aydin behnam behrouz bahram dariush ehsan farid farzad hamed hamidreza
hesam hooman houman iman kaveh kian kourosh majid masoud mehran milad mohsen morteza navid omid
payam peyman pouya puya ramin roozbeh rouzbeh saman shahab shahram siamak soheil vahid yasin
afsaneh azadeh bahar elham elnaz fariba farnaz faezeh golnaz haleh hanieh katayoun ladan
mahsa mahnaz maryam marzieh mitra mojgan nahid nasrin nazila niloofar parastoo parvaneh
roya sahar samira sepideh setareh shadi shiva simin soheila somayeh soraya taraneh yasaman
zohreh
xiaoming xiaohong xiaoli xiaowei xiaoyan jianguo jianhua jianjun guoqiang zhiqiang weiwei
lili lina yanyan jingjing tingting lei jie qiang jun ying mei
xiu juan yan yun qing hua feng hao jian tao peng fei
"""
_EN_FAMILY = """
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris
sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill
flores green adams nelson baker hall rivera campbell mitchell carter roberts evans turner
phillips parker collins edwards stewart morris murphy cook rogers morgan cooper peterson
reed bailey bell kelly howard ward cox richardson wood watson brooks bennett gray james
hughes price sanders myers ross foster powell jenkins perry russell sullivan fisher
patel shah singh kumar sharma gupta khan ahmed ali hussain rahman chowdhury iyer reddy rao
nair menon pillai das bose banerjee chatterjee mukherjee desai mehta joshi kapoor malhotra
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo lin luo zheng liang
tan lim ng wong chan leung cheung lau ho kim park choi jung kang cho yoon tanaka suzuki
sato watanabe yamamoto nakamura kobayashi ito
mueller müller schmidt schneider fischer weber meyer wagner becker schulz hoffmann koch
rossi russo ferrari esposito bianchi romano colombo ricci moreau dubois durand leroy
lefebvre bernard petit kowalski nowak wisniewski ivanov petrov smirnov popov yilmaz kaya
demir sahin celik okafor okonkwo adeyemi adebayo mensah owusu boateng mwangi otieno
kamau ochieng banda phiri dlamini nkosi ndlovu
obrien o'brien oconnor o'connor murray walsh byrne ryan doyle mccarthy kennedy lynch
alsaud al-saud alrashid al-rashid alharbi al-harbi alotaibi al-otaibi alqahtani al-qahtani
alghamdi al-ghamdi alzahrani al-zahrani almansour al-mansour hashemi hosseini mohammadi
ahmadi rezaei karimi moradi jafari rahimi mousavi sadeghi tehrani
"""
_AR_GIVEN_MORE = """
عبدالرحيم عبدالحميد عبداللطيف عبدالمحسن عبدالمنعم عبدالهادي عبدالوهاب عبدالباسط عبدالسلام
عبدالملك عبدالقادر عبدالناصر عبدالفتاح عبدالغني عبدالحكيم عبدالجبار عبيد عبود
أنور انور أكرم اكرم أسامة اسامة أشرف اشرف أمجد امجد أنيس انيس إياد اياد إيهاب ايهاب أيوب ايوب
بندر بسام بشير بكر ثامر ثابت جابر جاسر جعفر جلال جمال حاتم حازم حامد حسام حمدي خليل داود رائد
رياض رضا زكريا زهير سالم سامر سعود سلامة سليم سليمان سمير شريف شاكر صابر صبري صلاح ضياء طه
طلال عاصم عامر عبير عدنان عزيز عصام علاء عمار عمرو عوض غازي غسان فارس فادي فايز فؤاد فواز
قاسم كمال لؤي ماهر مازن مالك محسن مختار مراد مشاري مشعل معتز ممدوح منير مهند مؤيد نادر نبيل
نزار نعمان نضال هيثم وسام وسيم يحيى يزيد يزن
آلاء الاء أمل إيمان ايمان بسمة تسنيم تهاني ثريا جميلة جنى حلا حنان حياة خلود دعاء دلال رانيا
رحاب رزان روان ريهام زهراء سماح سمية سهى سوسن شذى شهد صفاء عفاف علياء غدير فدوى فرح لبنى
ليلى مروة منال ميساء ميس نادين نجوى ندى نسرين نهى نهلة هالة هبة هناء وداد يارا
"""
_FA_GIVEN_MORE = """
ابوالفضل اکبر اصغر امیرعلی امیرمحمد امیررضا ایرج بهرام بهنام پدرام تورج جمشید حسام حمیدرضا
خسرو رسول روزبه سامان سجاد سعیدرضا سیامک شاهرخ شهریار صادق عبدالله عماد غلامرضا غلامعلی فرامرز
فرید فریدون قاسم کاوه کیان مجتبی محمدحسین محمدعلی محمدمهدی مرتضی مهران مهرداد ناصر نوید
هوشنگ یاشار یزدان پوریا آرین آرمان آیدین رحیم کریم منصور حبیب
آزیتا آناهیتا بیتا پرستو پروانه پریا ترانه تینا ثمین دنیا راضیه رعنا ریحانه زری زیبا ژاله
سمانه سوسن سولماز سیمین شقایق شهلا شهره شیوا صبا طاهره عاطفه عسل فائزه فرشته فرناز فروغ گلاره
گلناز گیتی لادن ماهرخ محبوبه مرجان مرضیه منیژه مهدیه مهری مهرناز میترا نازیلا ناهید نسیم نیوشا
هاله هدیه هما یگانه ملیکا مائده حدیث کوثر کبری صدیقه فرح رقیه
"""
_ZH_SURNAMES_MORE = """
葛 洪 乔 温 柳 蒲 武 康 贺 严 季 俞 章 鲁 伍 韦 申 尤 毕 聂 丛 焦 祝 邢 翟 殷 樊 裴 岳 柯 卜 耿 纪 舒 蓝 芦 凌 庞 戚 阎 鲍 骆 穆 霍 祁 倪 滕 欧 冉 沙 项 辛 杭 黎 阮 鞠 蒙 符 廉 巫 喻 佘 晏 储 桂 宗 麦 岑 饶 梅 费 邬 邰 屈 仇 窦 郁 卓 雍 艾 詹 钮 晋 尚 荆 葉 鄭 謝 馬 許 蕭 羅 錢 鄧 潘 魏 劉 鄒 閻 龔 聶 蔣 賴 藍 關 顏 嚴 戴 莊 簡 溫 鍾 廖 賈 饒
"""

# Round 5: more given names (Levantine, Gulf, Iranian, Afghan) and short forms.
_AR_GIVEN_R5 = """
لانا لارا ريتا رولا رلى جورج إلياس الياس ميشيل ميشال طوني بطرس جوزيف شربل مارون نقولا
ريان تالا جوري رنيم سيرين ميار شهد غنى العنود الجوهرة نوره حصه موضي لولوة
عبدالرزاق عبدالخالق عبدالعليم سطام فراس قصي لؤي مهند نواف بدر تامر حسونة أبوبكر ابوبكر
سيف صقر حميد عبدالحكيم مجدي مدحت عاطف شوقي رأفت رافت وجدي حمادة هاني ماهر سامح
"""
_FA_GIVEN_R5 = """
سروش فرناز بیتا شهره مژگان گلاره فرشته مرجان ملیکا مهرداد مهران کاوه کامیار سامان سپهر شایان
آرین فرامرز ناصر منصور رحیم کریم جلال بهمن فریدون هوشنگ منوچهر شهریار اردشیر آرتین آرسام
ممد محمدجواد محمدحسین امیرعباس ابوالفضل حسینعلی غلامرضا غلامحسین عبدالله فرخنده منیژه
طاهره صدیقه زهره ژاله مهین مهری پروانه فریده گلناز نیوشا ترانه آناهیتا سوگند یگانه
احمد محمود نوید پوریا مهیار یاسین طاها امیرمهدی رضوان بهناز شهلا
"""
# Family names without a family-name ending («جورج حداد», «ليلى نصار»).
_ARFA_FAMILY_R5 = """
حداد نصار خوري الخوري عطية شحادة سعادة مطر صباغ قباني حلبي شامي حمصي نجار خياط
عبود كرم فرح زيدان داود يعقوب سلامة عواد بركات حجازي شهاب درويش عثمان منصور ياسين
رحمانی جعفری کریمی حسینی صدری ملکی تهرانی شیرازی
"""
_LATIN_R5 = """
farzaneh fereshteh forough golnar leyla mahboubeh mehrnaz minoo negin nika parisa pegah shabnam
shirin soudabeh tina yalda zahra fatemeh mahdi mehdi hossein hosein reza amirali mohammadreza
sina siavash soroush sorush kamyar arash babak behzad dariush farhad javad kazem
dmitri dmitry sergei sergey ivan igor oleg pavel nikolai vladimir yuri andrei alexei mikhail
olga natasha natalia svetlana irina tatiana ekaterina anastasia ludmila galina
tomasz piotr pawel krzysztof marek jakub agnieszka katarzyna malgorzata magdalena
klaus hans jurgen dieter wolfgang stefan matthias lukas jonas anke birgit ulrike heike
francois jacques pierre michel philippe nicolas julien camille amelie chloe manon
giuseppe giovanni marco luca matteo alessandro francesca giulia chiara federica
joao paulo thiago rafael gustavo beatriz mariana fernanda gabriela larissa
oluwaseun chinedu emeka chukwuemeka ngozi chioma adebayo olumide tunde kwame kofi ama abena
"""
# Round 6: more given names by origin and common nicknames / short forms («حمودي»,
# «فطوم», «فاطی», "Mo", "Bartek").
_AR_GIVEN_R6 = """
سناء منيرة نهاد ابتهال إيناس ايناس آلاء الاء تسنيم ريهام ميساء ميسون سوزان نسرين بثينة
فدوى صفية ريتاج قصي أوس اوس مهدي كنان أيهم ايهم زكريا عمرو صهيب
حمودي عبودي فطوم سلومي حمود عزوز جمانة جمانه خلود ثامر
"""
_FA_GIVEN_R6 = """
شهناز فاطی منیژه فرنگیس شهلا مژده فرشید سپهر آرسام آرمان رامتین پرهام شایان
هیوا هاوار آراز ریبوار دلنیا شیلان ژینا سوران کاوان
"""
_LATIN_R6 = """
nnamdi fatou tomas bartek bartosz kasia gosia mo moe ousmane aminata mamadou ibrahima
binta mariama chinonso chukwudi ifeoma adaora uchenna seun tobi dapo laszlo zoltan jiri
ondrej katya sasha masha dasha seo-yeon
"""
# Characters often found in Chinese given names (建华, 晓燕, 佳怡, 浩然, 志明): a given
# name alone is two of them, in a context that takes a person.
_ZH_GIVEN_CHARS = (
    "建华国明伟芳丽强军敏静燕晓志海文红玉秀英美婷雪佳嘉浩宇轩梓涵欣怡思雨俊杰磊鹏辉峰刚勇"
    "斌涛超琳娜倩颖慧霞萍玲琪瑶璐蕾薇菲莹晶洁婉淑娟梅兰凤莉彤悦妍然昊皓睿泽博鑫航铭凯"
    "翔宁康振坤毅鸿锋亮晨瑞麟云飞龙虎桂秋冬春珍珠琴颜蓉蕊芸茜婕媛娇妮姗丹彬杉楠柏松林"
    "森磊鑫炜煜烨焕霖霏露岚曦阳昕晖旭东伦德仁义礼智信忠孝贤达福禄寿喜庆祥瑜璇琦琛瑾"
    "萱妤婧琰璟潇逸晗梦诗紫馨沐熙钰煊宸奕哲瀚骏桐弘晟祺蔚嫣"
)
# Words of two given-name characters that are ordinary words, not names.
_ZH_GIVEN_NOT = """
明白 明明 刚刚 文明 美丽 美好 美国 华丽 华为 中华 英国 英雄 英文 海鲜 海边 红色 红包 雨天 安静 平安 静静
思想 宇宙 志愿 伟大 强大 国家 国内 国外 国际 东西 春天 秋天 冬天 德国 信息 信用 礼物 智能 福利
喜欢 庆祝 祥和 达到 飞机 飞快 云南 龙虾 虎皮 珍珠 松软 森林 阳光 东北 仁义 忠实 孝顺 喜庆
博士 凯旋 康复 振动 宁愿 亮点 晨光 瑞士 丽江 玉米 雪花 雪白 梅花 兰州 林子 鑫鑫 冬瓜 春节
红酒 明亮 清明 光明 晶莹 莹莹 洁白 美美 然后 晓得 燕麦 东莞 德国 达成 信任 祥云 云朵 飞快
桂林 桂花 芳香 英俊 俊俏 康乐 凤凰 龙井 飞天 东方 阳台 国庆 庆幸 义务 礼貌 智慧 忠诚 福建
喜悦 悦耳 振兴 文化 文字 文件 海南 海关 海外 强烈 强度 军事 敏感 静音 杰出 磊落 超级 超市
"""
# Pinyin family names ("Zhang Xiaoming", "Li Wei" is caught by the given-name list).
_PINYIN_FAMILY = """
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang
xie song tang xu han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du ye cheng
su wei lu ding ren shen yao lu jiang cui zhong tan fan jin shi liao jia xia wei fu fang bai zou
meng xiong qin qiu jiang yin xue yan duan lei hou long shi tao li he gu mao hao gong shao wan qian
yan qin wu dai mo kong xiang tang chan cheung wong leung lau ng yip tsang kwok
"""
# Two-character words that start with a surname character (「高兴」「方便」「王者」): no names.
_ZH_COMMON_WORDS = """
郁闷 高分 曾经 金虫 于是乎 高价 高兴地 包邮 钱多 余生 方可 尚可 常见
高兴 张开 白色 黄金 方便 安全 王者 马上 周到 于是 任何 程序 余额 金额 钱包 石头 江湖 高效 高速 万一
万能 杨梅 何时 何必 毛病 毛巾 白天 白白 方面 方法 方式 方向 黄色 金色 高级 高端 高档 林业 江南 李子
宋体 朱红 胡说 胡乱 谢谢 许多 许可 韩国 曹操 田地 董事 余下 杜绝 叶子 程度 苏州 任务 任意 沈阳 钟头
钟表 陆续 陆地 范围 金属 石油 夏天 夏季 付款 付钱 方案 白菜 熊猫 江西 段落 雷电 龙虾 史上 陶瓷 黎明
贺卡 顾客 顾问 毛衣 万元 万块 钱财 严重 严格 武汉 武器 戴上 莫名 向来 向上 汤圆 汤水 包装 包括 包邮
成本 成功 成都 时间 时候 明天 明白 文字 文件 温度 温暖 安装 安排 常用 常常 年轻 连续 连接 路上 路由
齐全 牛奶 水果 和平 和气 向着 东西 东方 上面 上次 上午 司机 司马 令人 明显 米饭 关于 关系 关注 简单
简直 甘心 景色 吉祥 车子 车上 车辆 强大 强烈 全部 全新 全是 左右 计算 游戏 蓝色 蓝牙 房间 房子 支付
支持 花钱 花了 华为 宁可 谷歌 易用 师傅 凌晨 花生 林子 秦朝 孙子 黄瓜 高中 高手 高清 马桶 朱古力 杨柳
金子 金牌 江山 苏宁 邮件 麦当 乔丹 卫生 卫浴 柏林 申请 沙发 沙拉 尚未 尤其 殷勤 燕窝 项目 辛苦 欧元
欧洲 屈服 宗教 梅花 卓越 晋升 章节 鲁莽 祝福 焦急 焦虑 纪念 舒服 舒适 凌乱 艾滋 项链 冷静 冷气 满意
满足 顾及
"""


def _wordset(block: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(w.strip() for w in block.split(sep))


def _words(block: str) -> set[str]:
    return {fold_for_search(w.replace("_", " ")) for w in block.split()}


# Round 12: frequent given names the lists lacked (Persian names of the last decades,
# Gulf and Levantine names); those that are also ordinary words are ambiguous («گل لاله», «وعد», «ضحى»).
_FA_GIVEN_R12 = """آریا کیانا ایلیا محمدامین کیارش بنیامین اشکان بهراد فربد امیرحسام
فاطیما هلیا مبینا نیکا یسنا محدثه پرنیان ماهسا نسترن آیلین آتوسا سهیلا سودابه طناز فرحناز
کتایون لعیا مهدیس مهرسا"""
_AR_GIVEN_R12 = "ريناد ليان ديما عزام ليث عبلة أريج اريج بتول سجى"
_ARFA_AMBIGUOUS_R12 = "مانی صدف رها آوا لاله نگین بنفشه شروق ضحى هيا وعد رحمة غلا"


@lru_cache(maxsize=1)
def gazetteer() -> tuple[set[str], set[str], set[str], tuple[str, ...]]:
    """(unambiguous given names, ambiguous given names, all given names, zh surnames)."""
    given = _words(_EN_GIVEN + _EN_GIVEN_MORE + _LATIN_ARFAZH + _LATIN_R5 + _LATIN_R6)
    given |= _words(LATIN_GIVEN_WORLD + ARFA_GIVEN_WORLD)
    given |= _words(_AR_GIVEN + _AR_GIVEN_MORE + _AR_GIVEN_R5 + _AR_GIVEN_R6)
    given |= _words(_FA_GIVEN + _FA_GIVEN_MORE + _FA_GIVEN_R5 + _FA_GIVEN_R6)
    given |= _words(_FA_GIVEN_R12 + " " + _AR_GIVEN_R12 + " " + _ARFA_AMBIGUOUS_R12)
    ambiguous = _words(_EN_AMBIGUOUS) | _words(_AR_AMBIGUOUS) | _words(_FA_AMBIGUOUS)
    ambiguous |= _words(_ARFA_AMBIGUOUS_R12)
    surnames = tuple(sorted(set((_ZH_SURNAMES + _ZH_SURNAMES_MORE).split()), key=len, reverse=True))
    return given - ambiguous, ambiguous, given | ambiguous, surnames


# Words of customer service that name no person but have a name's shape (a Persian -ی
# noun after a role: «مسئول پیگیری», «اپراتور: مشتری») or that the tagger took for
# names: titles of address and nouns of tickets, clinics and languages (round 12).
_NOT_NAMES = """madam madame ma'am maam sir sirs dear mister miss
    بلیت بلیط بليت تذكرة تذكره کلینیک کلینيک عیادت مشتری مشتري پیگیری پيگيري پشتیبانی
    انگلیسی فارسی عربی آلمانی فرانسوی چینی سونوگرافی رادیولوژی آزمایشگاه داروخانه
    گارانتی ارسالی تحویلی سفارشی اینترنتی تلفنی حضوری پرداختی قسطی نقدی اعتباری
    العميل الزبون المتابعة الإنجليزي الانجليزي"""
NOT_NAMES = frozenset(fold_for_search(w) for w in _NOT_NAMES.split())
