"""Loading the compliance kinds of a library: reference controls, frameworks with their
requirement trees, and mapping sets, upserted by URN and all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.compliance.models import (
    Framework,
    MappingSet,
    ReferenceControl,
    RequirementMapping,
    RequirementNode,
)
from garrison.core.models import AuditEvent
from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadStatus, load_library
from tests.compliance import conftest as builders

pytestmark = pytest.mark.django_db

ALPHA = "urn:test:req:alpha"
BETA = "urn:test:req:beta"


def load(data: dict[str, Any], by: Any = None) -> Any:
    return load_library(builders.dump(data), by=by)


def test_it_loads_controls_frameworks_with_their_trees_and_mappings() -> None:
    result = load(builders.library())
    assert result.status == LoadStatus.ADDED, result.errors
    assert result.kinds["reference_controls"].added == ["urn:test:control:c1", "urn:test:control:c2"]
    assert result.kinds["frameworks"].added == [
        builders.FRAMEWORK_URN,
        f"{ALPHA}:1",
        f"{ALPHA}:1.1",
        f"{ALPHA}:1.2",
        f"{ALPHA}:2",
        builders.OTHER_FRAMEWORK_URN,
        f"{BETA}:1",
        f"{BETA}:1.1",
        f"{BETA}:1.2",
        f"{BETA}:2",
    ]
    assert result.kinds["mappings"].added == [builders.MAPPING_URN]
    alpha = Framework.objects.get(urn=builders.FRAMEWORK_URN)
    assert (alpha.reference, alpha.name, alpha.provider, alpha.library_urn, alpha.origin) == (
        "Alpha",
        "Framework alpha",
        "Tests",
        builders.LIBRARY_URN,
        "library",
    )
    nodes = list(alpha.requirements.order_by("order"))
    heading, first, second, operations = nodes
    assert [(node.reference, node.order, node.depth, node.is_assessable) for node in nodes] == [
        ("1", 1, 0, False),
        ("1.1", 2, 1, True),
        ("1.2", 3, 1, True),
        ("2", 4, 0, True),
    ]
    assert first.parent_id == heading.pk
    assert operations.parent_id is None
    assert first.path == f"/{heading.pk}/{first.pk}/"
    assert second.path == f"/{heading.pk}/{second.pk}/"
    assert [control.urn for control in first.reference_controls.all()] == ["urn:test:control:c1"]
    mapping_set = MappingSet.objects.get()
    assert (mapping_set.source_framework.urn, mapping_set.target_framework.urn) == (
        builders.FRAMEWORK_URN,
        builders.OTHER_FRAMEWORK_URN,
    )
    relations = sorted(
        RequirementMapping.objects.values_list(
            "source__urn", "target__urn", "relation", "strength", "rationale"
        )
    )
    assert relations == [
        (f"{ALPHA}:1.1", f"{BETA}:1.1", "equal", 3, "Both ask for the same thing."),
        (f"{ALPHA}:2", f"{BETA}:1.2", "subset", None, ""),
    ]
    assert LoadedLibrary.objects.get().object_counts == {
        "reference_controls": 2,
        "frameworks": 2,
        "mappings": 1,
    }
    created = AuditEvent.objects.filter(action="create")
    assert created.filter(object_type="compliance.requirementnode").count() == 8
    assert created.filter(object_type="compliance.requirementmapping").count() == 2
    assert created.filter(object_type="compliance.framework").count() == 2


def test_loading_the_same_version_again_writes_nothing() -> None:
    load(builders.library())
    events = AuditEvent.objects.count()
    result = load(builders.library())
    assert result.status == LoadStatus.UNCHANGED
    assert AuditEvent.objects.count() == events
    assert RequirementNode.objects.count() == 8


def test_a_newer_version_changes_by_urn_and_reports_dropped_nodes_as_removed_and_kept() -> None:
    load(builders.library())
    alpha = builders.FRAMEWORK_URN
    newer = builders.library(
        version=2,
        frameworks=[
            builders.framework(
                requirements=[
                    builders.requirement(alpha, "1", assessable=False, name="Governance and leadership"),
                    builders.requirement(alpha, "1.1", "1", reference_controls=["urn:test:control:c2"]),
                    builders.requirement(alpha, "2", name="Operations"),
                    builders.requirement(alpha, "2.1", "2", name="Backups"),
                ]
            ),
            builders.framework(builders.OTHER_FRAMEWORK_URN),
        ],
        mappings=[builders.mapping(relations=[builders.mapping()["relations"][0] | {"relation": "subset"}])],
    )
    result = load(newer)
    assert result.status == LoadStatus.UPGRADED, result.errors
    frameworks = result.kinds["frameworks"]
    assert frameworks.added == [f"{ALPHA}:2.1"]
    assert frameworks.changed == {
        f"{ALPHA}:1": ["name"],
        f"{ALPHA}:1.1": ["reference_controls"],
        f"{ALPHA}:2": ["order"],
    }
    assert frameworks.removed == [f"{ALPHA}:1.2"]
    assert result.kinds["mappings"].changed == {builders.MAPPING_URN: ["relations"]}
    kept = RequirementNode.objects.get(urn=f"{ALPHA}:1.2")
    assert kept.framework.urn == alpha
    backups = RequirementNode.objects.get(urn=f"{ALPHA}:2.1")
    operations = RequirementNode.objects.get(urn=f"{ALPHA}:2")
    assert (backups.parent_id, backups.depth, backups.order, backups.path) == (
        operations.pk,
        1,
        4,
        f"/{operations.pk}/{backups.pk}/",
    )
    node = RequirementNode.objects.get(urn=f"{ALPHA}:1.1")
    assert [control.urn for control in node.reference_controls.all()] == ["urn:test:control:c2"]
    assert list(RequirementMapping.objects.values_list("relation", flat=True)) == ["subset"]
    assert LoadedLibrary.objects.get().last_changes["frameworks"]["removed"] == [f"{ALPHA}:1.2"]
    update = AuditEvent.objects.get(
        object_type="compliance.requirementnode", action="update", object_id=str(node.pk)
    )
    assert update.changes == {"reference_controls": [["urn:test:control:c1"], ["urn:test:control:c2"]]}


def test_a_mapping_set_with_unknown_requirements_is_refused_listing_every_unresolved_urn() -> None:
    relations = [
        {"source_urn": "urn:test:req:alpha:9", "target_urn": "urn:test:req:beta:1.1", "relation": "equal"},
        {"source_urn": "urn:test:req:alpha:1.1", "target_urn": "urn:test:req:beta:8", "relation": "equal"},
        # A requirement of the wrong framework is unresolved as well.
        {"source_urn": "urn:test:req:beta:2", "target_urn": "urn:test:req:beta:2", "relation": "equal"},
    ]
    result = load(builders.library(mappings=[builders.mapping(relations=relations)]))
    assert result.status == LoadStatus.REFUSED
    assert result.errors == [
        f"{builders.MAPPING_URN}, relations: 3 unresolved requirement URNs (not in the framework the "
        "mapping names): urn:test:req:alpha:9, urn:test:req:beta:8, urn:test:req:beta:2"
    ]
    assert not Framework.objects.exists()
    assert not ReferenceControl.objects.exists()
    assert not LoadedLibrary.objects.exists()


def test_a_mapping_set_naming_an_unknown_framework_is_refused() -> None:
    result = load(builders.library(frameworks=[builders.framework()]))
    assert result.status == LoadStatus.REFUSED
    assert result.errors[0] == (
        f"{builders.MAPPING_URN}, target_framework_urn: unknown framework {builders.OTHER_FRAMEWORK_URN}"
    )
    assert not RequirementNode.objects.exists()


def test_unknown_reference_controls_refuse_the_whole_library() -> None:
    alpha = builders.FRAMEWORK_URN
    frameworks = [
        builders.framework(
            requirements=[
                builders.requirement(
                    alpha, "1", reference_controls=["urn:test:control:c9", "urn:test:control:c1"]
                ),
                builders.requirement(alpha, "2", reference_controls=["urn:test:control:c8"]),
            ]
        )
    ]
    result = load(builders.library(frameworks=frameworks, mappings=[]))
    assert result.errors == [
        f"{alpha}, reference_controls: unknown reference controls: urn:test:control:c8, urn:test:control:c9"
    ]
    assert not ReferenceControl.objects.exists()
    assert not Framework.objects.exists()


def test_it_never_takes_over_a_framework_of_another_library() -> None:
    load(builders.library(mappings=[]))
    other = builders.library(urn="urn:test:library:other", mappings=[], controls=[])
    result = load(other)
    assert result.status == LoadStatus.REFUSED
    assert result.errors == [
        f"{builders.FRAMEWORK_URN}, urn: already used by library {builders.LIBRARY_URN}",
        f"{builders.OTHER_FRAMEWORK_URN}, urn: already used by library {builders.LIBRARY_URN}",
    ]
    assert LoadedLibrary.objects.count() == 1


def test_a_requirement_urn_of_another_framework_is_refused() -> None:
    load(builders.library(mappings=[]))
    thief = builders.framework(
        "urn:test:framework:gamma",
        requirements=[{"urn": f"{ALPHA}:1.1", "ref_id": "X", "name": "Taken"}],
    )
    result = load(
        builders.library(urn="urn:test:library:other", controls=[], mappings=[], frameworks=[thief])
    )
    assert result.errors == [
        f"{ALPHA}:1.1, urn: already used by a requirement of framework {builders.FRAMEWORK_URN}"
    ]
    assert not Framework.objects.filter(urn="urn:test:framework:gamma").exists()


def test_a_framework_of_hundreds_of_requirements_is_written_in_a_few_queries(
    django_assert_max_num_queries: Any,
) -> None:
    alpha = builders.FRAMEWORK_URN
    requirements = []
    for group in range(20):
        requirements.append(builders.requirement(alpha, f"g{group}", assessable=False))
        requirements += [builders.requirement(alpha, f"g{group}.{item}", f"g{group}") for item in range(20)]
    data = builders.library(
        controls=[], mappings=[], frameworks=[builders.framework(requirements=requirements)]
    )
    with django_assert_max_num_queries(40):
        result = load(data)
    assert result.kinds["frameworks"].counts() == {"added": 421, "changed": 0, "unchanged": 0, "removed": 0}
    assert RequirementNode.objects.filter(depth=1).count() == 400
