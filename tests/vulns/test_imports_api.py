"""The import API: a multipart upload answered 202 with the queued import, then its status,
progress, counts and rejections; bad uploads refused with field errors; the file and the
list export; and who may see or upload what."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.vulns.models import Finding, ImportStatus, ScanImport
from tests.vulns.conftest import SAMPLES

pytestmark = pytest.mark.django_db

NESSUS = SAMPLES / "nessus" / "nessus_many_vuln.xml"
URL = "/api/vulns/imports/"


def upload(path: Any = NESSUS) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def make_import(person: Any, unit: Any, **fields: Any) -> ScanImport:
    count = ScanImport.objects.count() + 1
    fields.setdefault("reference", f"IMP-T{count:05d}")
    fields.setdefault("filename", "dc1.nessus")
    return ScanImport.objects.create(unit=unit, created_by=person, **fields)


def test_an_upload_is_queued_then_imported(
    api, security_officer, organisation, django_capture_on_commit_callbacks
):
    client = api.as_(security_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {"file": upload(), "format": "auto", "scan_scope": " DC1 ", "unit": organisation.beijing.pk},
            format="multipart",
        )

    assert response.status_code == 202
    queued = response.json()
    assert queued["status"] == "queued"
    assert queued["progress"] == 0
    assert queued["scan_scope"] == "DC1"
    assert queued["filename"] == "nessus_many_vuln.xml"
    assert queued["has_file"] is True
    assert queued["reference"].startswith("IMP-")

    done = client.get(f"{URL}{queued['id']}/").json()
    assert done["status"] == "done"
    assert done["progress"] == 100
    assert done["detected_format"] == "nessus"
    assert done["error"] == ""
    assert {
        key: done[key]
        for key in (
            "new_count",
            "open_count",
            "reopened_count",
            "fixed_count",
            "unchanged_count",
            "rejected_count",
            "host_count",
            "discovered_asset_count",
        )
    } == {
        "new_count": 7,
        "open_count": 0,
        "reopened_count": 0,
        "fixed_count": 0,
        "unchanged_count": 0,
        "rejected_count": 0,
        "host_count": 1,
        "discovered_asset_count": 1,
    }
    assert done["rejections"] == []
    assert Finding.objects.count() == 7

    download = client.get(f"{URL}{queued['id']}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == NESSUS.read_bytes()


def test_a_failed_import_reports_its_error(
    api, security_officer, organisation, django_capture_on_commit_callbacks
):
    truncated = SimpleUploadedFile("cut.nessus", NESSUS.read_bytes()[:5000])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_(security_officer).post(
            URL, {"file": truncated, "unit": organisation.beijing.pk}, format="multipart"
        )

    detail = api.get(f"{URL}{response.json()['id']}/").json()
    assert detail["status"] == "failed"
    assert detail["error"].startswith("cut.nessus")
    assert detail["new_count"] == 0
    assert Finding.objects.count() == 0


def test_bad_uploads_are_refused_with_field_errors(api, security_officer, organisation):
    client = api.as_(security_officer)

    empty = client.post(
        URL,
        {"file": SimpleUploadedFile("e.nessus", b""), "unit": organisation.beijing.pk},
        format="multipart",
    )
    assert empty.status_code == 400
    assert empty.json() == {"file": ["The submitted file is empty."]}

    no_unit = client.post(URL, {"file": upload()}, format="multipart")
    assert no_unit.status_code == 400
    assert list(no_unit.json()) == ["unit"]

    bad_format = client.post(
        URL, {"file": upload(), "format": "pdf", "unit": organisation.beijing.pk}, format="multipart"
    )
    assert bad_format.status_code == 400
    assert list(bad_format.json()) == ["format"]
    assert ScanImport.objects.count() == 0


def test_a_file_over_the_limit_is_refused(api, security_officer, organisation, settings):
    settings.VULNS_MAX_IMPORT_MEGABYTES = 1
    big = SimpleUploadedFile("big.nessus", b" " * (1024 * 1024 + 1))

    response = api.as_(security_officer).post(
        URL, {"file": big, "unit": organisation.beijing.pk}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than the upload limit of 1 MB."]}


def test_an_upload_for_a_unit_out_of_reach_is_refused(api, outsider, colleague, organisation):
    outside = api.as_(outsider).post(
        URL, {"file": upload(), "unit": organisation.beijing.pk}, format="multipart"
    )
    assert outside.status_code == 400
    assert list(outside.json()) == ["unit"]

    employee = api.as_(colleague).post(
        URL, {"file": upload(), "unit": organisation.beijing.pk}, format="multipart"
    )
    assert employee.status_code == 403
    assert ScanImport.objects.count() == 0


def test_imports_are_seen_by_their_units_people_only(
    api, security_officer, owner, colleague, outsider, organisation
):
    scan_import = make_import(security_officer, organisation.beijing, status=ImportStatus.DONE)

    assert [item["id"] for item in api.as_(owner).get(URL).json()["results"]] == [scan_import.pk]
    assert api.as_(owner).get(f"{URL}{scan_import.pk}/").status_code == 200
    for person in (colleague, outsider):
        assert api.as_(person).get(URL).json()["results"] == []
        assert api.as_(person).get(f"{URL}{scan_import.pk}/").status_code == 404
        assert api.as_(person).get(f"{URL}{scan_import.pk}/file/").status_code == 404


def test_the_list_filters_and_exports(api, security_officer, organisation):
    make_import(
        security_officer,
        organisation.beijing,
        status=ImportStatus.DONE,
        detected_format="nessus",
        new_count=4,
    )
    make_import(security_officer, organisation.beijing, status=ImportStatus.FAILED, filename="bad.json")
    client = api.as_(security_officer)

    assert [item["filename"] for item in client.get(URL, {"status": "failed"}).json()["results"]] == [
        "bad.json"
    ]
    assert [item["filename"] for item in client.get(URL, {"scanner": "nessus"}).json()["results"]] == [
        "dc1.nessus"
    ]

    export = client.get(f"{URL}export/", {"file_format": "csv", "status": "done"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][rows[0].index("New")] == "4"
