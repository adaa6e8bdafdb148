"""The compliance kinds of the library format, read into dataclasses. Pure module: no Django.

`reference_controls`, `frameworks` (with their flat requirement trees) and `mappings`
are specified in docs/library-format.md. Each parser reads one raw object, adds every
problem it finds to `problems` (naming the field, and the requirement or relation it is
in), and returns a dataclass only when there was none. The OSCAL reader
(garrison.compliance.oscal) produces the same `FrameworkDefinition`, so that both reach
the database through one writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from garrison.library.format import (
    TEXT_FIELDS,
    URN_PATTERN,
    Problems,
    check_fields,
    is_whole_number,
    optional_text,
    read_texts,
    required_text,
    required_urn,
)

RELATIONS = ("equal", "subset", "superset", "intersect")
FRAMEWORK_NAME_MAX_LENGTH = 300
FRAMEWORK_REFERENCE_MAX_LENGTH = 100
PROVIDER_MAX_LENGTH = 200
REQUIREMENT_URN_MAX_LENGTH = 250
REQUIREMENT_NAME_MAX_LENGTH = 500
REQUIREMENT_REFERENCE_MAX_LENGTH = 100
CONTROL_REFERENCE_MAX_LENGTH = 60
CONTROL_CATEGORY_MAX_LENGTH = 30
STRENGTHS = (1, 2, 3)

REFERENCE_CONTROL_FIELDS = ("urn", "ref_id", *TEXT_FIELDS, "category", "function")
FRAMEWORK_FIELDS = ("urn", "ref_id", *TEXT_FIELDS, "provider", "requirements")
REQUIREMENT_FIELDS = ("urn", "parent_urn", "ref_id", *TEXT_FIELDS, "assessable", "reference_controls")
MAPPING_FIELDS = ("urn", *TEXT_FIELDS, "source_framework_urn", "target_framework_urn", "relations")
RELATION_FIELDS = ("source_urn", "target_urn", "relation", "strength", "rationale")


@dataclass(frozen=True)
class ReferenceControlDefinition:
    """A control described once, as a library describes it."""

    urn: str
    ref_id: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    category: str
    function: str


@dataclass(frozen=True)
class RequirementDefinition:
    """One node of a framework's requirement tree; `depth` is computed from the parents."""

    urn: str
    parent_urn: str
    ref_id: str
    name: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""
    is_assessable: bool = True
    reference_controls: tuple[str, ...] = ()
    depth: int = 0


@dataclass(frozen=True)
class FrameworkDefinition:
    """A framework and its requirement nodes, parents before children, in reading order.

    `origin` says where it came from ("library" for YAML, "oscal" for an OSCAL file).
    """

    urn: str
    ref_id: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    provider: str
    requirements: tuple[RequirementDefinition, ...]
    origin: str = "library"


@dataclass(frozen=True)
class RelationDefinition:
    """One relation of a mapping set, between a source and a target requirement."""

    source_urn: str
    target_urn: str
    relation: str
    strength: int | None = None
    rationale: str = ""


@dataclass(frozen=True)
class MappingSetDefinition:
    """How the requirements of one framework relate to those of another."""

    urn: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    source_framework_urn: str
    target_framework_urn: str
    relations: tuple[RelationDefinition, ...] = field(default_factory=tuple)


def parse_reference_control(raw: Mapping[str, Any], problems: Problems) -> ReferenceControlDefinition | None:
    check_fields(raw, REFERENCE_CONTROL_FIELDS, problems)
    urn = required_urn(raw, problems)
    ref_id = required_text(raw, "ref_id", problems, CONTROL_REFERENCE_MAX_LENGTH)
    texts = read_texts(raw, problems)
    category = optional_text(raw, "category", problems, CONTROL_CATEGORY_MAX_LENGTH)
    function = optional_text(raw, "function", problems, CONTROL_CATEGORY_MAX_LENGTH)
    if problems:
        return None
    return ReferenceControlDefinition(urn=urn, ref_id=ref_id, category=category, function=function, **texts)


def parse_framework(raw: Mapping[str, Any], problems: Problems) -> FrameworkDefinition | None:
    """A framework: its header and its requirement nodes, listed flat, each naming an earlier
    node of the same framework as its parent."""
    check_fields(raw, FRAMEWORK_FIELDS, problems)
    urn = required_urn(raw, problems)
    ref_id = required_text(raw, "ref_id", problems, FRAMEWORK_REFERENCE_MAX_LENGTH)
    texts = read_texts(raw, problems)
    if len(texts["name"]) > FRAMEWORK_NAME_MAX_LENGTH:
        problems.add("name", f"is longer than {FRAMEWORK_NAME_MAX_LENGTH} characters")
    provider = optional_text(raw, "provider", problems, PROVIDER_MAX_LENGTH)
    requirements = _requirements(raw.get("requirements"), urn, problems)
    if problems:
        return None
    return FrameworkDefinition(urn=urn, ref_id=ref_id, provider=provider, requirements=requirements, **texts)


def _requirements(value: Any, framework_urn: str, problems: Problems) -> tuple[RequirementDefinition, ...]:
    if not isinstance(value, list) or not value:
        problems.add("requirements", "required: a list of requirement nodes, parents before children")
        return ()
    depth_of: dict[str, int] = {}
    nodes = []
    for position, raw in enumerate(value, start=1):
        if not isinstance(raw, Mapping):
            problems.add("requirements", "must be a mapping of fields", f"{position}")
            continue
        raw_urn = raw.get("urn")
        part = raw_urn if isinstance(raw_urn, str) and raw_urn.strip() else f"{position}"
        node = _requirement(raw, part, framework_urn, depth_of, problems)
        if node is not None:
            depth_of[node.urn] = node.depth
            nodes.append(node)
    return tuple(nodes)


def _requirement(
    raw: Mapping[str, Any], part: str, framework_urn: str, depth_of: dict[str, int], problems: Problems
) -> RequirementDefinition | None:
    errors_before = len(problems.errors)

    def add(message: str) -> None:
        problems.add("requirements", message, part)

    for key in raw:
        if key not in REQUIREMENT_FIELDS:
            add(f"unknown field {key!r}")
    urn = _urn(raw.get("urn"), "urn", REQUIREMENT_URN_MAX_LENGTH, add)
    if urn and urn in depth_of:
        add("urn is used by another requirement of the framework")
    if urn and urn == framework_urn:
        add("urn is the framework's own URN")
    parent_urn = ""
    if raw.get("parent_urn") is not None:
        parent_urn = _urn(raw.get("parent_urn"), "parent_urn", REQUIREMENT_URN_MAX_LENGTH, add)
        if parent_urn and parent_urn not in depth_of:
            add(f"parent_urn {parent_urn} is not an earlier requirement of this framework")
    texts = {}
    for text_field in TEXT_FIELDS:
        value = raw.get(text_field, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            add(f"{text_field} must be text")
            value = ""
        value = value.strip()
        if text_field.startswith("name") and len(value) > REQUIREMENT_NAME_MAX_LENGTH:
            add(f"{text_field} is longer than {REQUIREMENT_NAME_MAX_LENGTH} characters")
        texts[text_field] = value
    ref_id = raw.get("ref_id", "")
    if ref_id is None:
        ref_id = ""
    if is_whole_number(ref_id) or isinstance(ref_id, float):
        # YAML reads `ref_id: 5` as a number; a clause number is text.
        ref_id = str(ref_id)
    if not isinstance(ref_id, str):
        add("ref_id must be text")
        ref_id = ""
    ref_id = ref_id.strip()
    if len(ref_id) > REQUIREMENT_REFERENCE_MAX_LENGTH:
        add(f"ref_id is longer than {REQUIREMENT_REFERENCE_MAX_LENGTH} characters")
    if not ref_id and not texts["name"]:
        add("needs a ref_id or a name")
    assessable = raw.get("assessable", True)
    if not isinstance(assessable, bool):
        add("assessable must be true or false")
        assessable = True
    controls = raw.get("reference_controls", [])
    if controls is None:
        controls = []
    if not isinstance(controls, list) or not all(isinstance(item, str) for item in controls):
        add("reference_controls must be a list of reference control URNs")
        controls = []
    for control in controls:
        if not URN_PATTERN.match(control):
            add(f"reference_controls: {control!r} is not a URN")
    if len(problems.errors) > errors_before:
        return None
    return RequirementDefinition(
        urn=urn,
        parent_urn=parent_urn,
        ref_id=ref_id,
        is_assessable=assessable,
        reference_controls=tuple(dict.fromkeys(controls)),
        depth=depth_of[parent_urn] + 1 if parent_urn else 0,
        **texts,
    )


def _urn(value: Any, name: str, max_length: int, add: Any) -> str:
    if value is None or value == "":
        add(f"{name} required")
        return ""
    if not isinstance(value, str):
        add(f"{name} must be text")
        return ""
    if len(value) > max_length:
        add(f"{name} is longer than {max_length} characters")
        return ""
    if not URN_PATTERN.match(value):
        add(f"{name} {value!r} is not a URN (urn:publisher:kind:name, in lower case)")
        return ""
    return value


def parse_mapping_set(raw: Mapping[str, Any], problems: Problems) -> MappingSetDefinition | None:
    """A mapping set: two frameworks by URN and the relations between their requirements.
    Whether the URNs exist is checked when the library is loaded, against the database."""
    check_fields(raw, MAPPING_FIELDS, problems)
    urn = required_urn(raw, problems)
    texts = read_texts(raw, problems)
    frameworks = {}
    for name in ("source_framework_urn", "target_framework_urn"):
        frameworks[name] = _urn(
            raw.get(name), name, 200, lambda message, name=name: problems.add(name, message)
        )
    relations = _relations(raw.get("relations"), problems)
    if problems:
        return None
    return MappingSetDefinition(urn=urn, relations=relations, **frameworks, **texts)


def _relations(value: Any, problems: Problems) -> tuple[RelationDefinition, ...]:
    if not isinstance(value, list) or not value:
        problems.add("relations", "required: a list of relations between requirements")
        return ()
    relations = []
    seen: set[tuple[str, str]] = set()
    for position, raw in enumerate(value, start=1):
        part = f"{position}"

        def add(message: str, part: str = part) -> None:
            problems.add("relations", message, part)

        if not isinstance(raw, Mapping):
            add("must be a mapping of fields")
            continue
        errors_before = len(problems.errors)
        for key in raw:
            if key not in RELATION_FIELDS:
                add(f"unknown field {key!r}")
        source = _urn(raw.get("source_urn"), "source_urn", REQUIREMENT_URN_MAX_LENGTH, add)
        target = _urn(raw.get("target_urn"), "target_urn", REQUIREMENT_URN_MAX_LENGTH, add)
        if source and target and (source, target) in seen:
            add(f"{source} to {target} is listed twice")
        seen.add((source, target))
        relation = raw.get("relation")
        if relation not in RELATIONS:
            add(f"relation {relation!r} must be one of {', '.join(RELATIONS)}")
        strength = raw.get("strength")
        if strength is not None and (not is_whole_number(strength) or strength not in STRENGTHS):
            add("strength must be 1 (weak), 2 or 3 (strong)")
        rationale = raw.get("rationale", "") or ""
        if not isinstance(rationale, str):
            add("rationale must be text")
            rationale = ""
        if len(problems.errors) == errors_before:
            relations.append(
                RelationDefinition(
                    source_urn=source,
                    target_urn=target,
                    relation=str(relation),
                    strength=strength,
                    rationale=rationale.strip(),
                )
            )
    return tuple(relations)
