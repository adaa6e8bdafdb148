"""Name material for the demo organisation. Pure module: no Django import.

Chinese names are drawn as a surname plus one or two given-name characters, each
kept with its pinyin so that usernames (``wang.zhiqiang``) and the romanised form
shown next to the characters agree. Given-name syllables that start with a vowel
are left out: joined pinyin would then need an apostrophe (``Xi'an``).
Hong Kong staff mostly go by an English given name and a Cantonese surname;
a few colleagues elsewhere are expatriates with Western names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
    ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"), ("袁", "yuan"),
    ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"),
    ("魏", "wei"), ("苏", "su"), ("丁", "ding"), ("任", "ren"), ("卢", "lu"), ("姚", "yao"),
    ("沈", "shen"), ("钟", "zhong"), ("姜", "jiang"), ("崔", "cui"), ("谭", "tan"), ("陆", "lu"),
    ("范", "fan"), ("汪", "wang"), ("廖", "liao"), ("石", "shi"), ("金", "jin"), ("贾", "jia"),
    ("夏", "xia"), ("付", "fu"), ("方", "fang"), ("邹", "zou"), ("熊", "xiong"), ("白", "bai"),
    ("孟", "meng"), ("秦", "qin"), ("邱", "qiu"), ("侯", "hou"), ("江", "jiang"), ("尹", "yin"),
    ("薛", "xue"), ("段", "duan"), ("雷", "lei"), ("龙", "long"), ("史", "shi"), ("陶", "tao"),
    ("贺", "he"), ("毛", "mao"), ("郝", "hao"), ("顾", "gu"), ("龚", "gong"), ("邵", "shao"),
    ("万", "wan"), ("钱", "qian"), ("戴", "dai"), ("严", "yan"), ("莫", "mo"), ("孔", "kong"),
)  # fmt: skip

GIVEN_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("华", "hua"), ("建", "jian"), ("国", "guo"), ("文", "wen"),
    ("辉", "hui"), ("玲", "ling"), ("欣", "xin"), ("宇", "yu"), ("浩", "hao"), ("晨", "chen"),
    ("博", "bo"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("鹏", "peng"), ("志", "zhi"),
    ("海", "hai"), ("思", "si"), ("佳", "jia"), ("子", "zi"), ("梓", "zi"), ("轩", "xuan"),
    ("睿", "rui"), ("诺", "nuo"), ("晓", "xiao"), ("春", "chun"), ("红", "hong"), ("飞", "fei"),
    ("斌", "bin"), ("健", "jian"), ("亮", "liang"), ("成", "cheng"), ("峰", "feng"), ("宁", "ning"),
    ("凯", "kai"), ("俊", "jun"), ("瑶", "yao"), ("雨", "yu"), ("欢", "huan"), ("慧", "hui"),
    ("颖", "ying"), ("倩", "qian"), ("琪", "qi"), ("萱", "xuan"), ("涵", "han"), ("晴", "qing"),
    ("岚", "lan"), ("昊", "hao"), ("然", "ran"), ("泽", "ze"), ("鑫", "xin"), ("东", "dong"),
    ("立", "li"), ("新", "xin"), ("振", "zhen"), ("宏", "hong"), ("伦", "lun"), ("嘉", "jia"),
    ("天", "tian"), ("毅", "yi"), ("彬", "bin"), ("帆", "fan"), ("楠", "nan"), ("薇", "wei"),
    ("莉", "li"), ("蕾", "lei"), ("璐", "lu"), ("洁", "jie"), ("珊", "shan"), ("哲", "zhe"),
    ("翔", "xiang"), ("旭", "xu"), ("阳", "yang"), ("恒", "heng"), ("瑞", "rui"), ("祥", "xiang"),
    ("梅", "mei"), ("兰", "lan"), ("桂", "gui"), ("荣", "rong"), ("庆", "qing"), ("中", "zhong"),
    ("永", "yong"), ("琦", "qi"), ("韬", "tao"), ("默", "mo"), ("云", "yun"), ("松", "song"),
)  # fmt: skip

HONG_KONG_SURNAMES: tuple[str, ...] = (
    "Chan", "Wong", "Cheung", "Lau", "Leung", "Lee", "Ng", "Ho", "Lam", "Tang",
    "Yip", "Tsang", "Chow", "Kwok", "Yeung", "Mak", "Law", "Chu", "Fung", "Tse",
)  # fmt: skip

ENGLISH_GIVEN_NAMES: tuple[str, ...] = (
    "Michael", "David", "Kelvin", "Jason", "Eric", "Kenneth", "Raymond", "Alan", "Vincent",
    "Patrick", "Anthony", "Ivan", "Gary", "Dennis", "Stephen", "Samuel", "Peter", "Daniel",
    "Winnie", "Karen", "Cherry", "Vivian", "Grace", "Amy", "Joyce", "Emily", "Fiona",
    "Priscilla", "Mandy", "Jessica", "Queenie", "Ada", "Iris", "Carmen", "Stella", "Yvonne",
)  # fmt: skip

EXPATRIATE_GIVEN_NAMES: tuple[str, ...] = (
    "James", "Sarah", "Thomas", "Olivia", "Benjamin", "Sophie", "Lucas", "Hannah",
    "Oliver", "Laura", "Matthew", "Anna", "Julien", "Marta", "Kenji", "Priya",
)  # fmt: skip

EXPATRIATE_SURNAMES: tuple[str, ...] = (
    "Mitchell", "Schneider", "Tanaka", "Dubois", "Novak", "Fernandes", "Walker", "Hughes",
    "Becker", "Rossi", "Okafor", "Lindqvist", "Sharma", "Moreau", "Sato", "Keller",
)  # fmt: skip


@dataclass(frozen=True)
class GeneratedName:
    """A person's display name and the stem their username is made from."""

    full_name: str
    username_stem: str
    is_chinese: bool


def chinese_name(rng: random.Random) -> GeneratedName:
    surname, surname_pinyin = rng.choice(SURNAMES)
    syllables = 1 if rng.random() < 0.3 else 2
    given = [rng.choice(GIVEN_CHARACTERS) for _ in range(syllables)]
    given_hanzi = "".join(hanzi for hanzi, _pinyin in given)
    given_pinyin = "".join(pinyin for _hanzi, pinyin in given)
    romanised = f"{surname_pinyin.capitalize()} {given_pinyin.capitalize()}"
    return GeneratedName(
        full_name=f"{surname}{given_hanzi} ({romanised})",
        username_stem=f"{surname_pinyin}.{given_pinyin}",
        is_chinese=True,
    )


def hong_kong_name(rng: random.Random) -> GeneratedName:
    given = rng.choice(ENGLISH_GIVEN_NAMES)
    surname = rng.choice(HONG_KONG_SURNAMES)
    return GeneratedName(f"{given} {surname}", f"{given}.{surname}".lower(), is_chinese=False)


def expatriate_name(rng: random.Random) -> GeneratedName:
    given = rng.choice(EXPATRIATE_GIVEN_NAMES)
    surname = rng.choice(EXPATRIATE_SURNAMES)
    return GeneratedName(f"{given} {surname}", f"{given}.{surname}".lower(), is_chinese=False)


class UsernameBook:
    """Hands out unique usernames: the stem first, then the stem with 2, 3, ..."""

    def __init__(self, reserved: set[str] | None = None) -> None:
        self._taken: set[str] = set(reserved or ())
        self._next_suffix: dict[str, int] = {}

    def claim(self, stem: str) -> str:
        if stem not in self._taken:
            self._taken.add(stem)
            return stem
        suffix = self._next_suffix.get(stem, 2)
        while f"{stem}{suffix}" in self._taken:
            suffix += 1
        self._next_suffix[stem] = suffix + 1
        username = f"{stem}{suffix}"
        self._taken.add(username)
        return username
