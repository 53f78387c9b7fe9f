"""Postal addresses: Iranian, Gulf / Arabic, Chinese and Western forms.

Addresses are recognized by their components, not by a list of places:

- Iranian: «استان / شهر / خیابان / بلوار / میدان / کوچه / کوی / بن‌بست / پلاک /
  واحد / طبقه / کد پستی» — a run of at least two components (or one component
  and a plaque number or a ten-digit postal code).
- Gulf and other Arabic forms: «شارع / طريق / حي / مبنى / عمارة / بناية / فيلا / شقة /
  مجمع / منطقة / بلوك / جادة / الطابق / ص.ب / الرمز البريدي» — likewise, and Saudi
  short national addresses (four letters and four digits, "RRRR2929").
- Chinese: administrative and street parts (省 市 区 县 镇 路 街 巷 弄 号 栋 单元 室)
  with at least a street or building part and a number.
- Western: a house number, street words and a street type (Street, St, Road,
  Ave, Blvd, Lane, Drive, Way...), optionally followed by an apartment, a city,
  a state / region and a postal code (US ZIP, UK postcode); "PO Box 123".

- Round 7: a known city (and up to two districts) written before the first Arabic or
  Persian component joins the address («عمّان، عبدون، شارع…»); a tail segment that names
  a person ends it («، والاسم ماريسول»); Chinese house numbers take spaces («388 号») and
  what follows them (building, tower, unit, floor, room: «…88号SOHO现代城B座2103»);
  Western forms take a city without a comma before a state and postcode, Singapore
  "Blk … #08-45", typeless streets before a UK postcode, German / French / Turkish
  street forms with their postcodes, Indian "B-14 … 110057".

Each detector returns spans; `find_addresses` merges them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import gazetteer
from sada.text.pii_gazetteer_world import AR_CITIES

_CITY_WORDS = frozenset(w for city in AR_CITIES.split() for w in city.split("_"))

_FA_PARTS = (
    r"استان|شهرستان|شهر|خیابان|خيابان|خ\.|بلوار|میدان|ميدان|کوچه|كوچه|کوی|بن[\s\u200c]?بست|"
    r"پلاک|پلاك|واحد(?=\s*[0-9\u06f0-\u06f9])|طبقه|بلوک|مجتمع|برج|کد\s?پستی|كد\s?پستي|جاده|بزرگراه|نبش|چهارراه|"
    r"سه[\s\u200c]?راه|تقاطع|شهرک|محله|ساختمان|زنگ|پ\.?(?=\s*[0-9\u06f0-\u06f9])|کوچهٔ|خ(?=\s)|"
    r"صندوق[\s\u200c]?پستی|سرک|ناحیه|کارته|گذر|خانه(?=\s*(?:شماره\s*)?[0-9\u06f0-\u06f9])"
)
_AR_PARTS = (
    r"شارع|طريق|حي|مبنى|مبني|عمارة|عماره|بناية|بنايه|فيلا|شقة|شقه|مجمع|منطقة|منطقه|بلوك|جادة|"
    r"جاده|الطابق|طابق|ص\.\s?ب|صندوق بريد|الرمز البريدي|رمز بريدي|مدينة|محافظة|ولاية|برج|"
    r"الدور\s+(?=(?:ال)?(?:أول|اول|ثاني|ثالث|رابع|خامس|سادس|أرضي|ارضي|[0-9\u0660-\u0669]))|منزل|بيت رقم|مكتب رقم|محل رقم|زقاق|حارة|مربع|ضاحية|كمبوند|مخطط|دوار|ميدان|"
    r"المبنى|الشقة|العمارة|الفيلا|البلوك|جادة|سكة|ش\.|عمارات|"
    r"قطعة(?=\s*[0-9\u0660-\u0669])|قطعه(?=\s*[0-9\u0660-\u0669])"
    r"|محلة(?=\s*[0-9\u0660-\u0669])|دار(?=\s*[0-9\u0660-\u0669])|زنقة|نهج"
)
_NUM = r"[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[/\-][0-9\u0660-\u0669\u06f0-\u06f9]+)?"
# «خیابان ۱۲ شرقی», «شارع 9 الشمالي»: a side after the number belongs to it.
_SIDE = r"(?:\s+(?:شرقی|غربی|شمالی|جنوبی|الشرقي|الغربي|الشمالي|الجنوبي|متری|متري)(?!\w))?"
_STOP_WORDS = (
    r"رو|را|به|از|و|که|ارسال|تحویل|لطفا|کنید|شود|بفرستید|داده|اشتباه|ثبت|میخوام|هست|است|"
    r"الى|إلى|من|في|على|لو|سمحت|ارسل|ارسلوا|التوصيل|الطلب|لكن|لكنه|بس|للأسف|للاسف|ثم|حيث|"
    r"اللي|الي|وين|شكرا|ولكن|جدا|جداً|بعد|قبل|عند|اما|أما|الاكل|الأكل|ولی|ولي|چون|چرا"
)
_WORD_AR = r"[\u0621-\u064a\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698\u200c]+"

_EN_STREET = (
    r"Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|"
    r"Square|Sq|Terrace|Parkway|Pkwy|Highway|Hwy|Crescent|Close|Circle|Cir|Row|Mews|Walk|"
    r"Gardens|Grove|Rise|Plaza|Alley|Expressway|Freeway|Quay|Wharf|Esplanade|Parade|"
    r"Promenade|Broadway|Marg|Nagar|Path|Trail|Loop|Corniche|Cross"
)
# Street words that come before the name (Malaysia, France, Spain, Italy, Brazil).
_EN_STREET_FIRST = r"(?:Jalan|Jln|Lorong|Persiaran|Rue|Calle|Via|Avenida|Rua)"
_EN_UNIT = (
    r"(?:Flat|Apt|Apartment|Suite|Ste|Unit|Villa|Building|Bldg|Block|Blk|House|Plot|Office|Shop|"
    r"Floor|Fl|Level|Room|Tower|Door|Sector|Phase|Zone)\.?\s*(?:[Nn]o\.?\s*)?#?\s*\d+[A-Za-z]?(?:[-/]\d+)?"
    r"(?:-[A-Z](?![\w]))?"
    r"|\d+(?:st|nd|rd|th)\s+(?:Floor|Fl|Level)"
)
_EN_DIR = r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)(?![\w]))?"
_AU_STATES = r"NSW|VIC|QLD|WA|SA|TAS|ACT|NT"
_US_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|"
    r"NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    # A component: a cue word followed by a name or number (1-3 words), commas between.
    # A number ends its component («پلاک ۸», «ص.ب 2211»): the words after it are the
    # sentence going on («ارسال کنید», «جدة»), not the address.
    arfa_component = (
        r"(?<!\w)(?:ب?(?:"
        + _FA_PARTS
        + "|"
        + _AR_PARTS
        + r")(?![\u0621-\u064a\u0671-\u06d3])\s*[:：]?\s*(?:رقم\s*|شماره\s*)?(?:"
        + _NUM
        + _SIDE
        + r"|"
        + _WORD_AR
        + r"(?:\s+(?:"
        + _NUM
        + r"|(?!(?:"
        + _FA_PARTS
        + "|"
        + _AR_PARTS
        + r"|"
        + _STOP_WORDS
        + r")(?!\w))"
        + _WORD_AR
        + r")){0,2}))"
    )
    # Round 7: a landmark or a named lane between two components («قرب دريم سيتي»,
    # «بالاتر از پل رومی», «وکیل‌آباد ۱۴»); it joins a chain but does not count as a part.
    link = (
        r"(?:(?:قرب|بجانب|مقابل|خلف|جنب|نزدیک|روبروی|بالاتر\s+از|پایین[\s\u200c]?تر\s+از|نرسیده\s+به|بعد\s+از)\s+"
        + _WORD_AR
        + r"(?:\s+"
        + _WORD_AR
        + r"){0,2}|"
        + _WORD_AR
        + r"\s+"
        + _NUM
        + r")(?=\s*[,،]\s*"
        + r"(?:"
        + _FA_PARTS
        + "|"
        + _AR_PARTS
        + r"))"
    )
    arfa = re.compile(
        r"(?<!\w)" + arfa_component + r"(?:\s*[,،\-]?\s*(?:" + arfa_component + "|" + link + r"))*"
        r"(?:\s*[,،]?\s*(?:کد\s?پستی|الرمز البريدي)?\s*[:：]?\s*[0-9\u06f0-\u06f9\u0660-\u0669]{5,10})?"
    )
    zh = re.compile(
        r"(?:[\u4e00-\u9fff]{2,6}(?:省|自治区))?(?:[\u4e00-\u9fff]{1,6}市)?"
        r"(?:[\u4e00-\u9fff]{1,6}(?:区|县|旗))?(?:[\u4e00-\u9fff]{1,6}(?:镇|乡|街道))?"
        r"[\u4e00-\u9fff0-9]{1,10}(?:路|街|大道|巷|弄|胡同|道)"
        r"(?:[0-9一二三四五六七八九十]+段)?"
        r"(?:[0-9]+(?:巷|弄))*"
        r"\s?(?:[0-9一二三四五六七八九十百]+\s?(?:号|弄))(?:之[0-9]+)?"
        r"(?:[\u4e00-\u9fff0-9]{0,8}?(?:[0-9一二三四五六七八九十]+(?:栋|幢|号楼|座))"
        r"|[\u4e00-\u9fff]{1,8}?(?:广场|大厦|中心|大楼|商场|写字楼)(?=[0-9一二三四五六七八九十]+(?:楼|层|F|室)))?"
        r"(?:[0-9一二三四五六七八九十]+单元)?(?:[0-9]+(?:室|号房|楼|层|F))?(?:[0-9]+室)?"
    )
    # City and district alone («成都市武侯区») are not an address: a community,
    # building or flat must follow.
    zh_admin = re.compile(
        r"[\u4e00-\u9fff]{2,6}(?:省|自治区)?[\u4e00-\u9fff]{1,6}市[\u4e00-\u9fff]{1,6}(?:区|县)"
        r"(?:[\u4e00-\u9fff0-9]{1,12}(?:小区|花园|大厦|公寓|苑|村)"
        r"(?:[0-9]+(?:栋|幢|号楼)(?:[0-9]+单元)?(?:[0-9]+室)?)?"
        r"|[0-9]+(?:栋|幢|号楼)(?:[0-9]+单元)?(?:[0-9]+室)?)"
    )
    en = re.compile(
        r"(?:(?<![\w#])(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?\s*#?\s*[\w-]+,?\s+)?"
        r"(?:(?<![\w#])(?:Blk|Block)\s+)?"
        r"(?<![\w#])\d{1,5}[A-Za-z]?(?:[-/]\d{1,4})?,?\s+(?:(?:N|S|E|W|NE|NW|SE|SW)\.?\s+)?(?:(?:[A-Z][a-z]+(?:['\u2019]s)?|\d+(?:st|nd|rd|th))\.?\s+){1,3}"
        r"(?:"
        + _EN_STREET
        + r")\.?"
        + r"(?:\s+\d{1,3}(?![\w/-]))?"  # "Ang Mo Kio Ave 6", "Jurong West St 41"
        + _EN_DIR
        + r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor)\.?\s*#?\s*[\w-]+)?"
        r"(?:,?\s+#\d{1,3}-\d{1,5})?"  # Singapore unit "#08-45"
        r"(?:(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}){1,2}"
        r"|\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}(?=,?\s+(?:(?:"
        + _US_STATES
        + "|"
        + _AU_STATES
        + r")\s+\d{4,5}"
        r"|" + _UK_POSTCODE + r"|\d{6})(?![\w])))?"
        r"(?:,?\s*(?:(?:" + _US_STATES + r")\s+\d{5}(?:-\d{4})?|" + _UK_POSTCODE + r"|"
        r"(?:" + _AU_STATES + r")\s+\d{4}|[-\u2013]?\s*\d{6}|(?<=[a-z])\s\d{4}|"
        r"(?:ON|QC|BC|AB|MB|SK|NS|NB|NL|PE)\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d))?"
        r"(?![\w])"
    )
    # Egyptian and Levantine order: the number before the street («12 شارع عباس العقاد»).
    ar_num_street = re.compile(
        r"(?<![\w])" + _NUM + r"\s+(?:شارع|ش\.|طريق|زنقة|نهج)\s+" + _WORD_AR + r"(?:\s+(?!(?:"
        + _STOP_WORDS + r")(?!\w))" + _WORD_AR + r"){0,2}"
    )  # fmt: skip
    po_box = re.compile(
        r"(?i)(?<!\w)(?:P\.?\s?O\.?\s*Box|Post\s+Office\s+Box|PMB|Private\s+Bag)\s*#?\s*\d{1,7}"
        r"(?:,?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?:,?\s+(?:[A-Z]{2}\s+)?\d{4,6})?)?(?!\w)"
    )
    # Gulf / Indian unit chains: "Villa 23, Street 14, Al Barsha 2, Dubai",
    # "Flat 12, 3rd Floor, Sea View Apartments, Marine Drive, Mumbai 400020".
    comp = (
        r"(?:" + _EN_UNIT + r"|(?:Street|St|Road|Rd|Way|Lane)\s+(?:No\.?\s*)?\d+[A-Z]?"
        r"|(?:[A-Z][a-z]+\s+){1,3}(?:" + _EN_STREET + r")\.?"
        r"|\d+(?:st|nd|rd|th)\s+(?:" + _EN_STREET + r")|\d{1,5}\s+Broadway"
        r"|\d{1,5},?\s+" + _EN_STREET_FIRST + r"\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}"
        r"|[A-Z][a-z]+\s+(?:Residency|Apartments|Towers|Heights|Enclave|Complex|Society|"
        r"Colony|Layout|Estate|Residences|Mansion|Court))"
    )
    place = r"(?:(?:Al|El)[\s-])?[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}(?:\s+\d{1,2})?"
    en_chain = re.compile(
        r"(?<![\w#])(?P<chain>" + comp + r"(?:,\s*(?:" + comp + r"|" + place + r"))+)"
        r"(?:,?\s*(?:[-\u2013]\s*)?\d{5,6}(?:\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?|,?\s+"
        + _UK_POSTCODE
        + r"|,?\s+(?:"
        + _US_STATES
        + r")\s+\d{5}(?:-\d{4})?)?(?![\w])"
    )
    en_zip = re.compile(
        r"(?<![\w])[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?,\s*(?:"
        + _US_STATES
        + r")\s+\d{5}(?:-\d{4})?(?![\w])"
    )
    postcode_cue = re.compile(
        r"(?i:post\s?code|postal\s+code|zip(?:\s?code)?|pin\s?code)\s*(?:is\s*)?[:：]?\s*"
        r"(?P<code>" + _UK_POSTCODE + r"|\d{5}(?:-\d{4})?|\d{6}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)(?![\w])"
    )
    zh_estate = re.compile(
        r"[\u4e00-\u9fff]{2,8}(?:小区|花园|大厦|公寓|苑|村|广场|中心|新村|家园)"
        r"[0-9一二三四五六七八九十]+(?:栋|幢|号楼|座)(?:[0-9一二三四五六七八九十]+单元)?"
        r"(?:[0-9]+(?:室|号|楼|层))?"
    )
    # Round 7: a street with no type word before a city and a strong postcode
    # ("12 Kirkgate, Bradford BD1 1QN"); German / Dutch / Nordic "Hauptstraße 12,
    # 10827 Berlin"; French "9 rue Oberkampf, 75011 Paris"; Indian "B-14 Vasant
    # Vihar New Delhi 110057"; Turkish "Atatürk Cad. No: 12 Kadıköy/İstanbul".
    cap = r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff\u0131\u011f\u015f]+"
    en_postcoded = re.compile(
        r"(?<![\w#])\d{1,4}[A-Za-z]?\s+"
        + cap
        + r"(?:\s+"
        + cap
        + r")?,\s*"
        + cap
        + r"(?:\s+"
        + cap
        + r")?,?\s+"
        r"(?:" + _UK_POSTCODE + r"|(?:" + _US_STATES + r")\s+\d{5}(?:-\d{4})?)(?![\w])"
    )
    eu = re.compile(
        r"(?<![\w])(?:"
        + cap
        + r"(?:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|straat|laan|gracht|gatan|vej)"
        r"|(?:" + cap + r"\s+)?(?:Stra(?:ß|ss)e|Weg|Platz|Allee)\s+" + cap + r")\s+\d{1,4}[a-z]?"
        r"(?:,?\s+\d{4,5}\s+" + cap + r"(?:\s+(?:am|an der)\s+" + cap + r")?)?"
        r"|(?<![\w])\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e|impasse|quai|cours)"
        r"\s+(?:(?:de|du|des|la|le|l['\u2019]|d['\u2019])\s*)*"
        + cap
        + r"(?:[\s-]+"
        + cap
        + r"){0,3}"
        r"(?:,?\s+\d{5}\s+" + cap + r"(?:[\s-]+" + cap + r")?)?"
        r"|(?<![\w])"
        + cap
        + r"\s+(?:Cad\.|Caddesi|Sok\.|Sokak|Sk\.|Bulvar[ıi])\s+(?:No\s*:?\s*)\d{1,4}"
        r"(?:[,\s]+" + cap + r"(?:\s?/\s?" + cap + r")?)?"
    )
    in_pin = re.compile(
        r"(?<![\w#-])[A-Z]-?\d{1,4}(?:/\d{1,4})?,?\s+(?:" + cap + r",?\s+){1,5}\d{6}(?![\w])"
    )
    saudi_short = re.compile(
        r"(?<![A-Za-z0-9])[A-Z]{4}\d{4}(?![A-Za-z0-9])"
        r"(?:\s*[,،]?\s*حي\s+" + _WORD_AR + r"(?:\s*[,،]?\s*(?:" + _CITY + r"))?)?"
    )
    # Kuwait: «الجابرية ق١١ ش٥ ج٣ م١٤» (block, street, avenue, house), an area before.
    kuwait = re.compile(
        r"(?:(?<!\w)ال"
        + _WORD_AR
        + r"\s+)?(?<!\w)ق\s?"
        + _NUM
        + r"\s+ش\s?"
        + _NUM
        + r"(?:\s+ج\s?"
        + _NUM
        + r")?(?:\s+م\s?"
        + _NUM
        + r")?"
        + r"(?:\s+الدور\s+(?:ال)?(?:أول|اول|ثاني|ثالث|رابع|خامس|أرضي|ارضي|[0-9\u0660-\u0669]+))?"
    )
    return {
        "arfa": arfa,
        "zh": zh,
        "zh_admin": zh_admin,
        "en": en,
        "po_box": po_box,
        "ar_num_street": ar_num_street,
        "saudi_short": saudi_short,
        "kuwait": kuwait,
        "en_postcoded": en_postcoded,
        "eu": eu,
        "in_pin": in_pin,
        "en_chain": en_chain,
        "en_zip": en_zip,
        "postcode_cue": postcode_cue,
        "zh_estate": zh_estate,
    }


# Round 7: what follows the house number in Chinese: an annex number, a building or
# campus name, a block, tower, phase, unit, floor and room, or a bare room number
# («…88号SOHO现代城B座2103», «…30 号 紫峰大厦 36 楼», «…100號7樓之2»).
_ZH_TAIL = re.compile(
    r"(?:\s?(?:附\s?[0-9]+\s?号|[A-Za-z0-9一二三四五六七八九十]{1,4}\s?(?:栋|幢|号楼|座|塔|期|单元|楼|层|F|室)"
    r"|[\u4e00-\u9fffA-Za-z]{2,8}?(?:大厦|中心|广场|大楼|写字楼|软件园|产业园|科技园|工业园|园区|大学|学院|小区|花园|公寓|"
    r"新村|家园|现代城|商城|都会)|[东西南北]区|[0-9]{1,3}-[0-9]{1,4}(?![0-9-])|(?<=[0-9楼层座塔号厦心场])[0-9]{3,4}(?![0-9])"
    r"|(?<=[\u4e00-\u9fff ])[0-9]{3,4}(?![0-9号])|之[0-9]+|(?<=[楼层])[A-Z](?![A-Za-z])))+"
)

# Words that end an address written inside a sentence.
_ZH_LEAD = re.compile(
    r"^(?:请|麻烦|请帮我|帮我|帮忙|麻烦你|我|我们|我家)?(?:住在|在|送到|寄到|发到|寄往|送往|配送到|改到|改成|改为|"
    r"寄去|送去|发往)|"
    r"^(?:新|收货|我的|详细|送货|邮寄)?地址(?:是|为|改为|改成)?[:：]?"
)
_PART_RE = re.compile(
    r"(?<!\w)ب?(?:" + _FA_PARTS + "|" + _AR_PARTS + r")(?![\u0621-\u064a\u0671-\u06d3])"
)
# Components that make an address on their own with a number ("پلاک ۱۲", "شارع 15");
# others ("شهر" is a month in Arabic, "واحد" is "one") need a second component.
_STRONG = re.compile(
    r"(?:خیابان|خيابان|بلوار|کوچه|كوچه|پلاک|پلاك|صندوق[\s\u200c]?پستی|سرک|پ\.?(?=\s*[0-9\u06f0-\u06f9])|کد\s?پستی|كد\s?پستي|شارع|مبنى|عمارة|بناية|"
    r"فيلا|شقة|ص\.\s?ب|صندوق بريد|الرمز البريدي)"
)
_HAS_NUM = re.compile(_NUM)


_AR_PLACE_TAIL = re.compile(
    r"\s*[,،]\s*(?!(?:" + _STOP_WORDS + r")(?!\w))" + _WORD_AR + r"(?:\s+(?!(?:" + _STOP_WORDS
    + r")(?!\w))" + _WORD_AR + r")?(?:\s+[0-9\u0660-\u0669\u06f0-\u06f9]{5,10})?"
)  # fmt: skip
_AR_PLACE_TAIL_NUM = re.compile(
    r"\s+(?![\d])" + _WORD_AR + r"\s+[0-9\u0660-\u0669\u06f0-\u06f9]{5}"
)


# Words after a comma that start the sentence again, not a place: «، والاسم ماريسول»,
# «، دست شهره خانم», «، وشريف هو اللي هيستلم».
_TAIL_CLAUSE = frozenset(
    [
        "والاسم",
        "الاسم",
        "والمستلم",
        "المستلم",
        "دست",
        "تحویل",
        "بنام",
        "باسم",
        "اسألوا",
        "اسأل",
        "كلموا",
        "اتصلوا",
        "سلموا",
        "بعد",
        "قبل",
        "الساعة",
    ]
)


def _names_a_person(segment: str) -> bool:
    """Whether a tail segment names a person rather than a place (a clause word, or a
    gazetteer given name, with or without a joined «و»)."""
    unambiguous = gazetteer()[0]
    for word in segment.replace("،", " ").replace(",", " ").split():
        if word in _TAIL_CLAUSE or word in _CITY_WORDS:
            return word in _TAIL_CLAUSE
        for w in (word, word[1:] if word.startswith("و") else ""):
            if w and fold_for_search(w) in unambiguous:
                return True
    return False


def _extend_arfa(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in the city or area after the last component («…، حي الملقا، الرياض»); a city
    before the first stays out, as in earlier rounds («اصفهان، بلوار کشاورز…»)."""
    for _ in range(3):
        m = _AR_PLACE_TAIL.match(text, end)
        if not m or _PART_RE.match(m.group().lstrip(" ,،")) or _names_a_person(m.group()):
            break
        end = m.end()
    m = _AR_PLACE_TAIL_NUM.match(text, end)
    if m:
        end = m.end()  # «ص.ب 2211 الرياض 11564»
    return start, end


# Round 7: a known city before the first component, with up to two district or
# landmark segments between («عمّان، عبدون، شارع…», «تهران، نارمک، میدان…», «کابل، کارته سه…»).
_CITY = "|".join(sorted(AR_CITIES.split(), key=len, reverse=True)).replace("_", r"\s")
_CITY_BEFORE = re.compile(
    r"(?<![\w\u200c])(?:" + _CITY + r")(?:\s*[,،]\s*|\s+)"
    r"(?:(?!(?:"
    + _STOP_WORDS
    + r")(?!\w))"
    + _WORD_AR
    + r"(?:\s+[0-9\u0660-\u0669\u06f0-\u06f9]+|\s+"
    r"(?!(?:" + _STOP_WORDS + r")(?!\w))" + _WORD_AR + r"){0,2}\s*[,،]\s*){0,2}$"
)


def _city_before(text: str, start: int) -> int:
    """The start of a city (and districts) written right before an address at `start`."""
    m = _CITY_BEFORE.search(text, max(0, start - 60), start)
    return m.start() if m else start


_HAS_ARABIC = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_HAS_LATIN = re.compile(r"[A-Za-z]")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")


def find_addresses(text: str) -> list[tuple[int, int]]:
    """Spans of postal addresses in `text`."""
    if not text:
        return []
    pats = _patterns()
    found: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        while end > start and text[end - 1] in " ,،.\u200c":
            end -= 1
        if end > start:
            found.append((start, end))

    arabic = _HAS_ARABIC.search(text) is not None
    latin = _HAS_LATIN.search(text) is not None
    han = _HAS_HAN.search(text) is not None
    for m in pats["arfa"].finditer(text) if arabic else ():
        chunk = m.group()
        parts = len(_PART_RE.findall(chunk))
        if parts >= 2 or (parts == 1 and _STRONG.search(chunk) and _HAS_NUM.search(chunk)):
            start = m.start() + (1 if _PART_RE.match(text, m.start() + 1) else 0)
            add(*_extend_arfa(text, _city_before(text, start), m.end()))
    for key in ("zh", "zh_admin", "zh_estate") if han else ():
        for m in pats[key].finditer(text):
            lead = _ZH_LEAD.match(m.group())
            tail = _ZH_TAIL.match(text, m.end())
            add(m.start() + (lead.end() if lead else 0), tail.end() if tail else m.end())
    for key in (
        ("en", "po_box", "saudi_short", "en_zip", "en_postcoded", "eu", "in_pin") if latin else ()
    ):
        for m in pats[key].finditer(text):
            add(m.start(), m.end())
    for m in pats["kuwait"].finditer(text) if arabic else ():
        add(m.start(), m.end())
    for m in pats["ar_num_street"].finditer(text) if arabic else ():
        add(*_extend_arfa(text, _city_before(text, m.start()), m.end()))
    for m in pats["en_chain"].finditer(text) if latin else ():
        units = len(re.findall(_EN_UNIT + r"|(?:Street|St|Road|Rd|Way|Lane)\s+\d", m.group()))
        streets = len(
            re.findall(r"\b(?:" + _EN_STREET + "|" + _EN_STREET_FIRST + r")\b", m.group())
        )
        if units >= 2 or (units >= 1 and streets >= 1):
            add(m.start(), m.end())
    for m in pats["postcode_cue"].finditer(text) if latin else ():
        add(m.start("code"), m.end("code"))
    # Longest first; a shorter span inside or across a longer one is dropped.
    spans: list[tuple[int, int]] = []
    for start, end in sorted(set(found), key=lambda se: (se[0] - se[1], se[0])):
        if all(end <= a or start >= b for a, b in spans):
            spans.append((start, end))
    return sorted(spans)
