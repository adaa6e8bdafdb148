"""The pure screening matcher: identifiers always match, names match from the threshold
on (exactly as rapidfuzz scores them, the whole names and their distinctive parts both),
and every match says why."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz

from garrison.suppliers.names import normalise_name
from garrison.suppliers.screening import (
    JOINED_RATIO,
    SORTED_RATIO,
    Candidate,
    ListEntry,
    SegmentIndex,
    compare_names,
    screen,
)


def test_an_identifier_matches_whatever_the_names_say() -> None:
    supplier = Candidate(1, ("北京华信科技有限公司",), ("91110000600037186X",))
    entry = ListEntry(7, "Completely Different Trading LLC", identifiers=("9111 0000-6000 3718 6x",))
    [match] = screen([supplier], [entry], 90)
    assert (match.candidate_key, match.entry_key, match.score) == (1, 7, 100.0)
    assert match.reasons == [
        {
            "kind": "identifier",
            "supplier_value": "91110000600037186X",
            "list_value": "9111 0000-6000 3718 6x",
            "normalised_supplier": "91110000600037186X",
            "normalised_list": "91110000600037186X",
            "scorer": "exact",
            "score": 100.0,
        }
    ]


def test_a_name_match_carries_both_names_their_normal_forms_the_scorer_and_the_score() -> None:
    supplier = Candidate(1, ("北京华信科技有限公司", "Beijing Huaxin Technology Co., Ltd."))
    entry = ListEntry(3, "HUAXIN TECHNOLOGY (BEIJING) LIMITED")
    [match] = screen([supplier], [entry], 90)
    assert match.score == 100.0
    assert match.reasons == [
        {
            "kind": "name",
            "supplier_value": "Beijing Huaxin Technology Co., Ltd.",
            "list_value": "HUAXIN TECHNOLOGY (BEIJING) LIMITED",
            "normalised_supplier": "huaxin technology",
            "normalised_list": "huaxin technology",
            "scorer": JOINED_RATIO,
            "score": 100.0,
            "full_score": 100.0,
            "distinctive_supplier": "huaxin",
            "distinctive_list": "huaxin",
            "distinctive_score": 100.0,
        }
    ]


def test_trade_names_a_letter_apart_in_the_same_industry_do_not_match() -> None:
    # The whole names are 93 alike because of the shared industry words; "putian" and
    # "yetian" are 67 alike.
    supplier = Candidate(1, ("Putian Construction Engineering Co., Ltd.",))
    entry = ListEntry(2, "Yetian Construction Engineering Co., Ltd.")
    assert screen([supplier], [entry], 90) == []
    assert [round(match.score, 2) for match in screen([supplier], [entry], 60)] == [66.67]


def test_the_reasons_name_the_distinctive_parts_and_both_scores() -> None:
    supplier = Candidate(1, ("Putian Construction Engineering Co., Ltd.",))
    entry = ListEntry(2, "Yetian Construction Engineering Co., Ltd.")
    [match] = screen([supplier], [entry], 60)
    [reason] = match.reasons
    assert (reason["distinctive_supplier"], reason["distinctive_list"]) == ("putian", "yetian")
    assert (reason["full_score"], reason["distinctive_score"], reason["score"]) == (93.1, 66.67, 66.67)


def test_chinese_characters_meet_their_pinyin_word_by_word() -> None:
    supplier = Candidate(1, ("华信科技有限公司",))
    [match] = screen([supplier], [ListEntry(2, "Huaxin Keji")], 90)
    assert match.score == 100.0
    assert (match.reasons[0]["distinctive_supplier"], match.reasons[0]["distinctive_list"]) == (
        "huaxin",
        "huaxin",
    )


def test_a_one_letter_typo_in_a_long_trade_name_still_matches() -> None:
    supplier = Candidate(1, ("Velmorastrix Mechanical and Electrical Engineering Co., Ltd.",))
    entries = [
        ListEntry(2, "VELMORASTRUX MECHANICAL & ELECTRICAL ENGINEERING LIMITED"),
        # Another trade name in the same industry: the blacklist flood the generic words made.
        ListEntry(3, "Velmorix Mechanical and Electrical Engineering Co., Ltd."),
    ]
    [match] = screen([supplier], entries, 90)
    assert match.entry_key == 2
    assert match.reasons[0]["distinctive_score"] == 91.67


def test_a_name_of_generic_words_only_is_its_own_distinctive_part() -> None:
    compared = compare_names("dianzi keji", "dianzikeji")
    assert (compared.score, compared.distinctive_a) == (100.0, "dianzikeji")


def test_the_threshold_is_inclusive_and_exact() -> None:
    # "abcdefghij" against "abcdefghik": one letter differs, fuzz.ratio = 90.
    supplier = Candidate(1, ("Abcdefghij GmbH",))
    entry = ListEntry(2, "Abcdefghik AG")
    assert fuzz.ratio("abcdefghij", "abcdefghik") == 90
    assert [match.score for match in screen([supplier], [entry], 90)] == [90.0]
    assert screen([supplier], [entry], 90.01) == []


def test_words_in_another_order_match_through_the_sorted_scorer() -> None:
    supplier = Candidate(1, ("Nordic Helix Systems AB",))
    entry = ListEntry(2, "Systems Nordic Helix")
    [match] = screen([supplier], [entry], 95)
    assert [reason["scorer"] for reason in match.reasons] == [SORTED_RATIO]


def test_identifiers_come_before_names_and_the_best_score_counts() -> None:
    supplier = Candidate(1, ("Acme Trading Co., Ltd.",), ("HRB 12345",))
    entry = ListEntry(2, "ACME TRADING LIMITED", identifiers=("hrb12345",))
    [match] = screen([supplier], [entry], 90)
    assert [reason["kind"] for reason in match.reasons] == ["identifier", "name"]
    assert match.score == 100.0


def test_a_blacklisted_supplier_is_not_a_finding_against_its_own_entry() -> None:
    supplier = Candidate(1, ("Acme Trading",), ("X1",))
    own = ListEntry(2, "Acme Trading", identifiers=("X1",), supplier_key=1)
    other = Candidate(3, ("Acme Trading",))
    assert [(match.candidate_key, match.entry_key) for match in screen([supplier, other], [own], 90)] == [
        (3, 2)
    ]


def test_different_names_and_empty_names_do_not_match() -> None:
    supplier = Candidate(1, ("Acme Trading",))
    entries = [ListEntry(2, "Zenith Logistics"), ListEntry(3, "有限公司" * 0)]
    assert screen([supplier], entries, 80) == []


def test_the_threshold_must_be_a_score() -> None:
    with pytest.raises(ValueError, match="threshold"):
        screen([], [], 0)


@pytest.mark.parametrize("threshold", [100, 95, 90, 85, 75, 60])
def test_the_segment_index_finds_exactly_what_comparing_every_pair_finds(threshold: float) -> None:
    rng = random.Random(threshold)
    bases = ["".join(rng.choice("abcdef") for _ in range(rng.randint(1, 24))) for _ in range(60)]
    keys = list(dict.fromkeys(bases + [varied(base, rng) for base in bases for _ in range(3)]))
    index = SegmentIndex(keys, threshold)
    for query in [varied(base, rng) for base in bases]:
        expected = {key for key in keys if query and fuzz.ratio(query, key) >= threshold}
        assert set(index.matches(query)) == expected


@pytest.mark.parametrize("threshold", [100, 95, 90, 80, 70])
def test_screening_finds_exactly_what_scoring_every_pair_finds(threshold: float) -> None:
    """The index, the distinctive parts and the word-order lookup together give what
    `compare_names` gives on every pair."""
    rng = random.Random(threshold)
    generic = ["keji", "jianshe gongcheng", "Technology", "Data Systems", "jidian", "Logistics", ""]

    def name() -> str:
        trade = "".join(rng.choice("abcdeiu") for _ in range(rng.randint(2, 12)))
        words = [varied(trade, rng) or trade, rng.choice(generic)]
        if rng.random() < 0.2:
            words.reverse()
        return " ".join(words).strip()

    bases = [name() for _ in range(50)]
    entries = [ListEntry(number, text) for number, text in enumerate(bases + [name() for _ in range(50)])]
    # Every fourth supplier has a base name's words in the other order.
    candidates = [
        Candidate(
            number, (" ".join(reversed(text.split())) if number % 4 == 0 else varied(text, rng) or text,)
        )
        for number, text in enumerate(bases)
    ]
    matches = screen(candidates, entries, threshold)
    found = {(match.candidate_key, match.entry_key): match.score for match in matches}
    expected = {}
    for candidate in candidates:
        for entry in entries:
            score = compare_names(normalise_name(candidate.names[0]), normalise_name(entry.name)).score
            if score >= threshold:
                expected[(candidate.key, entry.key)] = round(score, 2)
    assert found == expected
    assert any(reason["scorer"] == SORTED_RATIO for match in matches for reason in match.reasons)


def varied(text: str, rng: random.Random) -> str:
    letters = list(text)
    for _ in range(rng.randint(0, 3)):
        position = rng.randrange(len(letters) + 1)
        choice = rng.randrange(3)
        if choice == 0:
            letters.insert(position, rng.choice("abxy"))
        elif letters:
            del letters[min(position, len(letters) - 1)]
    return "".join(letters)
