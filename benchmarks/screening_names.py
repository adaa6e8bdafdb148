"""Company names for the screening benchmark: suppliers and a watch list (pure, no Django).

Deterministic for a seed. Mainland suppliers have a Chinese name (place, a two-character
trade name, an industry, a legal form) and its English rendering ("Beijing Huaxin
Technology Co., Ltd."); foreign ones a Latin name with a legal form of their country. The
watch list mixes Chinese names, English renderings and foreign names, and plants true
near-matches of the suppliers: the same company under another legal form, with its place in
brackets, in fullwidth characters, with one letter of a long trade name changed, or only by
its credit code.

A letter changed in a short trade name is not planted: "Putian Construction Engineering"
and "Yetian Construction Engineering" are two companies, and the matcher is meant to tell
them apart (it compares the trade names as well as the whole names). A trade name of
`LONG_TRADE_NAME` letters or more keeps 90 with one letter changed, and is planted misspelt.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

PLACES = [
    ("北京", "Beijing"),
    ("上海", "Shanghai"),
    ("广州", "Guangzhou"),
    ("深圳", "Shenzhen"),
    ("杭州", "Hangzhou"),
    ("南京", "Nanjing"),
    ("成都", "Chengdu"),
    ("武汉", "Wuhan"),
    ("天津", "Tianjin"),
    ("西安", "Xi'an"),
    ("苏州", "Suzhou"),
    ("江苏", "Jiangsu"),
    ("浙江", "Zhejiang"),
    ("广东", "Guangdong"),
    ("山东", "Shandong"),
]
# Characters common in trade names, with their pinyin (tones dropped).
TRADE_CHARACTERS = (
    "华信安达通宏泰恒瑞祥丰盛源兴隆鑫创新联合众志诚天宇海川东方中科电力金银博远智慧云星光明"
    "长城正大德润嘉和永昌富贵荣辉腾飞凯旋锦绣龙凤腾跃奥维思捷迅鼎峰汇融康健立讯拓普卓越英特"
    "美佳能美亚太平洋北辰南山西湖青松白云紫金红旗绿洲蓝天彩虹宝石玉石钢铁铜铝新材精密机械"
)
INDUSTRIES = [
    ("科技", "Technology"),
    ("信息技术", "Information Technology"),
    ("电子", "Electronics"),
    ("网络", "Network"),
    ("软件", "Software"),
    ("通信", "Communications"),
    ("电力设备", "Power Equipment"),
    ("建设工程", "Construction Engineering"),
    ("贸易", "Trading"),
    ("实业", "Industrial"),
    ("数据", "Data"),
    ("智能", "Intelligent"),
    ("安防", "Security"),
    ("机电", "Electromechanical"),
    ("环保", "Environmental Protection"),
    ("物流", "Logistics"),
    ("咨询", "Consulting"),
    ("能源", "Energy"),
    ("医疗器械", "Medical Devices"),
    ("生物技术", "Biotechnology"),
    ("化工", "Chemical"),
    ("新材料", "New Materials"),
    ("汽车零部件", "Auto Parts"),
    ("食品", "Foods"),
    ("纺织", "Textile"),
    ("印刷", "Printing"),
    ("包装", "Packaging"),
    ("家具", "Furniture"),
    ("光电", "Optoelectronics"),
    ("半导体", "Semiconductor"),
    ("自动化", "Automation"),
    ("仪器仪表", "Instruments"),
    ("广告传媒", "Advertising Media"),
    ("人力资源", "Human Resources"),
    ("物业管理", "Property Management"),
    ("餐饮管理", "Catering Management"),
    ("教育科技", "Education Technology"),
    ("电梯", "Elevator"),
    ("消防工程", "Fire Protection Engineering"),
    ("暖通设备", "HVAC Equipment"),
]
CHINESE_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
ENGLISH_FORMS = ["Co., Ltd.", "Co., Ltd.", "Company Limited", "Limited", "Corporation", "Group Co., Ltd."]
FOREIGN_WORDS = [
    "Alpha", "Nordic", "Helix", "Vantage", "Orion", "Meridian", "Atlas", "Crest", "Summit", "Pioneer",
    "Sterling", "Apex", "Zenith", "Quantum", "Horizon", "Vertex", "Harbor", "Falcon", "Granite",
    "Silver", "Cobalt", "Phoenix", "Titan", "Aurora", "Beacon", "Cascade", "Delta", "Echo", "Frontier",
    "Global", "Integra", "Keystone", "Lumen", "Matrix", "Nexus", "Omega", "Pinnacle", "Radiant",
    "Sapphire", "Trident", "Unity", "Vector", "Willow", "Xenon", "Yellowstone", "Zephyr", "Amber",
    "Boreal", "Cedar", "Dynamo", "Ember", "Fjord", "Glacier", "Hudson", "Iris", "Juniper", "Kestrel",
    "Lotus", "Magnolia", "Nimbus", "Onyx", "Prairie", "Quartz", "Raven", "Sequoia", "Tundra", "Umbra",
    "Vortex",
]  # fmt: skip
FOREIGN_INDUSTRIES = [
    "Systems", "Networks", "Logistics", "Engineering", "Trading", "Security", "Data", "Solutions",
    "Industries", "Electronics", "Software", "Holdings", "Consulting", "Energy", "Instruments",
]  # fmt: skip
FOREIGN_FORMS = ["GmbH", "AG", "S.A.", "SAS", "S.p.A.", "B.V.", "N.V.", "Pte. Ltd.", "Pty Ltd", "PLC",
                 "Inc.", "LLC", "Corp.", "K.K.", "Ltd"]  # fmt: skip
ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr", "st", "gr"]
VOWELS = ["a", "e", "i", "o", "u", "ia", "ea", "ou"]
CODAS = ["", "", "", "n", "r", "s", "x", "l", "m"]
CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# fuzz.ratio of a word and the word with one letter changed is 100 * (1 - 1 / length).
LONG_TRADE_NAME = 10


@dataclass
class Company:
    name: str
    name_en: str
    code: str
    country: str


@dataclass
class ListName:
    name: str
    identifiers: list[str] = field(default_factory=list)
    country: str = ""
    planted_for: int | None = None  # index of the supplier it was made from


def _pinyin_of(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).capitalize()


def _trade_character(rng: random.Random) -> str:
    """Mostly characters common in trade names, some from the whole basic CJK block."""
    if rng.random() < 0.5:
        return rng.choice(TRADE_CHARACTERS)
    return chr(rng.randint(0x4E00, 0x9FA5))


def _invented_word(rng: random.Random) -> str:
    """A brand-like word ("Velmora", "Castrix") from two or three syllables."""
    syllables = [
        rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice((2, 2, 3)))
    ]
    return "".join(syllables).capitalize()


def _code(rng: random.Random) -> str:
    return "91" + "".join(rng.choice(CODE_CHARACTERS) for _ in range(16))


def chinese_company(rng: random.Random) -> Company:
    place, place_en = rng.choice(PLACES)
    trade = "".join(_trade_character(rng) for _ in range(rng.choice((2, 2, 3, 4))))
    industry, industry_en = rng.choice(INDUSTRIES)
    form_index = rng.randrange(len(CHINESE_FORMS))
    with_place = rng.random() < 0.7
    name = f"{place if with_place else ''}{trade}{industry}{CHINESE_FORMS[form_index]}"
    name_en = (
        f"{place_en + ' ' if with_place else ''}{_pinyin_of(trade)} {industry_en} {ENGLISH_FORMS[form_index]}"
    )
    return Company(name, name_en, _code(rng), "CN")


def foreign_company(rng: random.Random) -> Company:
    words = [
        rng.choice(FOREIGN_WORDS) if rng.random() < 0.3 else _invented_word(rng)
        for _ in range(rng.choice((1, 2)))
    ]
    name_en = f"{' '.join(words)} {rng.choice(FOREIGN_INDUSTRIES)} {rng.choice(FOREIGN_FORMS)}"
    number = "".join(rng.choice(string.digits) for _ in range(9))
    return Company("", name_en, number, rng.choice(["DE", "FR", "IT", "NL", "SG", "AU", "GB", "US", "JP"]))


def suppliers(count: int, seed: int) -> list[Company]:
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not security
    return [foreign_company(rng) if rng.random() < 0.05 else chinese_company(rng) for _ in range(count)]


def _fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation in their fullwidth forms."""
    return "".join(
        chr(ord(character) + 0xFEE0) if "!" <= character <= "~" else character for character in text
    )


def _trade_word(words: list[str]) -> int:
    """Where the trade name is: the word after the place, if any."""
    return 1 if len(words) > 2 and words[0] in {english for _chinese, english in PLACES} else 0


def _typo(text: str, rng: random.Random) -> str:
    """One letter of the trade name changed."""
    words = text.split()
    index = _trade_word(words)
    word = words[index]
    position = rng.randrange(1, len(word)) if len(word) > 1 else 0
    words[index] = word[:position] + rng.choice("aeiou") + word[position + 1 :]
    return " ".join(words)


def near_match(company: Company, rng: random.Random) -> ListName:
    """The supplier as a watch list might name it."""
    kind = rng.randrange(6)
    if kind == 0 and company.name:
        core = company.name.removesuffix("有限公司").removesuffix("股份")
        return ListName(f"{core}股份有限公司", country="CN")
    if kind == 1 and company.name:
        # Typed with a Chinese input method: fullwidth brackets, "(China)" added.
        return ListName(_fullwidth(company.name.replace("有限公司", "(中国)有限公司", 1)), country="CN")
    words = company.name_en.split()
    if kind == 2 and len(words[_trade_word(words)]) >= LONG_TRADE_NAME:
        return ListName(_typo(company.name_en, rng), country=company.country)
    if kind == 3 and company.name:
        # The place in brackets after the name, upper case: "HUAXIN TECHNOLOGY (BEIJING) CO., LTD."
        place = next((english for chinese, english in PLACES if company.name.startswith(chinese)), "")
        rest = company.name_en.removeprefix(place).strip()
        form = next(form for form in sorted(ENGLISH_FORMS, key=len, reverse=True) if rest.endswith(form))
        core = rest.removesuffix(form).strip()
        return ListName(f"{core} ({place or 'China'}) {form}".upper(), country=company.country)
    if kind == 4:
        return ListName(f"Totally Unrelated Name {rng.randrange(10**6)}", identifiers=[company.code.lower()])
    return ListName(company.name_en.replace("Co., Ltd.", "Company Limited"), country=company.country)


def watch_list(count: int, companies: list[Company], planted: int, seed: int) -> list[ListName]:
    """`count` names, `planted` of them near-matches of `companies`."""
    rng = random.Random(seed + 1)  # noqa: S311 - deterministic test data, not security
    names: list[ListName] = []
    for index in rng.sample(range(len(companies)), planted):
        item = near_match(companies[index], rng)
        item.planted_for = index
        names.append(item)
    while len(names) < count:
        roll = rng.random()
        company = foreign_company(rng) if roll < 0.2 else chinese_company(rng)
        name = company.name if roll >= 0.6 else company.name_en
        names.append(ListName(name, [company.code] if rng.random() < 0.5 else [], company.country))
    rng.shuffle(names)
    return names
