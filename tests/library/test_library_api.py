"""The library API: `GET /api/library/libraries/` and `POST /api/library/libraries/upload/`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.models import LoadedLibrary
from garrison.library.services import load_library
from tests.library import builders

pytestmark = pytest.mark.django_db

UPLOAD = "/api/library/libraries/upload/"


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    return make_person("library.admin", organisation.root, Role.ADMINISTRATOR)


def post(api: Any, document: Any) -> Any:
    file = SimpleUploadedFile("library.yaml", builders.dump(document), content_type="application/yaml")
    return api.post(UPLOAD, {"file": file, "reason": "via the API"}, format="multipart")


def test_uploading_adds_then_reports_unchanged_then_upgrades(api: Any, administrator: Person) -> None:
    api.as_(administrator)
    first = post(api, builders.library())
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "added"
    assert body["version"] == 1
    assert body["kinds"]["threats"]["added"] == [
        "urn:test:threat:t1",
        "urn:test:threat:t2",
        "urn:test:threat:t3",
    ]
    assert body["library"]["object_counts"] == {"risk_matrices": 1, "threats": 3}
    assert body["errors"] == []
    again = post(api, builders.library())
    assert again.status_code == 200
    assert again.json()["status"] == "unchanged"
    newer = post(api, builders.library(version=2, threats=[builders.threat(1)]))
    assert newer.status_code == 201
    assert newer.json()["status"] == "upgraded"
    assert newer.json()["previous_version"] == 1
    assert newer.json()["library"]["last_changes"]["threats"]["removed"] == [
        "urn:test:threat:t2",
        "urn:test:threat:t3",
    ]
    assert AuditEvent.objects.filter(object_type="library.loadedlibrary", reason="via the API").count() == 2


def test_a_refused_upload_answers_400_with_every_error(api: Any, administrator: Person) -> None:
    api.as_(administrator)
    response = post(api, builders.library(matrices=[builders.matrix(appetite="severe")]))
    assert response.status_code == 400
    assert response.json()["status"] == "refused"
    assert response.json()["errors"] == ["urn:test:risk-matrix:three, appetite: unknown level 'severe'"]
    assert not LoadedLibrary.objects.exists()


def test_an_upload_without_a_file_is_a_field_error(api: Any, administrator: Person) -> None:
    response = api.as_(administrator).post(UPLOAD, {}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()) == {"file"}


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor"])
def test_only_people_with_the_change_grant_everywhere_may_upload(
    api: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    person = request.getfixturevalue(persona)
    events = AuditEvent.objects.count()
    response = post(api.as_(person), builders.library())
    assert response.status_code == 403
    assert not LoadedLibrary.objects.exists()
    assert AuditEvent.objects.count() == events


def test_anyone_who_may_view_risks_lists_the_loaded_libraries(
    api: Any, administrator: Person, owner: Person, auditor: Person, colleague: Person
) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    for reader in (owner, auditor):
        response = api.as_(reader).get("/api/library/libraries/")
        assert response.status_code == 200
        [library] = response.json()["results"]
        assert library["urn"] == builders.LIBRARY_URN
        assert library["version"] == 1
        assert library["loaded_by_name"] == administrator.full_name
    assert api.as_(colleague).get("/api/library/libraries/").json()["results"] == []
    assert api.as_(None).get("/api/library/libraries/").status_code in (401, 403)


def test_the_library_list_api_costs_the_same_queries_for_a_page_of_five_and_fifty(
    api: Any, administrator: Person, django_assert_max_num_queries: Any
) -> None:
    for number in range(12):
        urn = f"urn:test:library:number-{number}"
        document = builders.library(
            urn=urn, matrices=[], threats=[builders.threat(100 + number, urn=f"{urn}:t")]
        )
        load_library(builders.dump(document), by=administrator)
    api.as_(administrator).get("/api/library/libraries/?page_size=1")
    with django_assert_max_num_queries(10) as small:
        assert len(api.get("/api/library/libraries/?page_size=5").json()["results"]) == 5
    with django_assert_max_num_queries(10) as large:
        assert len(api.get("/api/library/libraries/?page_size=50").json()["results"]) == 12
    assert len(small.captured_queries) == len(large.captured_queries)
