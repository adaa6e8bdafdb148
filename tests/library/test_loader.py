"""Loading libraries: upsert by URN, versions, last changes, all or nothing, who may load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.apps import load_shipped_after_migrate
from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadStatus, load_library
from garrison.library.shipped import load_shipped_libraries, shipped_library_paths
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services import catalogue
from tests.library import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    """An Administrator of the whole organisation: may load libraries."""
    return make_person("library.admin", organisation.root, Role.ADMINISTRATOR)


def state() -> tuple[Any, ...]:
    """Everything a load could write, to show that a refusal wrote nothing."""
    return (
        sorted(RiskMatrix.objects.values_list("urn", "name", "grid", "appetite", "is_default")),
        sorted(Threat.objects.values_list("urn", "reference", "name", "library_urn")),
        sorted(LoadedLibrary.objects.values_list("urn", "version", "content_sha256")),
        AuditEvent.objects.count(),
    )


def test_a_first_load_adds_every_object_with_its_library_and_audits_each(administrator: Person) -> None:
    result = load_library(builders.dump(builders.library()), by=administrator)
    assert result.status == LoadStatus.ADDED
    assert result.errors == []
    assert result.kinds["risk_matrices"].added == [builders.MATRIX_URN]
    assert result.kinds["threats"].added == ["urn:test:threat:t1", "urn:test:threat:t2", "urn:test:threat:t3"]
    matrix = RiskMatrix.objects.get(urn=builders.MATRIX_URN)
    assert matrix.library_urn == builders.LIBRARY_URN
    assert matrix.grid == [[1, 1, 2], [1, 2, 3], [2, 3, 3]]
    assert matrix.appetite == 2
    assert matrix.levels[0] == {
        "key": "green",
        "name": "Green",
        "name_zh": "绿",
        "colour": "#2e7d32",
        "description": "",
        "description_zh": "",
    }
    assert matrix.as_matrix().level_of(3, 3) == 3
    threat = Threat.objects.get(urn="urn:test:threat:t2")
    assert (threat.reference, threat.name, threat.name_zh, threat.category) == (
        "TT-02",
        "Threat 2",
        "威胁2",
        "technical",
    )
    assert threat.library_urn == builders.LIBRARY_URN
    loaded = LoadedLibrary.objects.get(urn=builders.LIBRARY_URN)
    assert (loaded.version, loaded.name, loaded.name_zh, loaded.publisher) == (
        1,
        "Risk basics",
        "风险基础",
        "Tests",
    )
    assert loaded.object_counts == {"risk_matrices": 1, "threats": 3}
    assert loaded.last_changes == {}
    assert loaded.loaded_by == administrator
    events = AuditEvent.objects.filter(actor=administrator, action="create")
    assert sorted(events.values_list("object_type", flat=True)) == [
        "library.loadedlibrary",
        "risks.riskmatrix",
        "risks.threat",
        "risks.threat",
        "risks.threat",
    ]
    assert set(events.values_list("reason", flat=True)) == {f"library {builders.LIBRARY_URN} version 1"}


def test_loading_the_same_version_again_changes_nothing_and_duplicates_nothing(administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    before = state()
    again = load_library(
        b"# the same library, commented\n" + builders.dump(builders.library()), by=administrator
    )
    assert again.status == LoadStatus.UNCHANGED
    assert again.kinds["threats"].unchanged == [
        "urn:test:threat:t1",
        "urn:test:threat:t2",
        "urn:test:threat:t3",
    ]
    assert state() == before
    assert Threat.objects.count() == 3


def test_the_same_version_with_other_content_is_refused(administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    before = state()
    changed = builders.library(
        threats=[builders.threat(1, name="Renamed"), builders.threat(2), builders.threat(3)]
    )
    result = load_library(builders.dump(changed), by=administrator)
    assert result.status == LoadStatus.REFUSED
    assert result.errors == [
        "urn:test:library:risk-basics, version: version 1 is already loaded with different content; "
        "give the changed library a higher version"
    ]
    assert state() == before


def test_a_lower_version_is_refused(administrator: Person) -> None:
    load_library(builders.dump(builders.library(version=3)), by=administrator)
    before = state()
    result = load_library(builders.dump(builders.library(version=2)), by=administrator)
    assert result.status == LoadStatus.REFUSED
    assert result.errors == [
        "urn:test:library:risk-basics, version: 2 is older than version 3, which is loaded"
    ]
    assert state() == before


def test_a_newer_version_applies_its_changes_and_keeps_what_it_no_longer_holds(administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    newer = builders.library(
        version=2,
        matrices=[builders.matrix(name="Three by three, revised")],
        threats=[
            builders.threat(1),
            builders.threat(2, name="Threat two", category="cyber"),
            builders.threat(4),
        ],
    )
    result = load_library(builders.dump(newer), by=administrator)
    assert result.status == LoadStatus.UPGRADED
    assert result.previous_version == 1
    loaded = LoadedLibrary.objects.get(urn=builders.LIBRARY_URN)
    assert loaded.version == 2
    assert loaded.last_changes == {
        "risk_matrices": {"added": [], "changed": {builders.MATRIX_URN: ["name"]}, "removed": []},
        "threats": {
            "added": ["urn:test:threat:t4"],
            "changed": {"urn:test:threat:t2": ["category", "name"]},
            "removed": ["urn:test:threat:t3"],
        },
    }
    assert result.kinds["threats"].unchanged == ["urn:test:threat:t1"]
    assert Threat.objects.get(urn="urn:test:threat:t2").name == "Threat two"
    # Dropped from the library, kept in Garrison: scenarios may name it.
    assert Threat.objects.filter(urn="urn:test:threat:t3", library_urn=builders.LIBRARY_URN).exists()
    assert Threat.objects.count() == 4
    update = AuditEvent.objects.get(object_type="risks.threat", action="update")
    assert update.changes == {"category": ["technical", "cyber"], "name": ["Threat 2", "Threat two"]}
    assert update.reason == f"library {builders.LIBRARY_URN} version 2"


def test_a_library_with_one_bad_object_writes_none_of_its_objects(administrator: Person) -> None:
    before = state()
    document = builders.library(threats=[builders.threat(1), builders.threat(2, name="")])
    result = load_library(builders.dump(document), by=administrator)
    assert result.status == LoadStatus.REFUSED
    assert result.errors == ["urn:test:threat:t2, name: required"]
    assert state() == before


def test_a_urn_taken_by_an_object_the_organisation_added_refuses_the_whole_library(
    administrator: Person,
) -> None:
    catalogue.create_threat(by=administrator, urn="urn:test:threat:t3", reference="OWN-1", name="Our own")
    before = state()
    result = load_library(builders.dump(builders.library()), by=administrator)
    assert result.status == LoadStatus.REFUSED
    assert result.errors == ["urn:test:threat:t3, urn: already used by an object added in Garrison"]
    # The matrix, written before the threats, was rolled back with them.
    assert state() == before
    assert not RiskMatrix.objects.exists()


def test_a_urn_of_another_library_is_never_taken_over(administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    other = builders.library(urn="urn:test:library:other", threats=[builders.threat(1)], matrices=[])
    result = load_library(builders.dump(other), by=administrator)
    assert result.errors == [f"urn:test:threat:t1, urn: already used by library {builders.LIBRARY_URN}"]
    assert not LoadedLibrary.objects.filter(urn="urn:test:library:other").exists()


def test_a_library_whose_dependency_is_not_loaded_is_refused(administrator: Person) -> None:
    document = builders.library(dependencies=["urn:test:library:base"])
    result = load_library(builders.dump(document), by=administrator)
    assert result.errors == ["urn:test:library:risk-basics, dependencies: load urn:test:library:base first"]
    assert not LoadedLibrary.objects.exists()


def test_the_organisation_keeps_its_appetite_and_default_choice_across_versions(
    administrator: Person,
) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    matrix = RiskMatrix.objects.get(urn=builders.MATRIX_URN)
    catalogue.update_matrix(matrix, by=administrator, appetite="green")
    levels = builders.matrix()["levels"]
    # Version 2 puts a new lowest level first: the appetite stays on "green", now rank 2.
    newer_matrix = builders.matrix(
        levels=[{"key": "blue", "name": "Blue", "colour": "#1565c0"}, *levels],
        grid=[["blue", "green", "amber"], ["green", "amber", "red"], ["amber", "red", "red"]],
    )
    load_library(builders.dump(builders.library(version=2, matrices=[newer_matrix])), by=administrator)
    matrix.refresh_from_db()
    assert matrix.appetite == 2
    assert matrix.levels[1]["key"] == "green"
    assert matrix.grid == [[1, 2, 3], [2, 3, 4], [3, 4, 4]]


def test_a_library_matrix_does_not_take_the_default_from_the_organisations_choice(
    administrator: Person,
) -> None:
    ours = catalogue.create_matrix(
        by=administrator, **{**builders.matrix(urn="urn:test:risk-matrix:ours"), "is_default": True}
    )
    document = builders.library(matrices=[builders.matrix(is_default=True)])
    load_library(builders.dump(document), by=administrator)
    ours.refresh_from_db()
    assert ours.is_default is True
    assert RiskMatrix.objects.get(urn=builders.MATRIX_URN).is_default is False


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor"])
def test_only_a_person_with_the_change_grant_over_every_tree_may_load(
    persona: str, request: pytest.FixtureRequest
) -> None:
    person = request.getfixturevalue(persona)
    before = state()
    with pytest.raises(PermissionDenied):
        load_library(builders.dump(builders.library()), by=person)
    assert state() == before


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.RISK_OWNER])
def test_a_role_changing_risks_over_the_root_unit_may_load(
    organisation: Any, make_person: Any, role: Role
) -> None:
    person = make_person("root.holder", organisation.root, role)
    result = load_library(builders.dump(builders.library()), by=person)
    assert result.status == LoadStatus.ADDED
    assert LoadedLibrary.objects.get().loaded_by == person


def test_the_system_loads_without_a_person(organisation: Any) -> None:
    result = load_library(builders.dump(builders.library()), by=None)
    assert result.status == LoadStatus.ADDED
    assert LoadedLibrary.objects.get().loaded_by is None
    assert set(
        AuditEvent.objects.filter(object_type="risks.threat").values_list("actor_label", flat=True)
    ) == {"system"}


def test_a_path_is_read_like_the_bytes_it_holds(tmp_path: Path, administrator: Person) -> None:
    path = builders.write(tmp_path, builders.library())
    result = load_library(path, by=administrator)
    assert result.status == LoadStatus.ADDED
    assert load_library(str(path), by=administrator).status == LoadStatus.UNCHANGED


def test_loading_the_shipped_libraries_is_idempotent(db: Any) -> None:
    first = load_shipped_libraries()
    assert builders.SHIPPED_DEFAULTS in [path for path, _result in first]
    assert {result.status for _path, result in first} == {LoadStatus.ADDED}
    assert RiskMatrix.objects.get(urn="urn:garrison:risk-matrix:default-5x5").is_default is True
    assert Threat.objects.filter(library_urn="urn:garrison:library:risk-defaults").count() == 45
    events = AuditEvent.objects.count()
    second = load_shipped_libraries()
    assert {result.status for _path, result in second} == {LoadStatus.UNCHANGED}
    assert AuditEvent.objects.count() == events
    assert Threat.objects.count() == 45


def test_after_migrate_the_shipped_libraries_load_only_into_a_database_holding_an_organisation(
    db: Any, monkeypatch: pytest.MonkeyPatch, make_person: Any, request: pytest.FixtureRequest
) -> None:
    # In the test environment the receiver stands aside unless asked; stop it recognising one.
    monkeypatch.delattr(mail, "outbox")
    load_shipped_after_migrate(sender=None, using="default", verbosity=0)
    assert not LoadedLibrary.objects.exists()  # empty: kept empty, so that a backup can be restored into it
    request.getfixturevalue("organisation")
    load_shipped_after_migrate(sender=None, using="default", verbosity=0)
    loaded = set(LoadedLibrary.objects.values_list("urn", flat=True))
    assert "urn:garrison:library:risk-defaults" in loaded
    assert len(loaded) == len(shipped_library_paths())


def test_in_the_test_environment_migrate_leaves_the_library_data_to_the_tests(organisation: Any) -> None:
    assert hasattr(mail, "outbox")
    load_shipped_after_migrate(sender=None, using="default", verbosity=0)
    assert not LoadedLibrary.objects.exists()
