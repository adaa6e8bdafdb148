"""The library pages: the list of loaded libraries, a library's page, and the upload form."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.models import LoadedLibrary
from garrison.library.services import load_library
from garrison.risks.models import Threat
from tests.library import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    return make_person("library.admin", organisation.root, Role.ADMINISTRATOR)


def upload(client: Client, document: Any, **data: Any) -> Any:
    file = SimpleUploadedFile("library.yaml", builders.dump(document), content_type="application/yaml")
    return client.post(reverse("library:library-upload"), {"file": file, **data})


def test_uploading_a_library_loads_it_and_shows_what_it_did(client: Client, administrator: Person) -> None:
    client.force_login(administrator)
    response = upload(client, builders.library(), reason="First risk library")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Risk basics version 1 is loaded." in page
    loaded = LoadedLibrary.objects.get()
    assert reverse("library:library-detail", args=[loaded.pk]) in page
    assert Threat.objects.count() == 3
    assert AuditEvent.objects.get(object_type="library.loadedlibrary").reason == "First risk library"


def test_uploading_a_newer_version_lists_its_changes(client: Client, administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    client.force_login(administrator)
    response = upload(client, builders.library(version=2, threats=[builders.threat(1, name="Renamed")]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Risk basics is upgraded from version 1 to version 2." in page
    assert "<code>urn:test:threat:t1</code> — name" in page
    assert "<code>urn:test:threat:t3</code>" in page
    assert "No longer in the library (kept, because records may use them)" in page


def test_a_refused_upload_shows_every_error_and_writes_nothing(client: Client, administrator: Person) -> None:
    client.force_login(administrator)
    events = AuditEvent.objects.count()
    grid = [["green", "green", "amber"], ["green", "amber", "red"], ["amber", "severe", "red"]]
    response = upload(client, builders.library(matrices=[builders.matrix(grid=grid)]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The library was refused; nothing of it was written." in page
    assert "urn:test:risk-matrix:three, grid row 3: unknown level &#x27;severe&#x27;" in page
    assert not LoadedLibrary.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_upload_form_needs_a_file(client: Client, administrator: Person) -> None:
    client.force_login(administrator)
    response = client.post(reverse("library:library-upload"), {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"file"}


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor"])
def test_only_people_with_the_change_grant_everywhere_reach_the_upload_form(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("library:library-upload")).status_code == 404
    assert upload(client, builders.library()).status_code == 404
    assert not LoadedLibrary.objects.exists()


def test_the_list_shows_versions_counts_and_last_changes_to_readers_of_risks(
    client: Client, administrator: Person, auditor: Person
) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    load_library(builders.dump(builders.library(version=2, threats=[builders.threat(1)])), by=administrator)
    client.force_login(auditor)
    response = client.get(reverse("library:library-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Risk basics" in page
    assert "urn:test:library:risk-basics" in page
    assert "2 no longer in the library" in page
    assert reverse("library:library-upload") not in page  # the auditor may not load


def test_the_list_and_upload_speak_the_readers_language(
    client: Client, organisation: Any, make_person: Any
) -> None:
    reader = make_person("zh.admin", organisation.root, Role.ADMINISTRATOR, language="zh-hans")
    client.force_login(reader)
    response = upload(client, builders.library())
    assert response.status_code == 200
    assert "风险基础" in response.content.decode()
    assert "风险基础" in client.get(reverse("library:library-list")).content.decode()


def test_the_library_page_lists_the_changes_of_its_last_version(
    client: Client, administrator: Person, colleague: Person, make_person: Any, organisation: Any
) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    load_library(builders.dump(builders.library(version=2, threats=[builders.threat(4)])), by=administrator)
    loaded = LoadedLibrary.objects.get()
    reader = make_person("risk.reader", organisation.beijing, Role.RISK_OWNER)
    client.force_login(reader)
    response = client.get(reverse("library:library-detail", args=[loaded.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Changes made by version 2" in page
    assert "<code>urn:test:threat:t4</code>" in page
    client.force_login(colleague)  # an employee may not view risks
    assert client.get(reverse("library:library-detail", args=[loaded.pk])).status_code == 404
    assert client.get(reverse("library:library-list")).status_code == 200
    assert "Risk basics" not in client.get(reverse("library:library-list")).content.decode()


def test_the_library_list_costs_the_same_queries_for_one_library_or_many(
    client: Client, administrator: Person, django_assert_max_num_queries: Any
) -> None:
    for number in range(12):
        urn = f"urn:test:library:number-{number}"
        document = builders.library(
            urn=urn, matrices=[], threats=[builders.threat(100 + number, urn=f"{urn}:t")]
        )
        load_library(builders.dump(document), by=administrator)
    client.force_login(administrator)
    client.get(reverse("library:library-list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("library:library-list") + "?page_size=50")
    assert len(response.context["rows"]) == 12
