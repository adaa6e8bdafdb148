"""The demo supplier register as data: 2,623 suppliers at scale 1, of which 5 from Hong
Kong, Macau and Taiwan and 5 from other countries and regions (the seed's figures), the
rest mainland companies with valid unified social credit codes. Pure module: no Django
import, so the benchmark generator uses it too.

The same seed and scale always give the same plan: every random choice comes from the
`random.Random` passed in, in a fixed order. Dates are day offsets from the day of
seeding (negative in the past), so the demo always shows documents about to expire.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from stdnum.cn import uscc

from garrison.core.demo.names import chinese_name
from garrison.suppliers import regions

SUPPLIERS_AT_SCALE_1 = 2623

# Statuses of the substandard and prospective suppliers at scale 1; the rest are qualified.
STATUS_COUNTS = {
    "prospective": 120,
    "rectifying": 30,
    "unqualified": 12,
    "suspended": 8,
    "blacklisted": 5,
}
SUSPENDED_WITH_RELEASE_DATE = 4
EXPRESS_ACCESS = 20
# Qualification documents whose expiry the dashboard shows at scale 1.
EXPIRING_DOCUMENTS = 40
EXPIRED_DOCUMENTS = 10
CONTACTS_FOR_FIRST = 300
TIERS = (("critical", 8), ("important", 25), ("standard", 67))

# The registering authority and entity type of a company (9 = market regulation, 1 = company).
USCC_PREFIX = "91"
_USCC_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class City:
    name_zh: str
    name_en: str
    # (administrative division code, district in Chinese, district in English)
    districts: tuple[tuple[str, str, str], ...]
    weight: int


CITIES: tuple[City, ...] = (
    City(
        "北京",
        "Beijing",
        (("110105", "朝阳区", "Chaoyang"), ("110108", "海淀区", "Haidian"), ("110115", "大兴区", "Daxing")),
        22,
    ),
    City(
        "上海",
        "Shanghai",
        (("310115", "浦东新区", "Pudong"), ("310104", "徐汇区", "Xuhui"), ("310112", "闵行区", "Minhang")),
        18,
    ),
    City("广州", "Guangzhou", (("440106", "天河区", "Tianhe"), ("440112", "黄埔区", "Huangpu")), 9),
    City(
        "深圳",
        "Shenzhen",
        (("440305", "南山区", "Nanshan"), ("440306", "宝安区", "Bao'an"), ("440307", "龙岗区", "Longgang")),
        11,
    ),
    City("杭州", "Hangzhou", (("330106", "西湖区", "Xihu"), ("330108", "滨江区", "Binjiang")), 7),
    City("南京", "Nanjing", (("320106", "鼓楼区", "Gulou"), ("320115", "江宁区", "Jiangning")), 5),
    City("苏州", "Suzhou", (("320505", "虎丘区", "Huqiu"), ("320506", "吴中区", "Wuzhong")), 5),
    City("天津", "Tianjin", (("120116", "滨海新区", "Binhai"),), 4),
    City("廊坊", "Langfang", (("131002", "安次区", "Anci"),), 3),
    City("成都", "Chengdu", (("510107", "武侯区", "Wuhou"), ("510116", "双流区", "Shuangliu")), 4),
    City("武汉", "Wuhan", (("420111", "洪山区", "Hongshan"),), 3),
    City("西安", "Xi'an", (("610113", "雁塔区", "Yanta"),), 2),
    City("合肥", "Hefei", (("340104", "蜀山区", "Shushan"),), 2),
    City("东莞", "Dongguan", (("441900", "松山湖", "Songshan Lake"),), 2),
    City("济南", "Jinan", (("370102", "历下区", "Lixia"),), 1),
    City("厦门", "Xiamen", (("350203", "思明区", "Siming"),), 1),
    City("重庆", "Chongqing", (("500112", "渝北区", "Yubei"),), 1),
)

# Trade names (字号) with their pinyin; made-up, chosen not to be well-known companies.
_TRADE_NAME_TABLE = """
    华信:Huaxin 中科:Zhongke 恒通:Hengtong 瑞达:Ruida 博远:Boyuan 鼎盛:Dingsheng
    天元:Tianyuan 宏图:Hongtu 汇智:Huizhi 海纳:Haina 新锐:Xinrui 联创:Lianchuang 金桥:Jinqiao
    安泰:Antai 明德:Mingde 嘉禾:Jiahe 卓越:Zhuoyue 晨光:Chenguang 星辰:Xingchen 蓝海:Lanhai
    云帆:Yunfan 启明:Qiming 致远:Zhiyuan 同创:Tongchuang 睿智:Ruizhi 融通:Rongtong 信达:Xinda
    广联:Guanglian 中天:Zhongtian 凯旋:Kaixuan 腾飞:Tengfei 华宇:Huayu 众诚:Zhongcheng
    立信:Lixin 德润:Derun 华腾:Huateng 泰和:Taihe 精诚:Jingcheng 宏达:Hongda 永安:Yong'an
    恒信:Hengxin 世纪:Shiji 盛达:Shengda 天成:Tiancheng 万联:Wanlian 汇通:Huitong 瀚海:Hanhai
    银河:Yinhe 中联:Zhonglian 昊天:Haotian 正元:Zhengyuan 鑫源:Xinyuan 和信:Hexin 伟业:Weiye
    远航:Yuanhang 诚泰:Chengtai 普华:Puhua 迅达:Xunda 长风:Changfeng 青云:Qingyun 金石:Jinshi
    光华:Guanghua 思源:Siyuan 明远:Mingyuan 弘毅:Hongyi 博雅:Boya 乾元:Qianyuan
    东升:Dongsheng 拓维:Tuowei 数联:Shulian
"""
# The blacklisted suppliers' own trade names.
BLACKLISTED_TRADE_NAMES = (
    ("霍岚", "Huolan"),
    ("蔺拓", "Lintuo"),
    ("郗瀚", "Xihan"),
    ("缪峰", "Miaofeng"),
    ("邝屹", "Kuangyi"),
)
TRADE_NAMES: tuple[tuple[str, str], ...] = tuple(
    (hanzi, pinyin) for hanzi, _colon, pinyin in (pair.partition(":") for pair in _TRADE_NAME_TABLE.split())
)


@dataclass(frozen=True)
class Industry:
    name_zh: str
    name_en: str
    slug: str
    services: str
    # Certificates its companies commonly hold, besides the business licence.
    certificates: tuple[str, ...]


# By supplier category code (migration 0002), with how often each category is drawn.
INDUSTRIES: dict[str, tuple[int, tuple[Industry, ...]]] = {
    "hardware": (
        18,
        (
            Industry(
                "电子设备",
                "Electronic Equipment",
                "electronics",
                "Servers, storage and spare parts; installation and warranty service.",
                ("iso_9001", "iso_14001"),
            ),
            Industry(
                "计算机系统",
                "Computer Systems",
                "systems",
                "Server and storage hardware, rack integration.",
                ("iso_9001",),
            ),
            Industry(
                "信息技术",
                "Information Technology",
                "infotech",
                "IT hardware reselling and maintenance.",
                ("iso_9001", "iso_20000"),
            ),
        ),
    ),
    "power-and-cooling": (
        12,
        (
            Industry(
                "电力设备",
                "Power Equipment",
                "power",
                "UPS, switchgear and diesel generators; maintenance contracts.",
                ("iso_9001", "iso_45001", "safety_licence"),
            ),
            Industry(
                "制冷设备",
                "Refrigeration Equipment",
                "cooling",
                "Chillers, CRAC units and cooling towers.",
                ("iso_9001", "iso_14001"),
            ),
            Industry(
                "能源科技",
                "Energy Technology",
                "energy",
                "Energy efficiency retrofits and battery systems.",
                ("iso_9001", "iso_14001"),
            ),
        ),
    ),
    "construction": (
        9,
        (
            Industry(
                "建设工程",
                "Construction Engineering",
                "construction",
                "Data-center fit-out and civil works.",
                ("construction_qualification", "safety_licence", "iso_45001"),
            ),
            Industry(
                "建筑安装工程",
                "Building Installation",
                "installation",
                "Mechanical and electrical installation.",
                ("construction_qualification", "safety_licence"),
            ),
        ),
    ),
    "network-and-bandwidth": (
        12,
        (
            Industry(
                "通信技术",
                "Communication Technology",
                "telecom",
                "Leased lines, dark fibre and IP transit.",
                ("telecom_licence", "iso_27001"),
            ),
            Industry(
                "网络科技",
                "Network Technology",
                "network",
                "Network equipment and cabling.",
                ("iso_9001", "iso_27001"),
            ),
        ),
    ),
    "cloud-and-software": (
        15,
        (
            Industry(
                "软件",
                "Software",
                "software",
                "Software licences, development and support.",
                ("iso_27001", "iso_9001", "mlps_filing"),
            ),
            Industry(
                "云计算",
                "Cloud Computing",
                "cloud",
                "Cloud services and managed platforms.",
                ("iso_27001", "iso_20000", "mlps_filing"),
            ),
            Industry(
                "数据科技",
                "Data Technology",
                "data",
                "Data platforms and analytics services.",
                ("iso_27001",),
            ),
        ),
    ),
    "security-services": (
        8,
        (
            Industry(
                "信息安全",
                "Information Security",
                "infosec",
                "Penetration testing, managed detection and response.",
                ("iso_27001", "iso_9001"),
            ),
            Industry(
                "网络安全", "Cyber Security", "cybersec", "Security products and services.", ("iso_27001",)
            ),
            Industry(
                "保安服务",
                "Security Services",
                "guards",
                "Site guarding and access control staff.",
                ("iso_45001",),
            ),
        ),
    ),
    "professional-services": (
        10,
        (
            Industry(
                "管理咨询",
                "Management Consulting",
                "consulting",
                "Management and compliance consulting.",
                ("iso_9001",),
            ),
            Industry(
                "检测认证",
                "Testing and Certification",
                "testing",
                "Testing, inspection and certification services.",
                ("iso_9001",),
            ),
            Industry(
                "人力资源", "Human Resources", "hr", "Staffing and outsourced personnel.", ("iso_9001",)
            ),
        ),
    ),
    "facility-maintenance": (
        10,
        (
            Industry(
                "物业管理",
                "Property Management",
                "property",
                "Facility management and cleaning.",
                ("iso_9001", "iso_45001"),
            ),
            Industry(
                "机电工程",
                "Mechanical and Electrical Engineering",
                "mep",
                "Maintenance of power and cooling plant.",
                ("iso_9001", "safety_licence"),
            ),
        ),
    ),
    "logistics": (
        6,
        (
            Industry(
                "物流", "Logistics", "logistics", "Transport and warehousing of equipment.", ("iso_9001",)
            ),
            Industry(
                "供应链管理",
                "Supply Chain Management",
                "supplychain",
                "Import, customs and supply-chain services.",
                ("iso_9001",),
            ),
        ),
    ),
}
CATEGORY_CODES = tuple(INDUSTRIES)

# (Chinese legal form, English legal form, weight)
LEGAL_FORMS = (
    ("有限公司", "Co., Ltd.", 80),
    ("股份有限公司", "Corporation Limited", 15),
    ("有限责任公司", "Co., Ltd.", 5),
)

# Units that own suppliers, by weight; some categories lean to the unit that uses them.
UNIT_WEIGHTS = (
    ("procurement", 34),
    ("bj", 12),
    ("sh", 12),
    ("gz", 7),
    ("sz", 7),
    ("hk", 3),
    ("idc-ops", 8),
    ("blue-cloud", 6),
    ("network-ops", 5),
    ("security", 3),
    ("rnd", 2),
    ("hr", 1),
)
CATEGORY_UNITS = {
    "network-and-bandwidth": "network-ops",
    "security-services": "security",
    "cloud-and-software": "blue-cloud",
    "power-and-cooling": "idc-ops",
}

CERTIFICATE_ISSUERS = (
    ("China Quality Certification Centre (CQC)", "CQC"),
    ("China Certification Center for Information Security Technology (CCRC)", "CCRC"),
    ("SGS-CSTC Standards Technical Services", "SGS"),
    ("TÜV Rheinland (Shanghai)", "TUV"),
    ("BSI Management Systems (Beijing)", "BSI"),
)
ROADS = (
    "科技路",
    "创业路",
    "建设大道",
    "中关村大街",
    "高新大道",
    "软件园路",
    "金融街",
    "滨河路",
    "工业园路",
    "学院路",
)


@dataclass(frozen=True)
class ContactPlan:
    name: str
    role: str
    email: str
    phone: str
    is_primary: bool


@dataclass(frozen=True)
class DocumentPlan:
    kind: str
    number: str
    issuer: str
    issued_days: int  # offset from today, negative
    expires_days: int | None  # offset from today; None: no expiry
    reminded: tuple[int, ...] = ()


@dataclass
class SupplierPlan:
    """One supplier as the demo inserts it; day offsets are counted from the day of seeding."""

    number: int
    name: str
    name_en: str
    country: str
    region: str
    credit_code: str = ""
    registration_number: str = ""
    categories: tuple[str, ...] = ()
    tier: str = "standard"
    status: str = "qualified"
    status_days: int = 0
    suspended_until_days: int | None = None
    access_path: str = ""
    qualified_days: int | None = None
    full_review_due_days: int | None = None
    unit_code: str = "procurement"
    manager_slot: int = 0
    website: str = ""
    address: str = ""
    services: str = ""
    licence_issuer: str = ""
    contacts: list[ContactPlan] = field(default_factory=list)
    documents: list[DocumentPlan] = field(default_factory=list)


def organisation_code_check(body: str) -> str:
    """The check character of a national organisation code (GB 11714)."""
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body, _ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def credit_code(rng: random.Random, division: str) -> str:
    """A valid unified social credit code of a company registered in `division`: the
    organisation code carries its own GB 11714 check, the whole its USCC check digit."""
    if rng.random() < 0.5:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    else:  # codes issued since 2015 start with MA
        body = "MA0" + "".join(rng.choice("0123456789" + _USCC_LETTERS) for _ in range(5))
    partial = USCC_PREFIX + division + body + organisation_code_check(body)
    return partial + uscc.calc_check_digit(partial)


# The five suppliers from Hong Kong, Macau and Taiwan and the five from other countries:
# (country, Chinese name, English name, registration number, category, unit)
OUTSIDE_MAINLAND: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "HK",
        "港湾数据服务有限公司",
        "Harbourline Data Services Limited",
        "CR 2849173",
        "network-and-bandwidth",
        "hk",
    ),
    (
        "HK",
        "九龙湾电力工程有限公司",
        "Kowloon Bay Power Engineering Limited",
        "CR 1736520",
        "power-and-cooling",
        "hk",
    ),
    (
        "MO",
        "澳门明珠电讯服务有限公司",
        "Macau Pearl Telecom Services Limited",
        "SO 41235",
        "network-and-bandwidth",
        "hk",
    ),
    (
        "TW",
        "台湾精密冷却股份有限公司",
        "Formosa Precision Cooling Co., Ltd.",
        "24538117",
        "power-and-cooling",
        "procurement",
    ),
    (
        "TW",
        "台北硅晶硬件股份有限公司",
        "Taipei Silicon Hardware Co., Ltd.",
        "53172844",
        "hardware",
        "procurement",
    ),
    (
        "DE",
        "",
        "Rheinwerk Kühlsysteme GmbH",
        "HRB 48213 (Amtsgericht Köln)",
        "power-and-cooling",
        "procurement",
    ),
    ("US", "", "Northfield Network Systems, Inc.", "EIN 84-2917365", "network-and-bandwidth", "network-ops"),
    ("JP", "", "Sakura Denki Kogyo Co., Ltd.", "5010401088742", "hardware", "procurement"),
    ("SG", "", "Lion Gate Security Pte. Ltd.", "UEN 201912345K", "security-services", "security"),
    ("FR", "", "Systèmes Électriques Lumière SAS", "SIREN 812 345 679", "power-and-cooling", "procurement"),
)


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _weight in options], weights=[weight for _value, weight in options])[
        0
    ]


def _pick_category(rng: random.Random) -> str:
    return rng.choices(CATEGORY_CODES, weights=[INDUSTRIES[code][0] for code in CATEGORY_CODES])[0]


def mainland_names(
    rng: random.Random,
) -> Iterator[tuple[str, str, City, tuple[str, str, str], str, Industry]]:
    """Endless distinct (Chinese name, English name, city, district, category, industry)."""
    seen: set[str] = set()
    forms = tuple((zh, en) for zh, en, _weight in LEGAL_FORMS)
    form_weights = [weight for _zh, _en, weight in LEGAL_FORMS]
    while True:
        city = rng.choices(CITIES, weights=[city.weight for city in CITIES])[0]
        trade_zh, trade_en = rng.choice(TRADE_NAMES)
        category = _pick_category(rng)
        industry = rng.choice(INDUSTRIES[category][1])
        form_zh, form_en = rng.choices(forms, weights=form_weights)[0]
        name = f"{city.name_zh}{trade_zh}{industry.name_zh}{form_zh}"
        if name in seen:
            # The combinations run out past about 80,000 (benchmarks): number the branch.
            if len(seen) < 60_000:
                continue
            branch = len(seen)
            name = f"{city.name_zh}{trade_zh}{industry.name_zh}第{branch}分{form_zh}"
            trade_en = f"{trade_en} No. {branch}"
        seen.add(name)
        name_en = f"{city.name_en} {trade_en} {industry.name_en} {form_en}"
        yield name, name_en, city, rng.choice(city.districts), category, industry


def plan_suppliers(*, scale: int = 1, seed_random: random.Random) -> list[SupplierPlan]:
    """The demo register: 2,623 suppliers per unit of scale; the ten outside the mainland once."""
    rng = seed_random
    total = SUPPLIERS_AT_SCALE_1 * scale
    mainland = total - len(OUTSIDE_MAINLAND)
    plans: list[SupplierPlan] = []
    codes: set[str] = set()
    names = mainland_names(rng)
    for _ in range(mainland):
        name, name_en, city, (division, district_zh, _district_en), category, industry = next(names)
        code = credit_code(rng, division)
        while code in codes:
            code = credit_code(rng, division)
        codes.add(code)
        categories = [category]
        if rng.random() < 0.15:
            second = _pick_category(rng)
            if second != category:
                categories.append(second)
        unit = CATEGORY_UNITS.get(category) if rng.random() < 0.5 else None
        trade = name_en.split(" ")[len(city.name_en.split(" "))].lower().replace("'", "")
        plans.append(
            SupplierPlan(
                number=0,
                name=name,
                name_en=name_en,
                country="CN",
                region="mainland",
                credit_code=code,
                categories=tuple(categories),
                tier=_weighted(rng, TIERS),
                unit_code=unit or _weighted(rng, UNIT_WEIGHTS),
                manager_slot=rng.randrange(1000),
                website=f"https://www.{trade}-{industry.slug}.example.cn",
                address=f"{city.name_zh}市{district_zh}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                services=industry.services,
                licence_issuer=f"{city.name_zh}市{district_zh}市场监督管理局",
            )
        )
    for country, name, name_en, registration, category, unit in OUTSIDE_MAINLAND:
        position = rng.randrange(len(plans) + 1)
        plans.insert(
            position,
            SupplierPlan(
                number=0,
                name=name,
                name_en=name_en,
                country=country,
                region=regions.region_for(country),
                registration_number=registration,
                categories=(category,),
                tier="important",
                unit_code=unit,
                manager_slot=rng.randrange(1000),
                services=INDUSTRIES[category][1][0].services,
            ),
        )
    for number, plan in enumerate(plans, start=1):
        plan.number = number
    _assign_statuses(rng, plans, scale)
    _add_documents(rng, plans, scale)
    _add_contacts(rng, plans)
    return plans


def _assign_statuses(rng: random.Random, plans: list[SupplierPlan], scale: int) -> None:
    mainland = [plan for plan in plans if plan.region == "mainland"]
    # Blacklisted suppliers with short names: a long generic industry name (Mechanical and
    # Electrical Engineering) would make every namesake a screening candidate.
    short_names = [plan for plan in mainland if len(plan.name_en) <= 40]
    blacklisted = rng.sample(short_names, k=STATUS_COUNTS["blacklisted"] * scale)
    for plan in blacklisted:
        plan.status = "blacklisted"
    others = [plan for plan in mainland if plan.status != "blacklisted"]
    chosen = rng.sample(
        others, k=(sum(STATUS_COUNTS.values()) - STATUS_COUNTS["blacklisted"] + EXPRESS_ACCESS) * scale
    )
    position = 0
    for status, count in STATUS_COUNTS.items():
        if status == "blacklisted":
            continue
        for plan in chosen[position : position + count * scale]:
            plan.status = status
        position += count * scale
    for plan, (trade_zh, trade_en) in zip(blacklisted, BLACKLISTED_TRADE_NAMES, strict=False):
        # A trade name of their own: screening then matches the blacklist with these
        # suppliers only, not with every namesake of another city.
        old_en = plan.name_en.split(" ")[1]
        plan.name = plan.name[:2] + trade_zh + plan.name[4:]
        plan.name_en = plan.name_en.replace(f" {old_en} ", f" {trade_en} ", 1)
        plan.website = plan.website.replace(old_en.lower().replace("'", ""), trade_en.lower(), 1)
    express = chosen[position:]
    for plan in plans:
        if plan.status == "prospective":
            plan.status_days = -rng.randint(1, 120)
            continue
        plan.access_path = "standard"
        plan.qualified_days = -rng.randint(200, 2000)
        plan.status_days = plan.qualified_days
        if plan.status != "qualified":
            plan.status_days = -rng.randint(5, 180)
    for plan in express:
        plan.access_path = "express"
        plan.qualified_days = -rng.randint(10, 80)
        plan.status_days = plan.qualified_days
        plan.full_review_due_days = plan.qualified_days + 90
    suspended = [plan for plan in plans if plan.status == "suspended"]
    for plan in suspended[: SUSPENDED_WITH_RELEASE_DATE * scale]:
        plan.suspended_until_days = rng.randint(20, 180)


def _add_documents(rng: random.Random, plans: list[SupplierPlan], scale: int) -> None:
    """A business licence for every mainland supplier; certificates for about a third."""
    certificates: list[tuple[SupplierPlan, int]] = []
    for plan in plans:
        if plan.region == "mainland":
            issued = -rng.randint(365, 6000)
            expires = None if rng.random() < 0.8 else issued + 365 * rng.choice((20, 30))
            plan.documents.append(
                DocumentPlan("business_licence", plan.credit_code, plan.licence_issuer, issued, expires)
            )
        industry_certificates = INDUSTRIES[plan.categories[0]][1][0].certificates
        held = [kind for kind in industry_certificates if rng.random() < 0.35]
        if plan.region != "mainland" and not held:
            held = [industry_certificates[0]]
        for kind in held:
            issuer, short = rng.choice(CERTIFICATE_ISSUERS)
            issued = -rng.randint(30, 1000)
            number = f"{short}-{kind.upper().replace('_', '')}-{rng.randint(10**7, 10**8 - 1)}"
            plan.documents.append(DocumentPlan(kind, number, issuer, issued, issued + 3 * 365))
            certificates.append((plan, len(plan.documents) - 1))
    # Move the expiry of some certificates into view: due within 90 days, or just expired.
    # Certificates are re-issued every three years, so the issue date moves with the expiry.
    in_view = rng.sample(
        [item for item in certificates if (item[0].documents[item[1]].expires_days or 0) > 90],
        k=(EXPIRING_DOCUMENTS + EXPIRED_DOCUMENTS) * scale,
    )
    for count, (plan, index) in enumerate(in_view):
        document = plan.documents[index]
        if count < EXPIRING_DOCUMENTS * scale:
            expires = rng.randint(1, 90)
            # Earlier thresholds were reminded; the latest one crossed is left to the daily job.
            reminded = tuple(days for days in (90, 30, 7) if days > expires)[:-1]
        else:
            expires = -rng.randint(1, 120)
            reminded = (90, 30, 7)
        plan.documents[index] = DocumentPlan(
            document.kind, document.number, document.issuer, expires - 3 * 365, expires, reminded
        )


def _mobile(rng: random.Random) -> str:
    return f"+86 1{rng.choice('3589')}{rng.randint(0, 9)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


def _add_contacts(rng: random.Random, plans: list[SupplierPlan]) -> None:
    roles = (
        "Account Manager",
        "Sales Director",
        "Technical Support Lead",
        "Project Manager",
        "Legal Representative",
    )
    for plan in plans[:CONTACTS_FOR_FIRST]:
        domain = (
            plan.website.removeprefix("https://www.")
            or f"{plan.country.lower()}-supplier-{plan.number}.example.com"
        )
        for position in range(1 if rng.random() < 0.5 else 2):
            person = chinese_name(rng)
            plan.contacts.append(
                ContactPlan(
                    name=person.full_name,
                    role=rng.choice(roles),
                    email=f"{person.username_stem}@{domain}",
                    phone=_mobile(rng),
                    is_primary=position == 0,
                )
            )
