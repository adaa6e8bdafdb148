"""The library format on plain data: every error names the object (by URN) and the field."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.library import format as library_format
from garrison.library.format import parse_library, parse_risk_matrix, parse_threat
from tests.library import builders

PARSERS = {"risk_matrices": parse_risk_matrix, "threats": parse_threat}


def errors_of(document: Any) -> list[str]:
    result = parse_library(builders.dump(document), PARSERS)
    assert result.library is None
    return result.messages


def test_it_reads_the_shipped_library_into_the_default_matrix_and_the_threat_catalogue() -> None:
    result = parse_library(builders.SHIPPED_DEFAULTS.read_bytes(), PARSERS)
    assert result.errors == []
    library = result.library
    assert library is not None
    assert library.urn == "urn:garrison:library:risk-defaults"
    assert library.version == 1
    assert library.name_zh == "Garrison 默认风险库"
    [default] = library.objects["risk_matrices"]
    assert default.urn == "urn:garrison:risk-matrix:default-5x5"
    assert default.is_default is True
    assert [step.name for step in default.likelihood] == [
        "Rare",
        "Unlikely",
        "Possible",
        "Likely",
        "Almost certain",
    ]
    assert [step.name for step in default.impact] == ["Negligible", "Minor", "Moderate", "Major", "Severe"]
    assert [(level.key, level.colour) for level in default.levels] == [
        ("low", "#2e7d32"),
        ("medium", "#f9a825"),
        ("high", "#ef6c00"),
        ("critical", "#c62828"),
    ]
    assert default.grid == (
        (1, 1, 1, 2, 2),
        (1, 1, 2, 2, 3),
        (1, 2, 2, 3, 3),
        (2, 2, 3, 3, 4),
        (2, 3, 3, 4, 4),
    )
    assert default.appetite == 2
    assert all(step.name_zh and step.description and step.description_zh for step in default.likelihood)


def test_every_shipped_threat_is_bilingual_with_its_own_reference_and_a_known_category() -> None:
    library = parse_library(builders.SHIPPED_DEFAULTS.read_bytes(), PARSERS).library
    assert library is not None
    threats = library.objects["threats"]
    assert 35 <= len(threats) <= 45
    assert len({threat.ref_id for threat in threats}) == len(threats)
    assert len({threat.urn for threat in threats}) == len(threats)
    for threat in threats:
        assert threat.name, threat.urn
        assert threat.name_zh, threat.urn
        assert threat.description, threat.urn
        assert threat.description_zh, threat.urn
        assert threat.category in {
            "facility",
            "natural",
            "physical",
            "technical",
            "cyber",
            "human",
            "supplier",
            "compliance",
        }
    names = {threat.name for threat in threats}
    for expected in (
        "Loss of utility power",
        "Cooling failure",
        "Fire",
        "Flood",
        "Insider misuse",
        "Ransomware",
        "Supplier compromise",
        "Distributed denial of service",
        "Misconfiguration",
        "Physical intrusion",
        "Data leakage",
        "Credential theft",
        "Unpatched vulnerability",
        "Backup failure",
        "Hardware failure",
        "Network outage",
        "Lost or stolen media",
        "Social engineering",
        "API abuse",
        "Tenant isolation failure",
        "Key mismanagement",
        "Regulatory sanction",
    ):
        assert expected in names


def test_a_grid_cell_naming_an_unknown_level_names_the_matrix_the_row_and_the_level() -> None:
    grid = [["green", "green", "amber"], ["green", "amber", "red"], ["amber", "severe", "red"]]
    document = builders.library(matrices=[builders.matrix(grid=grid)])
    assert errors_of(document) == ["urn:test:risk-matrix:three, grid row 3: unknown level 'severe'"]


def test_a_grid_of_the_wrong_shape_is_refused_row_by_row() -> None:
    document = builders.library(
        matrices=[builders.matrix(grid=[["green", "green"], ["green", "amber", "red"]])]
    )
    assert errors_of(document) == [
        "urn:test:risk-matrix:three, grid: needs 3 rows, one per likelihood step (it has 2)",
        "urn:test:risk-matrix:three, grid row 1: needs 3 cells, one per impact step (it has 2)",
    ]


def test_levels_need_a_key_of_their_own_and_a_colour() -> None:
    levels = [
        {"key": "green", "name": "Green", "colour": "#2e7d32"},
        {"key": "green", "name": "Also green", "colour": "green"},
        {"key": "red", "name": "", "colour": "#c62828"},
    ]
    document = builders.library(matrices=[builders.matrix(levels=levels)])
    assert errors_of(document) == [
        "urn:test:risk-matrix:three, levels 2: key 'green' is used by another level",
        "urn:test:risk-matrix:three, levels 2: colour 'green' is not a colour like #2e7d32",
        "urn:test:risk-matrix:three, levels 3: name required",
    ]


def test_an_appetite_that_is_not_a_level_key_is_refused() -> None:
    document = builders.library(matrices=[builders.matrix(appetite="medium")])
    assert errors_of(document) == ["urn:test:risk-matrix:three, appetite: unknown level 'medium'"]


def test_scale_steps_need_names_and_may_be_given_as_bare_names() -> None:
    document = builders.library(matrices=[builders.matrix(likelihood=["Low", {"name_zh": "中"}, "High"])])
    assert errors_of(document) == ["urn:test:risk-matrix:three, likelihood step 2: name required"]
    valid = parse_library(builders.dump(builders.library()), PARSERS).library
    assert valid is not None
    assert [step.name for step in valid.objects["risk_matrices"][0].impact] == ["Small", "Serious", "Grave"]


def test_a_threat_with_an_unknown_field_a_missing_name_and_a_numeric_reference_is_refused() -> None:
    document = builders.library(threats=[builders.threat(1, ref_id=7, name="", severity="high")])
    assert errors_of(document) == [
        "urn:test:threat:t1, severity: unknown field",
        "urn:test:threat:t1, ref_id: must be text",
        "urn:test:threat:t1, name: required",
    ]


def test_an_object_without_urn_is_named_by_its_kind_and_position() -> None:
    second = builders.threat(2)
    del second["urn"]
    document = builders.library(threats=[builders.threat(1), second])
    assert errors_of(document) == ["threats 2, urn: required"]


def test_a_urn_used_twice_is_refused() -> None:
    document = builders.library(threats=[builders.threat(1), builders.threat(2, urn="urn:test:threat:t1")])
    assert errors_of(document) == ["urn:test:threat:t1, urn: also used by another object in threats"]


def test_a_urn_in_upper_case_or_without_parts_is_refused() -> None:
    document = builders.library(threats=[builders.threat(1, urn="URN:Test:Threat")])
    assert errors_of(document) == [
        "URN:Test:Threat, urn: must look like urn:publisher:kind:name, in lower case (letters, digits, . _ -)"
    ]


def test_a_kind_this_installation_does_not_store_is_refused_naming_the_known_kinds() -> None:
    document = builders.library()
    document["objects"]["frameworks"] = [{"urn": "urn:test:framework:x", "name": "X"}]
    assert errors_of(document) == [
        "urn:test:library:risk-basics, objects: unknown object kind 'frameworks' "
        "(this installation knows: risk_matrices, threats)"
    ]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "version: required"),
        ("2", "version: must be a whole number of at least 1"),
        (True, "version: must be a whole number of at least 1"),
        (0, "version: must be a whole number of at least 1"),
    ],
)
def test_the_version_must_be_a_positive_whole_number(version: Any, message: str) -> None:
    document = builders.library()
    if version is None:
        del document["version"]
    else:
        document["version"] = version
    assert errors_of(document) == [f"urn:test:library:risk-basics, {message}"]


def test_an_unknown_header_field_and_a_library_without_objects_are_refused() -> None:
    document = builders.library(licensee="x")
    document["objects"] = {}
    assert errors_of(document) == [
        "urn:test:library:risk-basics, licensee: unknown field",
        "urn:test:library:risk-basics, objects: required: a mapping of object kinds to lists of objects, "
        "with at least one object",
    ]


def test_text_that_is_not_yaml_is_refused_with_its_line() -> None:
    result = parse_library(b"urn: x\nversion: [1\nname: y\n", PARSERS)
    assert result.library is None
    assert len(result.messages) == 1
    assert result.messages[0].startswith("library: not valid YAML (line 3, column 5)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"- just\n- a list\n", "library: the file must hold a mapping of fields"),
        (b"urn: a\n---\nurn: b\n", "library: the file must hold exactly one YAML document"),
        ("名字: 值".encode("gb18030"), "library: the file is not UTF-8 text"),
        (b"a: b\x00", "library: the file is not text"),
    ],
)
def test_files_that_are_not_one_mapping_of_utf8_text_are_refused(content: bytes, message: str) -> None:
    result = parse_library(content, PARSERS)
    assert result.library is None
    assert result.messages == [message]


def test_aliases_are_refused_so_that_a_small_file_cannot_expand_into_a_huge_one() -> None:
    bomb = b'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n'
    result = parse_library(bomb, PARSERS)
    assert result.library is None
    assert "aliases (*name) are not allowed in a library" in result.messages[0]


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    result = parse_library(b"#" * (library_format.MAXIMUM_SIZE + 1), PARSERS)
    assert result.messages == [f"library: the file is larger than {library_format.MAXIMUM_SIZE} bytes"]


def test_the_content_hash_ignores_comments_layout_and_key_order() -> None:
    document = builders.library()
    reordered = dict(reversed(list(document.items())))
    plain = parse_library(builders.dump(document), PARSERS).library
    commented = parse_library(b"# a comment\n" + builders.dump(reordered), PARSERS).library
    changed = parse_library(builders.dump(builders.library(name="Other name")), PARSERS).library
    assert plain is not None
    assert commented is not None
    assert changed is not None
    assert plain.content_sha256 == commented.content_sha256
    assert plain.content_sha256 != changed.content_sha256


def test_a_format_error_reads_as_location_field_part_and_message() -> None:
    error = library_format.FormatError("urn:x:matrix:y", "grid", "unknown level 'severe'", "row 3")
    assert str(error) == "urn:x:matrix:y, grid row 3: unknown level 'severe'"
    assert str(library_format.FormatError("library", "", "not valid YAML")) == "library: not valid YAML"
