"""Company names as screening compares them: legal forms and leading places removed,
fullwidth folded, Chinese in pinyin, other scripts in Latin letters. What is claimed here is
what the matcher relies on; translation (科技 = "technology") is not claimed."""

from __future__ import annotations

import pytest

from garrison.suppliers.names import (
    distinctive_part,
    joined,
    legal_form_of,
    name_parts,
    normalise_identifier,
    normalise_name,
    transliterate,
)
from garrison.suppliers.screening import score_names


def fullwidth(text: str) -> str:
    """The text in fullwidth forms, as Chinese input methods may type it."""
    return "".join(
        chr(ord(character) + 0xFEE0) if "!" <= character <= "~" else "\u3000" for character in text
    )


FULLWIDTH_NAME = fullwidth("ABC Co., Ltd.")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北京华信科技有限公司", "huaxinkeji"),
        ("华信科技\uff08北京\uff09有限公司", "huaxinkeji"),
        ("北京华信科技股份有限公司", "huaxinkeji"),
        ("华信科技有限责任公司", "huaxinkeji"),
        ("华信科技集团有限公司", "huaxinkeji"),
        ("华信科技有限公司北京分公司", "huaxinkeji"),
        ("IBM\uff08中国\uff09有限公司", "ibm"),
        ("Beijing Huaxin Keji Youxian Gongsi", "huaxin keji"),
        ("HUAXIN TECHNOLOGY (BEIJING) CO., LTD.", "huaxin technology"),
        ("Beijing Huaxin Technology Co., Ltd.", "huaxin technology"),
        ("Siemens AG", "siemens"),
        ("Müller GmbH & Co. KG", "muller"),
        ("Ferrero S.p.A.", "ferrero"),
        ("Acme Pte. Ltd.", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("Philips N.V.", "philips"),
        ("Heineken B.V.", "heineken"),
        ("Société Générale S.A.", "societe generale"),
        ("Toyota K.K.", "toyota"),
        ("Vodafone Group PLC", "vodafone"),
        ("Acme Corp.", "acme"),
        ("Acme Inc.", "acme"),
        ("Acme LLC", "acme"),
        ("\u041e\u041e\u041e «\u0420\u043e\u043c\u0430\u0448\u043a\u0430»", "romashka"),
        (FULLWIDTH_NAME, "abc"),
    ],
)
def test_it_removes_legal_forms_places_and_folds_scripts(name: str, expected: str) -> None:
    assert normalise_name(name) == expected


def test_it_keeps_a_place_when_too_little_of_the_name_would_remain() -> None:
    assert normalise_name("北京银行股份有限公司") == "beijingyinhang"
    assert normalise_name("Shanghai Electric Group Co., Ltd.") == "shanghai electric"


def test_it_keeps_a_name_made_only_of_a_legal_form_and_leading_china() -> None:
    assert normalise_name("Company Limited") == "company"
    assert normalise_name("有限公司") == "youxiangongsi"
    assert normalise_name("中国移动通信集团有限公司") == "zhongguoyidongtongxin"


def test_name_parts_say_what_was_removed() -> None:
    parts = name_parts("华信科技\uff08北京\uff09有限公司")
    assert parts.legal_forms == ("有限公司",)
    assert parts.places == ("北京",)
    assert legal_form_of("Huaxin Technology Co., Ltd.") == "co ltd"


def test_a_chinese_name_meets_its_pinyin_romanisation_but_not_its_translation() -> None:
    chinese = normalise_name("北京华信科技有限公司")
    assert score_names(chinese, normalise_name("Huaxin Keji Co., Ltd."))[1] == 100
    assert joined(normalise_name("Huaxin Keji")) == chinese
    # 科技 is "keji", not "technology": a translated name is screened through the supplier's
    # English name instead.
    assert score_names(chinese, normalise_name("Beijing Huaxin Technology Co., Ltd."))[1] < 90


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北京华信信息科技有限公司", "huaxin"),
        ("Beijing Huaxin Information Technology Co., Ltd.", "huaxin"),
        ("Huaxin Keji", "huaxin"),
        ("Putian Construction Engineering Co., Ltd.", "putian"),
        ("莆田建设工程有限公司", "putian"),
        ("Velmora Mechanical and Electrical Engineering Co., Ltd.", "velmora"),
        ("Velmora Mechanical & Electrical Engineering Co., Ltd.", "velmora"),
        # Three letters stay: 南泉安全 is not "n" + 安全; a generic name is its own part.
        ("南泉安全有限公司", "nanquan"),
        ("电子科技有限公司", "dianzikeji"),
        ("Global Data Systems Inc.", "globaldatasystems"),
    ],
)
def test_the_distinctive_part_drops_the_generic_industry_words_a_name_ends_with(
    name: str, expected: str
) -> None:
    assert distinctive_part(normalise_name(name)) == expected


def test_transliterate_writes_chinese_as_syllables_and_other_scripts_in_ascii() -> None:
    assert transliterate("华信") == "hua xin"
    assert transliterate("Straße Москва") == "Strasse Moskva"


def test_identifiers_are_compared_without_spaces_hyphens_case_or_fullwidth() -> None:
    assert normalise_identifier(" 91110000-6000 3718 6x ") == "91110000600037186X"
    assert normalise_identifier(fullwidth("91110")) == "91110"
    assert normalise_identifier("") == ""
