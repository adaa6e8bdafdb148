"""The pure parsers of the compliance kinds: every error names the object and the field."""

from __future__ import annotations

from garrison.library import registry
from garrison.library.format import parse_library
from tests.compliance import conftest as builders


def errors_of(data: dict) -> list[str]:
    result = parse_library(builders.dump(data), registry.parsers())
    assert result.library is None
    return result.messages


def test_a_valid_library_parses_into_definitions_with_depths() -> None:
    result = parse_library(builders.dump(builders.library()), registry.parsers())
    assert result.errors == []
    assert result.library is not None
    framework = result.library.objects["frameworks"][0]
    assert [(node.ref_id, node.depth, node.is_assessable) for node in framework.requirements] == [
        ("1", 0, False),
        ("1.1", 1, True),
        ("1.2", 1, True),
        ("2", 0, True),
    ]
    assert framework.requirements[1].reference_controls == ("urn:test:control:c1",)
    assert result.library.objects["mappings"][0].relations[0].strength == 3


def test_a_parent_must_be_an_earlier_node_of_the_same_framework() -> None:
    alpha = builders.FRAMEWORK_URN
    requirements = [
        builders.requirement(alpha, "1.1", "1"),
        builders.requirement(alpha, "1"),
        builders.requirement(alpha, "1"),
    ]
    data = builders.library(frameworks=[builders.framework(requirements=requirements)], mappings=[])
    assert errors_of(data) == [
        f"{alpha}, requirements urn:test:req:alpha:1.1: parent_urn urn:test:req:alpha:1 is not an earlier "
        "requirement of this framework",
        f"{alpha}, requirements urn:test:req:alpha:1: urn is used by another requirement of the framework",
    ]


def test_framework_errors_name_the_urn_and_the_field() -> None:
    alpha = builders.FRAMEWORK_URN
    requirements = [
        {"urn": "not a urn", "name": "Bad"},
        {"urn": f"{alpha}-x:1", "assessable": "yes", "colour": "red"},
        {"urn": "urn:test:req:alpha:3", "name": "Linked", "reference_controls": "urn:test:control:c1"},
    ]
    frameworks = [builders.framework(requirements=requirements, ref_id="", licence="x")]
    assert errors_of(builders.library(frameworks=frameworks, mappings=[])) == [
        f"{alpha}, licence: unknown field",
        f"{alpha}, ref_id: required",
        f"{alpha}, requirements not a urn: urn 'not a urn' is not a URN "
        "(urn:publisher:kind:name, in lower case)",
        f"{alpha}, requirements {alpha}-x:1: unknown field 'colour'",
        f"{alpha}, requirements {alpha}-x:1: needs a ref_id or a name",
        f"{alpha}, requirements {alpha}-x:1: assessable must be true or false",
        f"{alpha}, requirements urn:test:req:alpha:3: "
        "reference_controls must be a list of reference control URNs",
    ]


def test_a_framework_needs_requirements() -> None:
    frameworks = [builders.framework(requirements=[])]
    assert errors_of(builders.library(frameworks=frameworks, mappings=[])) == [
        f"{builders.FRAMEWORK_URN}, requirements: "
        "required: a list of requirement nodes, parents before children"
    ]


def test_reference_control_errors_name_the_urn_and_the_field() -> None:
    controls = [builders.control(1, ref_id="", category="x" * 31), builders.control(2, owner="me")]
    assert errors_of(builders.library(controls=controls, frameworks=[], mappings=[])) == [
        "urn:test:control:c1, ref_id: required",
        "urn:test:control:c1, category: is longer than 30 characters",
        "urn:test:control:c2, owner: unknown field",
    ]


def test_mapping_errors_name_the_relation_and_the_field() -> None:
    relations = [
        {"source_urn": "urn:test:req:alpha:1", "target_urn": "urn:test:req:beta:1", "relation": "same"},
        {"source_urn": "urn:test:req:alpha:1", "target_urn": "urn:test:req:beta:1", "relation": "equal"},
        {"source_urn": "urn:test:req:alpha:2", "relation": "equal", "strength": 5},
    ]
    mappings = [builders.mapping(relations=relations, target_framework_urn="beta")]
    assert errors_of(builders.library(mappings=mappings)) == [
        f"{builders.MAPPING_URN}, target_framework_urn: target_framework_urn 'beta' is not a URN "
        "(urn:publisher:kind:name, in lower case)",
        f"{builders.MAPPING_URN}, relations 1: "
        "relation 'same' must be one of equal, subset, superset, intersect",
        f"{builders.MAPPING_URN}, relations 2: urn:test:req:alpha:1 to urn:test:req:beta:1 is listed twice",
        f"{builders.MAPPING_URN}, relations 3: target_urn required",
        f"{builders.MAPPING_URN}, relations 3: strength must be 1 (weak), 2 or 3 (strong)",
    ]
