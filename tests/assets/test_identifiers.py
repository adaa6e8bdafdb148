"""How IP addresses, host names and tags are written down, on plain data."""

from __future__ import annotations

import pytest

from garrison.assets import identifiers
from garrison.assets.identifiers import InvalidIdentifier, Problem


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" 10.0.0.1 ", "10.0.0.1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
    ],
)
def test_an_ip_address_is_stored_in_its_one_compressed_spelling(typed: str, stored: str) -> None:
    assert identifiers.normalise_ip_address(typed) == stored


@pytest.mark.parametrize("typed", ["10.0.0.0/24", "999.1.1.1", "10.0.0", "server01", ""])
def test_anything_but_a_single_ip_address_is_refused(typed: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        identifiers.normalise_ip_address(typed)
    assert refused.value.problem == Problem.NOT_AN_IP_ADDRESS
    assert refused.value.value == typed


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Web01.Example.COM.", "web01.example.com"),
        ("db-2", "db-2"),
        ("数据库.example.cn", "xn--dxty1ibyb.example.cn"),
    ],
)
def test_a_host_name_is_lower_cased_in_ascii_without_a_trailing_dot(typed: str, stored: str) -> None:
    assert identifiers.normalise_host_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("bad_name.example.com", Problem.NOT_A_HOST_NAME),
        ("-leading.example.com", Problem.NOT_A_HOST_NAME),
        ("double..dot", Problem.NOT_A_HOST_NAME),
        ("a" * 64 + ".example.com", Problem.NOT_A_HOST_NAME),
        (".".join(["abcdefghij"] * 24), Problem.HOST_NAME_TOO_LONG),
    ],
)
def test_a_host_name_breaking_the_rules_is_refused_with_the_reason(typed: str, problem: Problem) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        identifiers.normalise_host_name(typed)
    assert refused.value.problem == problem


def test_a_tag_name_cannot_hold_a_list_separator_or_exceed_sixty_characters() -> None:
    assert identifiers.normalise_tag_name("  core   network ") == "core network"
    with pytest.raises(InvalidIdentifier) as separator:
        identifiers.normalise_tag_name("pci;sox")
    assert separator.value.problem == Problem.TAG_NAME_HAS_SEPARATOR
    with pytest.raises(InvalidIdentifier) as long_name:
        identifiers.normalise_tag_name("x" * 61)
    assert long_name.value.problem == Problem.TAG_NAME_TOO_LONG


def test_a_typed_list_splits_on_semicolons_commas_and_new_lines() -> None:
    assert identifiers.split_list("10.0.0.1; 10.0.0.2,10.0.0.3\n\n 10.0.0.4 ") == [
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.3",
        "10.0.0.4",
    ]


def test_normalising_a_list_keeps_each_value_once_and_collects_every_refusal() -> None:
    kept, refused = identifiers.normalise_all(
        ["10.0.0.1", "bad", "10.0.0.01", "010.0.0.1", " 10.0.0.1 ", "also bad"],
        identifiers.normalise_ip_address,
    )
    assert kept == ["10.0.0.1"]
    assert [problem.value for problem in refused] == ["bad", "10.0.0.01", "010.0.0.1", "also bad"]
