"""The compliance libraries Garrison ships (src/garrison/compliance/data/*.yaml): their
content is checked as data first (counts, unique URNs, parents and mapping ends that
resolve, bilingual names), then loaded through the library loader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from garrison.compliance.models import Framework, MappingSet, RequirementMapping, RequirementNode
from garrison.core.models import AuditEvent
from garrison.library import format as library_format
from garrison.library import registry
from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadStatus, load_library
from garrison.library.shipped import load_shipped_libraries

DATA = Path(__file__).resolve().parents[2] / "src" / "garrison" / "compliance" / "data"
ISO27001 = "urn:garrison:framework:iso27001-2022"
MLPS = "urn:garrison:framework:mlps2-class3"
MAPPING = "urn:garrison:mapping:iso27001-2022-to-mlps2-class3"
LIBRARY_FILES = {
    "iso27001-2022.yaml": "urn:garrison:library:iso27001-2022",
    "mlps2-class3.yaml": "urn:garrison:library:mlps2-class3",
    "iso27018-2019.yaml": "urn:garrison:library:iso27018-2019",
    "iso20000-1-2018.yaml": "urn:garrison:library:iso20000-1-2018",
    "soc2-tsc.yaml": "urn:garrison:library:soc2-tsc",
    "mapping-iso27001-mlps2.yaml": "urn:garrison:library:mapping-iso27001-mlps2",
}
# Frameworks before the mapping that depends on them.
LOAD_ORDER = list(LIBRARY_FILES)


def document(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def framework(name: str) -> dict[str, Any]:
    [only] = document(name)["objects"]["frameworks"]
    return only


def nodes(name: str) -> list[dict[str, Any]]:
    return framework(name)["requirements"]


def children(name: str, parent_ref: str) -> list[dict[str, Any]]:
    by_urn = {node["urn"]: node for node in nodes(name)}
    return [
        node
        for node in nodes(name)
        if node.get("parent_urn") and by_urn[node["parent_urn"]]["ref_id"] == parent_ref
    ]


def all_framework_nodes() -> dict[str, dict[str, Any]]:
    """Every requirement node of every shipped framework, by URN, tagged with its framework."""
    found = {}
    for name in LIBRARY_FILES:
        for item in document(name)["objects"].get("frameworks", []):
            for node in item["requirements"]:
                found[node["urn"]] = {**node, "framework_urn": item["urn"]}
    return found


def test_the_shipped_folder_holds_exactly_the_six_compliance_libraries() -> None:
    assert sorted(path.name for path in DATA.glob("*.yaml")) == sorted(LIBRARY_FILES)


@pytest.mark.parametrize("name", sorted(LIBRARY_FILES))
def test_each_shipped_library_parses_without_a_single_error(name: str) -> None:
    result = library_format.parse_library((DATA / name).read_bytes(), registry.parsers())
    assert result.messages == []
    assert result.library is not None
    assert result.library.urn == LIBRARY_FILES[name]
    assert result.library.version == 1
    assert result.library.name_zh != ""


def test_iso27001_has_the_93_annex_a_controls_in_their_four_themes() -> None:
    themes = {
        node["ref_id"]: node
        for node in nodes("iso27001-2022.yaml")
        if node["ref_id"] in {"A.5", "A.6", "A.7", "A.8"}
    }
    assert [theme["assessable"] for theme in themes.values()] == [False, False, False, False]
    counts = {ref: len(children("iso27001-2022.yaml", ref)) for ref in themes}
    assert counts == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    controls = [
        node
        for node in nodes("iso27001-2022.yaml")
        if node["ref_id"].startswith("A.") and node["ref_id"].count(".") == 2
    ]
    assert len(controls) == 93
    assert all(control["assessable"] for control in controls)
    assert [control["ref_id"] for control in children("iso27001-2022.yaml", "A.8")][-1] == "A.8.34"


def test_iso27001_has_clauses_4_to_10_as_headings_over_assessable_sub_clauses() -> None:
    top = [node for node in nodes("iso27001-2022.yaml") if "parent_urn" not in node]
    assert [node["ref_id"] for node in top] == [
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "A.5",
        "A.6",
        "A.7",
        "A.8",
    ]
    assert not any(node["assessable"] for node in top)
    clause_nodes = [node for node in nodes("iso27001-2022.yaml") if not node["ref_id"].startswith("A.")]
    assessable = [node["ref_id"] for node in clause_nodes if node["assessable"]]
    assert len(assessable) == 30
    assert assessable[0] == "4.1"
    assert assessable[-1] == "10.2"
    # Sub-clauses with their own parts group them, and only the parts are assessed.
    grouping = [node["ref_id"] for node in clause_nodes if not node["assessable"] and "." in node["ref_id"]]
    assert grouping == ["6.1", "7.5", "9.2", "9.3"]
    assert [node["ref_id"] for node in children("iso27001-2022.yaml", "6.1")] == ["6.1.1", "6.1.2", "6.1.3"]


def test_every_assessable_iso27001_node_has_a_summary_in_both_languages() -> None:
    assessable = [node for node in nodes("iso27001-2022.yaml") if node["assessable"]]
    assert len(assessable) == 123
    assert [
        node["ref_id"] for node in assessable if not node.get("description") or not node.get("description_zh")
    ] == []


def test_mlps_has_the_ten_categories_five_technical_and_five_management() -> None:
    categories = [node for node in nodes("mlps2-class3.yaml") if "parent_urn" not in node]
    assert [node["ref_id"] for node in categories] == [f"8.1.{number}" for number in range(1, 11)]
    assert [node["name_zh"] for node in categories] == [
        "安全物理环境",
        "安全通信网络",
        "安全区域边界",
        "安全计算环境",
        "安全管理中心",
        "安全管理制度",
        "安全管理机构",
        "安全管理人员",
        "安全建设管理",
        "安全运维管理",
    ]
    assert not any(node["assessable"] for node in categories)
    kinds = Counter(node["description"].split()[1] for node in categories)
    assert kinds == {"technical": 5, "management": 5}


def test_mlps_control_points_are_numbered_under_their_category_and_assessable() -> None:
    points = [node for node in nodes("mlps2-class3.yaml") if "parent_urn" in node]
    assert len(points) == 71
    assert all(point["assessable"] for point in points)
    assert all(point["parent_urn"].rsplit(":", 1)[1] == point["ref_id"].rsplit(".", 1)[0] for point in points)
    per_category = {
        ref: len(children("mlps2-class3.yaml", ref)) for ref in [f"8.1.{n}" for n in range(1, 11)]
    }
    assert per_category == {
        "8.1.1": 10,
        "8.1.2": 3,
        "8.1.3": 6,
        "8.1.4": 11,
        "8.1.5": 4,
        "8.1.6": 4,
        "8.1.7": 5,
        "8.1.8": 4,
        "8.1.9": 10,
        "8.1.10": 14,
    }
    first = points[0]
    assert (first["ref_id"], first["name_zh"], first["name"]) == (
        "8.1.1.1",
        "物理位置选择",
        "Physical location selection",
    )
    assert all(point.get("description") and point.get("description_zh") for point in points)


def test_soc2_outline_has_the_common_criteria_and_the_additional_categories() -> None:
    series = [
        node["ref_id"]
        for node in nodes("soc2-tsc.yaml")
        if node["ref_id"][-1].isdigit() and "." not in node["ref_id"]
    ]
    assert series == [f"CC{n}" for n in range(1, 10)] + ["A1", "C1", "PI1"] + [f"P{n}" for n in range(1, 9)]
    points = [node["ref_id"] for node in nodes("soc2-tsc.yaml") if node["assessable"]]
    assert len(points) == 61
    assert [ref for ref in points if ref.startswith("CC6.")] == [f"CC6.{n}" for n in range(1, 9)]


def test_the_outlines_have_their_main_clauses() -> None:
    iso20000_top = [node["ref_id"] for node in nodes("iso20000-1-2018.yaml") if "parent_urn" not in node]
    assert iso20000_top == ["4", "5", "6", "7", "8", "9", "10"]
    assert [node["ref_id"] for node in children("iso20000-1-2018.yaml", "8.6")] == ["8.6.1", "8.6.2", "8.6.3"]
    iso27018_annex = [node["ref_id"] for node in children("iso27018-2019.yaml", "Annex A")]
    assert iso27018_annex == ["A.2", "A.3", "A.5", "A.6", "A.8", "A.10", "A.11", "A.12"]
    assert len(children("iso27018-2019.yaml", "A.11")) == 13
    assert len(children("iso27018-2019.yaml", "5-18")) == 14


def test_every_urn_is_unique_across_all_shipped_libraries() -> None:
    urns = []
    for name in LIBRARY_FILES:
        data = document(name)
        urns.append(data["urn"])
        for items in data["objects"].values():
            for item in items:
                urns.append(item["urn"])
                urns.extend(node["urn"] for node in item.get("requirements", []))
    duplicates = [urn for urn, count in Counter(urns).items() if count > 1]
    assert duplicates == []
    assert all(library_format.URN_PATTERN.match(urn) for urn in urns)


def test_every_parent_is_an_earlier_node_of_the_same_framework() -> None:
    for name in LIBRARY_FILES:
        for item in document(name)["objects"].get("frameworks", []):
            seen: set[str] = set()
            for node in item["requirements"]:
                assert node.get("parent_urn") is None or node["parent_urn"] in seen, node["urn"]
                seen.add(node["urn"])


def test_every_node_has_an_english_and_a_chinese_name() -> None:
    missing = [
        urn for urn, node in all_framework_nodes().items() if not node.get("name") or not node.get("name_zh")
    ]
    assert missing == []
    assert len(all_framework_nodes()) == 138 + 81 + 49 + 58 + 86


def test_the_mapping_relates_annex_a_controls_to_mlps_control_points() -> None:
    data = document("mapping-iso27001-mlps2.yaml")
    assert data["dependencies"] == ["urn:garrison:library:iso27001-2022", "urn:garrison:library:mlps2-class3"]
    [mapping] = data["objects"]["mappings"]
    assert (mapping["urn"], mapping["source_framework_urn"], mapping["target_framework_urn"]) == (
        MAPPING,
        ISO27001,
        MLPS,
    )
    relations = mapping["relations"]
    assert len(relations) >= 60
    known = all_framework_nodes()
    unresolved = [
        urn
        for relation in relations
        for urn, framework_urn in ((relation["source_urn"], ISO27001), (relation["target_urn"], MLPS))
        if urn not in known or known[urn]["framework_urn"] != framework_urn or not known[urn]["assessable"]
    ]
    assert unresolved == []
    assert {relation["relation"] for relation in relations} <= {"equal", "subset", "superset", "intersect"}
    assert all(relation["rationale"].strip() for relation in relations)
    pairs = Counter((relation["source_urn"], relation["target_urn"]) for relation in relations)
    assert max(pairs.values()) == 1
    # Every theme of Annex A is mapped, and every MLPS category is reached.
    assert {relation["source_urn"].rsplit(":", 1)[1][:3] for relation in relations} == {
        "a.5",
        "a.6",
        "a.7",
        "a.8",
    }
    targets = {relation["target_urn"].rsplit(":", 1)[1].rsplit(".", 1)[0] for relation in relations}
    assert targets == {f"8.1.{n}" for n in range(1, 11)}


@pytest.mark.django_db
def test_the_shipped_compliance_libraries_load_and_load_again_unchanged() -> None:
    first = [load_library(DATA / name, by=None) for name in LOAD_ORDER]
    assert [(result.status, result.errors) for result in first] == [(LoadStatus.ADDED, [])] * 6
    assert Framework.objects.count() == 5
    assert RequirementNode.objects.filter(framework__urn=ISO27001, is_assessable=True).count() == 123
    assert RequirementNode.objects.filter(framework__urn=MLPS, is_assessable=True).count() == 71
    annex_control = RequirementNode.objects.get(urn="urn:garrison:req:iso27001-2022:a.8.13")
    assert annex_control.parent is not None
    assert (annex_control.reference, annex_control.parent.reference, annex_control.name_zh) == (
        "A.8.13",
        "A.8",
        "信息备份",
    )
    mapping_set = MappingSet.objects.get(urn=MAPPING)
    assert RequirementMapping.objects.filter(mapping_set=mapping_set).count() == 119
    events = AuditEvent.objects.count()
    again = [load_library(DATA / name, by=None) for name in LOAD_ORDER]
    assert [result.status for result in again] == [LoadStatus.UNCHANGED] * 6
    assert AuditEvent.objects.count() == events
    assert RequirementNode.objects.count() == 138 + 81 + 49 + 58 + 86


@pytest.mark.django_db
def test_loading_every_shipped_library_loads_the_compliance_libraries_without_errors() -> None:
    results = load_shipped_libraries()
    assert [(path.name, result.errors) for path, result in results if result.is_refused] == []
    loaded = set(LoadedLibrary.objects.values_list("urn", flat=True))
    assert set(LIBRARY_FILES.values()) <= loaded
    assert MappingSet.objects.filter(urn=MAPPING).exists()
