"""Company names compared as people mean them (pure module, no Django import).

`normalise_name` keeps what identifies a company and drops what many companies share, in
steps a reviewer can follow (`name_parts` says what each step removed):

1. Unicode NFKC, so fullwidth letters, digits, spaces and brackets become ordinary ones.
2. A place name in brackets (fullwidth or not) is dropped: 华信科技(北京)有限公司,
   "Huaxin Technology (Beijing) Co., Ltd.", "(China)", (中国).
3. Chinese legal forms at the end are dropped, repeatedly: 股份有限公司, 有限责任公司,
   有限公司, 集团, 分公司, 公司 … (and the place before 分公司: 某某有限公司北京分公司).
4. A leading place name (a province, a region or a large city, in Chinese or pinyin) is
   dropped when the rest is still a name: at least four Chinese characters (北京华信科技 →
   华信科技, but 北京银行 stays) or two Latin words ("Beijing Huaxin Technology" →
   "huaxin technology", but "Shanghai Electric" stays).
5. Chinese is written in pinyin, each run of Chinese characters as one word (华信科技 →
   "huaxinkeji"); other scripts in ASCII (Cyrillic, accented Latin: "Société" → "societe").
6. Lower case; punctuation becomes a space, apostrophes vanish ("Xi'an" → "xian").
7. Latin legal forms at the end are dropped, repeatedly ("Co., Ltd.", GmbH, AG, S.p.A.,
   "Pte. Ltd." …), and a leading Russian form (Cyrillic OOO, "ooo").

Each step leaves at least one word, so a name made only of a legal form is kept.

Pinyin runs are one word while a romanised name has a space per word ("Huaxin Keji"), so
the screening matcher compares names with their spaces removed as well as word by word.

`distinctive_part` then takes off the generic industry words a normalised name ends with
(科技 / keji / technology, 建设工程 / jianshe gongcheng / construction engineering …, the
list `GENERIC_WORDS`), so the matcher can tell "Putian Construction Engineering" from
"Yetian Construction Engineering": the whole names are 93 alike, their distinctive parts
"putian" and "yetian" only 67. It works on the name with its spaces removed, so names that
normalise alike (华信科技 and "Huaxin Keji") always have the same distinctive part.
Translation is out of scope: 北京华信科技有限公司 and "Beijing Huaxin Technology Co., Ltd."
do not normalise alike (科技 is "keji", not "technology"); a supplier is screened under its
Chinese and its English name, each against list names in the same script.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii
from pypinyin import lazy_pinyin

# Longest first, so 股份有限公司 goes before 有限公司 and 公司.
CHINESE_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "股份公司",
    "有限公司",
    "有限合伙",
    "总公司",
    "股份",
    "分公司",
    "集团",
    "公司",
)
CHINESE_BRANCH = "分公司"
# Provincial-level divisions and large cities, as company names start with them.
CHINESE_PLACES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "西安", "青岛", "大连",
    "厦门", "宁波", "无锡", "长沙", "郑州", "沈阳", "哈尔滨", "济南", "合肥", "福州", "昆明",
    "南宁", "长春", "石家庄", "太原", "南昌", "贵阳", "兰州", "海口", "呼和浩特", "乌鲁木齐",
    "银川", "西宁", "拉萨", "东莞", "佛山", "珠海",
)  # fmt: skip
CHINESE_PLACE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
# Only in brackets: a leading 中国 or "China" is part of many names (中国电信, China Mobile).
BRACKETED_ONLY_PLACES = ("中国", "china", "prc", "zhongguo")
LATIN_PLACE_SPELLINGS = ("hongkong", "macau", "macao", "shaanxi", "peking")
# Written as the tokens they become after punctuation is spaced: "S.p.A." → ("s", "p", "a").
LATIN_LEGAL_FORMS = (
    ("co",),
    ("company",),
    ("ltd",),
    ("limited",),
    ("inc",),
    ("incorporated",),
    ("corp",),
    ("corporation",),
    ("llc",),
    ("llp",),
    ("plc",),
    ("gmbh",),
    ("ag",),
    ("ab",),
    ("kg",),
    ("sa",),
    ("s", "a"),
    ("sas",),
    ("s", "a", "s"),
    ("spa",),
    ("s", "p", "a"),
    ("srl",),
    ("s", "r", "l"),
    ("bv",),
    ("b", "v"),
    ("nv",),
    ("n", "v"),
    ("pte",),
    ("pty",),
    ("kk",),
    ("k", "k"),
    ("group",),
)
LEADING_LATIN_LEGAL_FORMS = frozenset({"ooo", "oao", "zao", "pao"})
# Generic industry and business words: what many companies of a trade share, not what tells
# one from another. Each Chinese word stands for its pinyin (科技 → "keji"); the English words
# after it are its usual translations. Names put them at the end (华信信息科技, "Huaxin
# Information Technology"), where `distinctive_part` takes them off.
GENERIC_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("科技", ("technology", "technologies", "tech")),
    ("技术", ("technical",)),
    ("工程", ("engineering", "engineers")),
    ("建设", ("construction",)),
    ("建筑", ("building", "builders")),
    ("电子", ("electronics", "electronic")),
    ("信息", ("information", "info")),
    ("网络", ("network", "networks", "networking")),
    ("软件", ("software",)),
    ("科学", ("science", "sciences", "scientific")),
    ("贸易", ("trading", "trade")),
    ("商贸", ("commerce", "commercial")),
    ("实业", ("industrial", "industries", "industry")),
    ("工业", ()),
    ("集团", ("group",)),
    ("控股", ("holdings", "holding")),
    ("国际", ("international", "global")),
    ("发展", ("development",)),
    ("服务", ("services", "service")),
    ("机电", ("mechanical and electrical", "electromechanical", "electrical and mechanical")),
    ("机械", ("machinery", "mechanical")),
    ("电气", ("electrical", "electric")),
    ("设备", ("equipment",)),
    ("装备", ()),
    ("系统", ("systems", "system")),
    ("通信", ("communication", "communications")),
    ("通讯", ("telecom", "telecommunications")),
    ("数据", ("data",)),
    ("云", ("cloud",)),
    ("电力", ("power",)),
    ("能源", ("energy",)),
    ("物流", ("logistics",)),
    ("运输", ("transport", "transportation")),
    ("供应链", ("supply chain",)),
    ("咨询", ("consulting", "consultancy", "consultants")),
    ("管理", ("management",)),
    ("安全", ("security",)),
    ("安防", ()),
    ("智能", ("intelligent", "smart")),
    ("自动化", ("automation",)),
    ("数字", ("digital",)),
    ("数码", ()),
    ("计算机", ("computer", "computers")),
    ("互联网", ("internet",)),
    ("投资", ("investment", "investments")),
    ("制造", ("manufacturing",)),
    ("企业", ("enterprise", "enterprises")),
    ("商务", ("business",)),
    ("解决方案", ("solutions",)),
    ("环保", ("environmental protection", "environmental")),
    ("医疗", ("medical",)),
    ("器械", ("devices",)),
    ("化工", ("chemical", "chemicals")),
    ("材料", ("materials",)),
    ("仪器", ("instruments", "instrument")),
    ("仪表", ()),
    ("光电", ("optoelectronics",)),
    ("传媒", ("media",)),
    ("广告", ("advertising",)),
    ("文化", ("culture", "cultural")),
    ("物业", ("property",)),
    ("营销", ("marketing",)),
    ("产品", ("products",)),
    ("创意", ("creative",)),
    ("食品", ("foods", "food")),
    ("纺织", ("textile", "textiles")),
    ("印刷", ("printing",)),
    ("包装", ("packaging",)),
    ("家具", ("furniture",)),
    ("半导体", ("semiconductor", "semiconductors")),
    ("生物", ("biotechnology", "biotech")),
    ("人力资源", ("human resources",)),
    ("教育", ("education",)),
    ("汽车", ("automotive", "auto")),
    ("零部件", ("parts", "auto parts")),
    ("新材料", ("new materials",)),
    ("消防", ("fire protection",)),
    ("电梯", ("elevator", "elevators")),
    ("暖通", ("hvac",)),
    ("餐饮", ("catering",)),
)
# A generic word is taken off only when this many letters remain (华云 → "hua" is a name;
# "nanquan", 南泉, is not "n" + 安全).
MINIMUM_DISTINCTIVE = 3
MAX_PINYIN_FORM_WORDS = 4
MINIMUM_CHINESE_REST = 4
MINIMUM_LATIN_REST = 2
MAX_PLACE_WORDS = 3

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_BRACKETED = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
_APOSTROPHES = re.compile("['`\u2019]")
_WORD = re.compile(r"[a-z0-9]+")
_NOT_IDENTIFIER = re.compile(r"[^0-9A-Z]+")


@functools.lru_cache(maxsize=100_000)
def _pinyin(han: str) -> str:
    return "".join(lazy_pinyin(han))


_CHINESE_PLACES_LONGEST_FIRST = tuple(sorted(CHINESE_PLACES, key=len, reverse=True))
LATIN_PLACES = frozenset({_pinyin(place) for place in CHINESE_PLACES} | set(LATIN_PLACE_SPELLINGS))
_LATIN_LEGAL_FORM_SET = frozenset(LATIN_LEGAL_FORMS)
# The Chinese forms romanised ("Youxian Gongsi", "Gufen Youxian Gongsi", "Jituan").
PINYIN_LEGAL_FORMS = frozenset(_pinyin(form) for form in CHINESE_LEGAL_FORMS)


GENERIC = frozenset(
    word
    for chinese, english in GENERIC_WORDS
    for word in (_pinyin(chinese), *("".join(_WORD.findall(text)) for text in english))
)
_GENERIC_LENGTHS = tuple(sorted({len(word) for word in GENERIC}, reverse=True))


@dataclass(frozen=True)
class NameParts:
    """A name as normalised, with what normalising removed (for the "why it matched" page)."""

    original: str
    normalised: str
    legal_forms: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def transliterate(name: str) -> str:
    """Chinese characters as pinyin syllables, other scripts as ASCII."""
    text = unicodedata.normalize("NFKC", name or "")
    if _HAN.search(text):
        text = " ".join(lazy_pinyin(text))
    return anyascii(text)


def _is_place(text: str) -> bool:
    """Whether bracketed text names a place: 北京, 北京市, 中国, "Beijing", "Hong Kong"."""
    text = text.strip()
    for suffix in CHINESE_PLACE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if text in CHINESE_PLACES or text in BRACKETED_ONLY_PLACES:
        return True
    joined = "".join(_WORD.findall(anyascii(text).lower()))
    return joined in LATIN_PLACES or joined in BRACKETED_ONLY_PLACES


def _leading_chinese_place(text: str) -> str:
    """The place a Chinese name starts with (with 省/市 …), or ""."""
    for place in _CHINESE_PLACES_LONGEST_FIRST:
        if text.startswith(place):
            rest = text[len(place) :]
            for suffix in CHINESE_PLACE_SUFFIXES:
                if rest.startswith(suffix):
                    return place + suffix
            return place
    return ""


def _strip_chinese(text: str, legal_forms: list[str], places: list[str]) -> str:
    """Steps 3 and 4 on the Chinese part of a name."""
    stripped = True
    while stripped:
        stripped = False
        if text in CHINESE_LEGAL_FORMS:
            break
        for form in CHINESE_LEGAL_FORMS:
            if text.endswith(form) and len(text) > len(form):
                text = text[: -len(form)].rstrip()
                legal_forms.insert(0, form)
                stripped = True
                if form == CHINESE_BRANCH:
                    text = _strip_trailing_place(text, places)
                break
    place = _leading_chinese_place(text)
    if place and _HAN.fullmatch(text) and len(text) - len(place) >= MINIMUM_CHINESE_REST:
        places.append(place)
        text = text[len(place) :]
    return text


def _strip_trailing_place(text: str, places: list[str]) -> str:
    """The branch's place: 华信科技有限公司北京分公司 is the Beijing branch of 华信科技."""
    for place in _CHINESE_PLACES_LONGEST_FIRST:
        for suffix in ("", *CHINESE_PLACE_SUFFIXES):
            written = place + suffix
            if text.endswith(written) and len(text) > len(written):
                places.append(written)
                return text[: -len(written)]
    return text


def _words(text: str) -> list[str]:
    """Step 5 and 6: Chinese runs as one pinyin word each, the rest in ASCII, lower case."""
    pieces: list[str] = []
    position = 0
    for run in _HAN.finditer(text):
        pieces.append(anyascii(text[position : run.start()]))
        pieces.append(f" {_pinyin(run.group())} ")
        position = run.end()
    pieces.append(anyascii(text[position:]))
    latin = _APOSTROPHES.sub("", "".join(pieces).lower())
    return _WORD.findall(latin)


def _strip_latin(words: list[str], legal_forms: list[str], places: list[str]) -> list[str]:
    """Step 7 and the Latin half of step 4."""
    if len(words) > 1 and words[0] in LEADING_LATIN_LEGAL_FORMS:
        legal_forms.append(words[0])
        words = words[1:]
    while len(words) > 1:
        form = _trailing_legal_form(words)
        if not form:
            break
        legal_forms.insert(0, " ".join(words[-form:]))
        words = words[:-form]
    for size in range(MAX_PLACE_WORDS, 0, -1):
        if len(words) - size >= MINIMUM_LATIN_REST and "".join(words[:size]) in LATIN_PLACES:
            places.append(" ".join(words[:size]))
            words = words[size:]
            break
    return words


def _trailing_legal_form(words: list[str]) -> int:
    """How many of the last words are a legal form (0: none), always leaving one word."""
    for size in range(min(MAX_PINYIN_FORM_WORDS, len(words) - 1), 0, -1):
        tail = words[-size:]
        if tuple(tail) in _LATIN_LEGAL_FORM_SET or "".join(tail) in PINYIN_LEGAL_FORMS:
            return size
    return 0


def name_parts(name: str) -> NameParts:
    """The normalised name and what normalising removed from `name` (see the module docs)."""
    original = name or ""
    text = unicodedata.normalize("NFKC", original).strip()
    legal_forms: list[str] = []
    places: list[str] = []

    def drop_bracketed_place(match: re.Match[str]) -> str:
        inner = match.group(1)
        if _is_place(inner):
            places.append(inner.strip())
            # 某某股份(中国)有限公司: the Chinese around the place reads on as one name.
            return "" if _HAN.match(text, max(match.start() - 1, 0)) else " "
        return f" {inner} "

    without_places = _BRACKETED.sub(drop_bracketed_place, text).strip()
    if _WORD.search(without_places.lower()) or _HAN.search(without_places):
        text = without_places
    else:
        places.clear()
    text = _strip_chinese(text, legal_forms, places) if _HAN.search(text) else text
    words = _strip_latin(_words(text), legal_forms, places)
    return NameParts(original, " ".join(words), tuple(legal_forms), tuple(places))


def normalise_name(name: str) -> str:
    """The name without its legal form and leading place, transliterated, lower case,
    single-spaced (see the module docs for the steps)."""
    return name_parts(name).normalised


def legal_form_of(name: str) -> str:
    """The legal forms normalising removes from `name` ("有限公司", "co ltd"), or ""."""
    return " ".join(name_parts(name).legal_forms)


def joined(normalised: str) -> str:
    """A normalised name without spaces: "huaxin keji" and "huaxinkeji" read alike."""
    return normalised.replace(" ", "")


def distinctive_part(normalised: str) -> str:
    """What tells a company from others of its trade: the normalised name without its spaces
    and without the generic words it ends with, longest first and repeatedly ("huaxin
    information technology" → "huaxin", "putianjianshegongcheng" → "putian"), as long as
    three letters remain. A name made only of generic words is its own distinctive part."""
    text = joined(normalised)
    rest = text
    stripped = True
    while stripped:
        stripped = False
        for length in _GENERIC_LENGTHS:
            if len(rest) - length >= MINIMUM_DISTINCTIVE and rest[-length:] in GENERIC:
                rest = rest[:-length]
                stripped = True
                break
    if rest in GENERIC or len(rest) < MINIMUM_DISTINCTIVE:
        return text
    return rest


def sorted_words(normalised: str) -> str:
    """A normalised name's words in alphabetical order, as fuzz.token_sort_ratio reads it."""
    return " ".join(sorted(normalised.split()))


def normalise_identifier(identifier: str) -> str:
    """An identifier (credit code, registration number) as compared: fullwidth folded, upper
    case, only letters and digits ("91110000-6000 3718 6X" → "91110000600037186X")."""
    return _NOT_IDENTIFIER.sub("", unicodedata.normalize("NFKC", identifier or "").upper())
