"""The access endpoints of the supplier API: applications and their steps, objections,
the access paths' configuration, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.suppliers.models import (
    AccessApplication,
    AccessPathConfig,
    AccessStage,
    Objection,
    StageRecord,
    SupplierStatus,
)
from garrison.suppliers.services import access as services
from tests.suppliers.access_support import end_publicity, patch_classification, prospective, walk_to

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/suppliers/access-applications/"
OBJECTIONS = "/api/suppliers/access-objections/"
PATHS = "/api/suppliers/access-paths/"


@pytest.fixture(autouse=True)
def classification_stand_in(monkeypatch: Any) -> None:
    patch_classification(monkeypatch)


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return prospective(make_supplier)


def test_express_access_end_to_end(api: Any, buyer: Any, approver: Any, supplier: Any) -> None:
    client = api.as_(buyer)
    started = client.post(
        APPLICATIONS,
        {"supplier": supplier.pk, "path": "express", "justification": "Urgent", "contract_value_cny": "5000"},
        format="json",
    )
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["status"] == "qualification_review"
    assert body["stages"] == ["qualification_review", "final_selection"]
    url = f"{APPLICATIONS}{body['id']}/"

    recorded = client.post(
        f"{url}record-stage/",
        {"outcome": "passed", "notes": "Checked", "evidence_files": [SimpleUploadedFile("check.txt", b"ok")]},
        format="multipart",
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["stage_records"][0]["evidence"][0]["filename"] == "check.txt"
    assert client.post(f"{url}advance/").json()["status"] == "final_selection"
    assert client.post(f"{url}record-stage/", {"outcome": "passed"}, format="json").status_code == 200

    approved = api.as_(approver).post(f"{url}approve/", {"reason": "Urgent need"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["full_review_due"] is not None
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED
    assert client.get(f"{url}history/").json()["count"] >= 4


def test_refusals_come_back_as_field_errors(api: Any, buyer: Any, supplier: Any) -> None:
    client = api.as_(buyer)
    refused = client.post(
        APPLICATIONS,
        {"supplier": supplier.pk, "path": "express", "contract_value_cny": "999999"},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"justification", "contract_value_cny"}

    application = services.start_application(supplier, by=buyer, path="standard")
    skipped = client.post(f"{APPLICATIONS}{application.pk}/advance/")
    assert skipped.status_code == 400
    assert "Record the outcome of Qualification review" in skipped.json()["non_field_errors"][0]
    early = client.post(
        f"{APPLICATIONS}{application.pk}/objections/",
        {"objector": "Rival", "grounds": "Early"},
        format="json",
    )
    assert early.status_code == 400
    no_reason = client.post(f"{APPLICATIONS}{application.pk}/reject/", {}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    assert not StageRecord.objects.exists()


def test_objections_are_lodged_and_resolved(api: Any, buyer: Any, approver: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    walk_to(application, AccessStage.INTERNAL_ASSESSMENT, by=buyer)
    services.record_stage(application, by=buyer, outcome="passed")
    client = api.as_(buyer)
    announced = client.post(
        f"{APPLICATIONS}{application.pk}/announce-shortlist/", {"publicity_days": 3}, format="json"
    )
    assert announced.status_code == 200
    assert announced.json()["publicity_ends_at"] is not None

    lodged = client.post(
        f"{APPLICATIONS}{application.pk}/objections/", {"objector": "Rival", "grounds": "Bias"}, format="json"
    )
    assert lodged.status_code == 201, lodged.content
    objection_id = lodged.json()["id"]
    assert client.get(OBJECTIONS, {"application": application.pk}).json()["count"] == 1

    empty = api.as_(approver).post(f"{OBJECTIONS}{objection_id}/resolve/", {"upheld": False}, format="json")
    assert empty.status_code == 400
    resolved = api.as_(approver).post(
        f"{OBJECTIONS}{objection_id}/resolve/", {"upheld": False, "resolution": "Unfounded"}, format="json"
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "dismissed"
    services.record_stage(application, by=buyer, outcome="passed")
    end_publicity(application)
    assert client.post(f"{APPLICATIONS}{application.pk}/advance/").json()["status"] == "final_selection"


def test_readers_read_and_outsiders_see_nothing(
    api: Any, buyer: Any, security_reader: Any, outsider: Any, supplier: Any
) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    url = f"{APPLICATIONS}{application.pk}/"

    reader = api.as_(security_reader)
    assert reader.get(APPLICATIONS).json()["count"] == 1
    assert reader.get(url).status_code == 200
    assert (
        reader.post(APPLICATIONS, {"supplier": supplier.pk, "path": "standard"}, format="json").status_code
        == 403
    )
    assert reader.post(f"{url}record-stage/", {"outcome": "passed"}, format="json").status_code == 404
    assert reader.post(f"{url}withdraw/", {"reason": "x"}, format="json").status_code == 404

    stranger = api.as_(outsider)
    assert stranger.get(APPLICATIONS).json()["count"] == 0
    assert stranger.get(url).status_code == 404
    refused = stranger.post(APPLICATIONS, {"supplier": supplier.pk, "path": "express"}, format="json")
    assert refused.status_code == 400
    assert "supplier" in refused.json()
    assert stranger.post(f"{url}advance/").status_code == 404

    application.refresh_from_db()
    assert application.status == AccessStage.QUALIFICATION_REVIEW
    assert AccessApplication.objects.count() == 1
    assert not StageRecord.objects.exists()
    assert not Objection.objects.exists()


def test_the_list_filters_and_exports(api: Any, buyer: Any, supplier: Any, make_supplier: Any) -> None:
    standard = services.start_application(supplier, by=buyer, path="standard")
    other = prospective(make_supplier)
    services.start_application(other, by=buyer, path="express", justification="Urgent", contract_value_cny=1)
    client = api.as_(buyer)

    only_standard = client.get(APPLICATIONS, {"path": "standard"}).json()
    assert [row["reference"] for row in only_standard["results"]] == [standard.reference]
    exported = client.get(f"{APPLICATIONS}export/", {"file_format": "csv", "path": "standard"})
    assert exported.status_code == 200
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert standard.reference in text


def test_access_paths_are_read_by_all_and_changed_over_the_whole_group(
    api: Any, approver: Any, buyer: Any, security_reader: Any
) -> None:
    assert api.as_(security_reader).get(PATHS).json()["count"] == 2
    assert api.as_(security_reader).get(f"{PATHS}express/").json()["full_review_days"] == 90
    assert api.as_(buyer).patch(f"{PATHS}express/", {"publicity_days": 2}, format="json").status_code == 404

    client = api.as_(approver)
    bad = client.patch(f"{PATHS}standard/", {"stages": ["qualification_review"]}, format="json")
    assert bad.status_code == 400
    assert "stages" in bad.json()
    changed = client.patch(
        f"{PATHS}express/",
        {"full_review_days": 60, "value_limit_cny": "200000.00", "reason": "Policy"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    config = AccessPathConfig.objects.get(path="express")
    assert config.full_review_days == 60
    assert AccessPathConfig.objects.get(path="standard").stages[0] == "qualification_review"
