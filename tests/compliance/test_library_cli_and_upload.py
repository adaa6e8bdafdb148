"""`garrison library import` and the library upload with compliance libraries and OSCAL
files, and who may load them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from garrison.compliance.models import Framework, RequirementNode
from garrison.core.models import AuditEvent
from garrison.library.models import LoadedLibrary
from garrison.library.services import load_library
from tests.compliance import conftest as builders
from tests.compliance.conftest import BASIC_CATALOG, HIGH_PROFILE, LOW_BASELINE

pytestmark = pytest.mark.django_db


def test_import_loads_a_compliance_library_and_oscal_files_together(tmp_path: Path) -> None:
    library = builders.write(tmp_path, builders.library(), "compliance.yaml")
    out = io.StringIO()
    call_command("library", "import", str(library), str(BASIC_CATALOG), str(LOW_BASELINE), stdout=out)
    assert out.getvalue().splitlines() == [
        f"{library}: {builders.LIBRARY_URN} version 1 added",
        "  reference_controls: 2 added",
        "  frameworks: 10 added",
        "  mappings: 1 added",
        f"{BASIC_CATALOG}: urn:oscal:catalog:74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724 version 1 added",
        "  frameworks: 9 added",
        f"{LOW_BASELINE}: urn:oscal:catalog:0470d39a-3e02-4bff-82cf-676d522c1554 version 1 added",
        "  frameworks: 168 added",
    ]
    assert Framework.objects.count() == 4


def test_import_refuses_the_high_profile_saying_which_catalog_is_missing() -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 libraries refused; nothing of them was written"):
        call_command("library", "import", str(HIGH_PROFILE), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == f"{HIGH_PROFILE}: refused"
    assert lines[1].startswith(
        f"  {HIGH_PROFILE}, profile.imports[0].href: the catalog "
        "#84cbf061-eb87-4ec1-8112-1f529232e907 (NIST_SP-800-53_rev5_catalog.xml, "
        "NIST_SP-800-53_rev5_catalog.json"
    )
    assert not Framework.objects.exists()


def test_loading_a_compliance_library_needs_change_on_compliance_over_every_tree(
    owner: Any, colleague: Any, outsider: Any, auditor: Any, compliance_manager: Any
) -> None:
    content = builders.dump(builders.library())
    for person in (owner, colleague, outsider, auditor):
        with pytest.raises(PermissionDenied):
            load_library(content, by=person)
    assert not Framework.objects.exists()
    assert not AuditEvent.objects.filter(object_type__startswith="compliance.").exists()
    result = load_library(content, by=compliance_manager)
    assert not result.is_refused
    assert RequirementNode.objects.count() == 8


def test_the_upload_accepts_an_oscal_catalog(client: Any, compliance_manager: Any) -> None:
    client.force_login(compliance_manager)
    upload = SimpleUploadedFile(
        "basic-catalog.json", BASIC_CATALOG.read_bytes(), content_type="application/json"
    )
    response = client.post(reverse("library:library-upload"), {"file": upload, "reason": "Sample"})
    assert response.status_code == 200
    assert response.context["result"].urn == "urn:oscal:catalog:74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724"
    loaded = LoadedLibrary.objects.get()
    assert (loaded.loaded_by, loaded.object_counts) == (compliance_manager, {"frameworks": 1})
    assert RequirementNode.objects.count() == 8


def test_the_upload_refuses_the_high_profile_and_writes_nothing(client: Any, compliance_manager: Any) -> None:
    client.force_login(compliance_manager)
    upload = SimpleUploadedFile("high.json", HIGH_PROFILE.read_bytes(), content_type="application/json")
    response = client.post(reverse("library:library-upload"), {"file": upload})
    assert response.status_code == 400
    assert response.context["result"].errors[0].startswith("high.json, profile.imports[0].href: the catalog")
    assert not LoadedLibrary.objects.exists()


def test_the_upload_of_an_oscal_file_is_refused_to_people_without_the_grant(
    client: Any, owner: Any, outsider: Any
) -> None:
    for person in (owner, outsider):
        client.force_login(person)
        upload = SimpleUploadedFile("basic-catalog.json", BASIC_CATALOG.read_bytes())
        response = client.post(reverse("library:library-upload"), {"file": upload})
        # Without the right to load any library, the upload page does not exist for them.
        assert response.status_code == 404
    assert not Framework.objects.exists()
