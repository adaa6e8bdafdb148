"""Importing OSCAL catalogs and profiles as frameworks: every sample file, profiles
resolved against their catalogs, and refusals that name file, element and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from garrison.compliance.models import Framework, FrameworkOrigin, RequirementNode
from garrison.compliance.oscal import import_oscal, import_oscal_files
from garrison.core.models import AuditEvent
from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadStatus, load_files
from tests.compliance.conftest import BASIC_CATALOG, HIGH_PROFILE, LOW_BASELINE

pytestmark = pytest.mark.django_db

LOW_URN = "urn:oscal:catalog:0470d39a-3e02-4bff-82cf-676d522c1554"
BASIC_URN = "urn:oscal:catalog:74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724"
HIGH_URN = "urn:oscal:profile:ad6ca352-8b0e-40e7-b6e2-279706ef5456"


def profile_of_basic_catalog(**import_fields: Any) -> bytes:
    """A small profile of the basic catalog, naming it by file name."""
    entry = {"href": "basic-catalog.json", "include-controls": [{"with-ids": ["s1.1.2", "s2.1.1"]}]}
    entry.update(import_fields)
    profile = {
        "profile": {
            "uuid": "0b9d8c68-9d3b-4a8e-9a53-4b1f6c2e2a10",
            "metadata": {
                "title": "Basic baseline",
                "last-modified": "2024-02-01T13:57:28.355446-04:00",
                "version": "1.0",
                "oscal-version": "1.1.2",
            },
            "imports": [entry],
        }
    }
    return json.dumps(profile).encode("utf-8")


def test_the_resolved_low_baseline_catalog_imports_as_a_framework() -> None:
    result = import_oscal(LOW_BASELINE, by=None)
    assert result.status == LoadStatus.ADDED, result.errors
    framework = Framework.objects.get()
    assert (framework.urn, framework.origin, framework.name, framework.provider) == (
        LOW_URN,
        FrameworkOrigin.OSCAL,
        "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE",
        "Joint Task Force, Transformation Initiative",
    )
    nodes = RequirementNode.objects.filter(framework=framework)
    assert nodes.count() == 167
    assert nodes.filter(is_assessable=False).count() == 18
    assert nodes.filter(is_assessable=True).count() == 149
    family = nodes.get(urn=f"{LOW_URN}:ac")
    assert (family.reference, family.name, family.depth, family.order) == ("AC", "Access Control", 0, 1)
    account = nodes.get(urn=f"{LOW_URN}:ac-2")
    assert (account.reference, account.name, account.parent_id, account.depth) == (
        "AC-2",
        "Account Management",
        family.pk,
        1,
    )
    enhancement = nodes.get(urn=f"{LOW_URN}:at-2.2")
    assert (enhancement.reference, enhancement.name, enhancement.depth) == ("AT-2(2)", "Insider Threat", 2)
    assert enhancement.parent.urn == f"{LOW_URN}:at-2"
    assert enhancement.description == (
        "Provide literacy training on recognizing and reporting potential indicators of insider threat."
    )
    assert LoadedLibrary.objects.get().urn == LOW_URN
    assert AuditEvent.objects.filter(object_type="compliance.requirementnode").count() == 167


def test_the_basic_catalog_imports_its_nested_groups_and_controls() -> None:
    result = import_oscal(BASIC_CATALOG, by=None)
    assert result.status == LoadStatus.ADDED, result.errors
    nodes = list(RequirementNode.objects.filter(framework__urn=BASIC_URN).order_by("order"))
    assert [(node.reference, node.depth, node.is_assessable) for node in nodes] == [
        ("1", 0, False),
        ("S1.1", 1, False),
        ("1.1.1", 2, True),
        ("1.1.2", 2, True),
        ("2", 0, False),
        ("2.1", 1, False),
        ("2.1.1", 2, True),
        ("2.1.2", 2, True),
    ]
    assert nodes[2].name == "Information security roles and responsibilities"
    assert nodes[2].description.startswith("All information security responsibilities should be defined")
    # A parameter is shown by its label, not as OSCAL's insert markup.
    assert "[a choice from a selection]" in nodes[2].description


def test_importing_the_same_file_again_writes_nothing() -> None:
    import_oscal(BASIC_CATALOG, by=None)
    events = AuditEvent.objects.count()
    result = import_oscal(BASIC_CATALOG, by=None)
    assert result.status == LoadStatus.UNCHANGED
    assert AuditEvent.objects.count() == events
    assert RequirementNode.objects.count() == 8


def test_a_changed_catalog_upgrades_its_framework_by_urn(tmp_path: Path) -> None:
    import_oscal(BASIC_CATALOG, by=None)
    data = json.loads(BASIC_CATALOG.read_text())
    data["catalog"]["groups"][0]["groups"][0]["controls"][1]["title"] = "Separation of duties"
    del data["catalog"]["groups"][1]["groups"][0]["controls"][1]
    result = import_oscal(json.dumps(data).encode(), by=None, filename="basic-catalog.json")
    assert result.status == LoadStatus.UPGRADED
    assert (result.version, result.previous_version) == (2, 1)
    outcome = result.kinds["frameworks"]
    assert outcome.changed == {f"{BASIC_URN}:s1.1.2": ["name"]}
    assert outcome.removed == [f"{BASIC_URN}:s2.1.2"]
    assert RequirementNode.objects.count() == 8  # the dropped control is kept


def test_the_high_profile_is_refused_naming_its_missing_catalog() -> None:
    import_oscal(LOW_BASELINE, by=None)
    result = import_oscal(HIGH_PROFILE, by=None)
    assert result.status == LoadStatus.REFUSED
    assert result.errors == [
        "NIST_SP-800-53_rev5_HIGH-baseline_profile.json, profile.imports[0].href: the catalog "
        "#84cbf061-eb87-4ec1-8112-1f529232e907 (NIST_SP-800-53_rev5_catalog.xml, "
        "NIST_SP-800-53_rev5_catalog.json, NIST_SP-800-53_rev5_catalog.yaml), 'NIST Special Publication "
        "800-53 Revision 5: Security and Privacy Controls for Federal Information Systems and Organizations' "
        "is not imported; import it first, or together with this profile"
    ]
    assert not Framework.objects.filter(urn=HIGH_URN).exists()
    assert list(LoadedLibrary.objects.values_list("urn", flat=True)) == [LOW_URN]


def test_a_profile_resolves_against_a_catalog_of_the_same_import() -> None:
    results = import_oscal_files(
        [
            ("basic-profile.json", profile_of_basic_catalog()),
            ("basic-catalog.json", BASIC_CATALOG.read_bytes()),
        ],
        by=None,
    )
    assert [result.status for result in results] == [LoadStatus.ADDED, LoadStatus.ADDED]
    profile = Framework.objects.get(urn="urn:oscal:profile:0b9d8c68-9d3b-4a8e-9a53-4b1f6c2e2a10")
    nodes = list(profile.requirements.order_by("order"))
    assert [(node.urn.rsplit(":", 1)[-1], node.reference, node.depth) for node in nodes] == [
        ("s1", "1", 0),
        ("s1.1", "S1.1", 1),
        ("s1.1.2", "1.1.2", 2),
        ("s2", "2", 0),
        ("s2.1", "2.1", 1),
        ("s2.1.1", "2.1.1", 2),
    ]
    assert nodes[2].parent_id == nodes[1].pk


def test_a_profile_resolves_against_a_catalog_imported_before_by_its_uuid() -> None:
    import_oscal(BASIC_CATALOG, by=None)
    content = profile_of_basic_catalog(href="#74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724")
    result = import_oscal(content, by=None, filename="profile.json")
    assert result.status == LoadStatus.ADDED, result.errors
    assert result.kinds["frameworks"].counts()["added"] == 7  # the framework and six nodes


def test_a_profile_can_exclude_controls() -> None:
    import_oscal(BASIC_CATALOG, by=None)
    content = json.loads(profile_of_basic_catalog(href="#74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724"))
    entry = content["profile"]["imports"][0]
    del entry["include-controls"]
    entry["include-all"] = {}
    entry["exclude-controls"] = [{"with-ids": ["s1.1.1"]}]
    result = import_oscal(json.dumps(content).encode(), by=None, filename="all-but-one.json")
    assert result.status == LoadStatus.ADDED, result.errors
    references = list(
        RequirementNode.objects.filter(framework__urn__startswith="urn:oscal:profile:", is_assessable=True)
        .order_by("order")
        .values_list("reference", flat=True)
    )
    assert references == ["1.1.2", "2.1.1", "2.1.2"]


def test_malformed_json_is_refused_naming_the_file_and_the_place() -> None:
    result = import_oscal(b'{"catalog": {"uuid": }', by=None, filename="broken.json")
    assert result.status == LoadStatus.REFUSED
    assert result.errors == ["broken.json: not valid JSON (line 1, column 22): Expecting value"]


def test_a_trestle_validation_error_names_the_element_and_the_reason() -> None:
    data = json.loads(BASIC_CATALOG.read_text())
    data["catalog"]["uuid"] = "not-a-uuid"
    del data["catalog"]["groups"][0]["groups"][0]["controls"][0]["id"]
    result = import_oscal(json.dumps(data).encode(), by=None, filename="invalid.json")
    assert result.status == LoadStatus.REFUSED
    assert result.errors[0].startswith("invalid.json, catalog.uuid: String should match pattern")
    assert (
        "invalid.json, catalog.groups[0].groups[0].controls[0].id: Field required (trestle validation)"
        in (result.errors)
    )
    assert not Framework.objects.exists()


def test_a_json_file_that_is_neither_catalog_nor_profile_is_refused() -> None:
    result = import_oscal(b'{"component-definition": {}}', by=None, filename="component.json")
    assert result.errors == [
        "component.json, $: an OSCAL file must hold one object with a single top-level key, catalog or "
        "profile (found: component-definition)"
    ]


def test_the_library_loader_accepts_oscal_json_next_to_yaml() -> None:
    results = load_files([("basic-catalog.json", BASIC_CATALOG.read_bytes())], by=None)
    assert results[0].status == LoadStatus.ADDED
    assert Framework.objects.get().urn == BASIC_URN


def test_only_a_person_who_may_change_compliance_everywhere_may_import(
    owner: Any, colleague: Any, outsider: Any, auditor: Any, compliance_manager: Any
) -> None:
    for person in (owner, colleague, outsider, auditor):
        with pytest.raises(PermissionDenied):
            import_oscal(BASIC_CATALOG, by=person)
    assert not Framework.objects.exists()
    assert not AuditEvent.objects.filter(object_type__startswith="compliance.").exists()
    result = import_oscal(BASIC_CATALOG, by=compliance_manager)
    assert result.status == LoadStatus.ADDED
    assert LoadedLibrary.objects.get().loaded_by == compliance_manager
