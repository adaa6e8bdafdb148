"""The access pages: starting from a supplier, the application page with its stage track
and step forms, objections, decisions, the list with its filters and export, the access
paths' configuration, and the supplier page's access panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from garrison.suppliers.models import (
    AccessApplication,
    AccessPathConfig,
    AccessStage,
    ApplicationStatus,
    Objection,
    StageRecord,
    Supplier,
    SupplierStatus,
)
from garrison.suppliers.services import access as services
from garrison.suppliers.views.access import access_panel_context
from tests.suppliers.access_support import end_publicity, patch_classification, prospective, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def classification_stand_in(monkeypatch: Any) -> None:
    patch_classification(monkeypatch)


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return prospective(make_supplier, name="华北电力设备有限公司")


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def detail_url(application: AccessApplication) -> str:
    return reverse("suppliers:application-detail", args=[application.pk])


def test_a_buyer_starts_access_from_a_supplier(buyer: Any, supplier: Any) -> None:
    client = client_for(buyer)
    url = reverse("suppliers:application-create") + f"?supplier={supplier.pk}"

    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{supplier.reference}"' in page.content.decode()

    answer = client.post(url, {"supplier": supplier.reference, "path": "standard", "reason": "New vendor"})

    application = AccessApplication.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == detail_url(application)
    assert application.requested_by == buyer


def test_express_without_justification_is_refused_on_the_form(buyer: Any, supplier: Any) -> None:
    answer = client_for(buyer).post(
        reverse("suppliers:application-create"),
        {"supplier": supplier.reference, "path": "express", "contract_value_cny": "900000"},
    )

    assert answer.status_code == 400
    content = answer.content.decode()
    assert "Say why express access is needed" in content
    assert "500,000.00" in content
    assert not AccessApplication.objects.exists()


def test_the_page_shows_the_stage_track_and_records_a_stage_with_evidence(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    client = client_for(buyer)

    page = client.get(detail_url(application)).content.decode()
    assert 'data-stage="qualification_review" data-state="current"' in page
    assert 'data-stage="final_selection" data-state="pending"' in page
    assert "Record the outcome of Qualification review" in page

    upload = SimpleUploadedFile("site-report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    answer = client.post(
        reverse("suppliers:application-record-stage", args=[application.pk]),
        {"outcome": "passed", "score": "91", "notes": "Licences verified.", "evidence_files": [upload]},
    )
    assert answer.status_code == 302

    page = client.get(detail_url(application)).content.decode()
    assert "site-report.pdf" in page
    assert "Move on to On-site inspection" in page
    attachment = StageRecord.objects.get().evidence.get()
    download = client.get(reverse("suppliers:access-evidence-download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"  # type: ignore[attr-defined]

    client.post(reverse("suppliers:application-advance", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == AccessStage.ON_SITE_INSPECTION


def test_a_failed_stage_offers_rejection_and_moving_on_is_refused(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    services.record_stage(application, by=buyer, outcome="failed", notes="Forged licence")
    client = client_for(buyer)

    page = client.get(detail_url(application)).content.decode()
    assert "Reject the application" in page
    assert "Qualification review was failed" in page

    refused = client.post(reverse("suppliers:application-advance", args=[application.pk]), follow=True)
    assert "Qualification review was failed" in refused.content.decode()
    without_reason = client.post(reverse("suppliers:application-decide", args=[application.pk, "reject"]), {})
    assert without_reason.status_code == 400
    client.post(
        reverse("suppliers:application-decide", args=[application.pk, "reject"]), {"reason": "Forged"}
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED


def test_shortlist_publicity_objections_and_approval(buyer: Any, approver: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    walk_to(application, AccessStage.INTERNAL_ASSESSMENT, by=buyer)
    services.record_stage(application, by=buyer, outcome="passed")
    client = client_for(buyer)

    announced = client.post(
        reverse("suppliers:application-announce", args=[application.pk]), {"publicity_days": "7"}
    )
    assert announced.status_code == 302
    application.refresh_from_db()
    assert application.status == AccessStage.SHORTLIST_ANNOUNCEMENT
    page = client.get(detail_url(application)).content.decode()
    assert "Publicity period:" in page
    assert "Lodge an objection" in page

    lodged = client.post(
        reverse("suppliers:objection-create", args=[application.pk]),
        {"objector": "Rival Co.", "grounds": "Undisclosed related party"},
    )
    assert lodged.status_code == 302
    objection = Objection.objects.get()
    services.record_stage(application, by=buyer, outcome="passed")
    end_publicity(application)
    page = client.get(detail_url(application)).content.decode()
    assert "1 objection is still open; resolve it before final selection." in page

    resolved = client_for(approver).post(
        reverse("suppliers:objection-resolve", args=[objection.pk]),
        {"decision": "dismissed", "resolution": "No relation found"},
    )
    assert resolved.status_code == 302
    client.post(reverse("suppliers:application-advance", args=[application.pk]))
    services.record_stage(application, by=buyer, outcome="passed")

    approved = client_for(approver).post(
        reverse("suppliers:application-decide", args=[application.pk, "approve"]), {"reason": ""}
    )
    assert approved.status_code == 302
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED


def test_the_list_filters_and_exports(buyer: Any, supplier: Any, make_supplier: Any) -> None:
    standard = services.start_application(supplier, by=buyer, path="standard")
    other = prospective(make_supplier, name="东方网络有限公司")
    express = services.start_application(
        other, by=buyer, path="express", justification="Urgent", contract_value_cny=1000
    )
    client = client_for(buyer)
    url = reverse("suppliers:application-list")

    everything = client.get(url).content.decode()
    assert standard.reference in everything
    assert express.reference in everything
    only_express = client.get(url, {"path": "express"}).content.decode()
    assert express.reference in only_express
    assert standard.reference not in only_express
    by_name = client.get(url, {"supplier": "华北电力"}).content.decode()
    assert standard.reference in by_name
    assert express.reference not in by_name
    assert express.reference not in client.get(url, {"overdue_review": "yes"}).content.decode()
    AccessApplication.objects.filter(pk=express.pk).update(status=ApplicationStatus.APPROVED)
    Supplier.objects.filter(pk=other.pk).update(access_path="express", full_review_due=dt.date(2020, 1, 1))
    overdue = client.get(url, {"overdue_review": "yes", "status": "all"}).content.decode()
    assert express.reference in overdue
    assert standard.reference not in overdue

    exported = client.get(url, {"export": "csv", "path": "standard"})
    text = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert standard.reference in text
    assert express.reference not in text


def test_readers_see_without_forms_and_outsiders_see_nothing(
    buyer: Any, security_reader: Any, outsider: Any, supplier: Any
) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")

    reader = client_for(security_reader)
    page = reader.get(detail_url(application))
    assert page.status_code == 200
    assert "Record the outcome" not in page.content.decode()
    assert reader.get(reverse("suppliers:application-record-stage", args=[application.pk])).status_code == 404
    assert reader.get(reverse("suppliers:application-create")).status_code == 404

    stranger = client_for(outsider)
    assert stranger.get(detail_url(application)).status_code == 404
    assert application.reference not in stranger.get(reverse("suppliers:application-list")).content.decode()
    assert stranger.post(reverse("suppliers:application-advance", args=[application.pk])).status_code == 404


def test_only_people_over_the_whole_group_configure_paths(approver: Any, buyer: Any) -> None:
    edit = reverse("suppliers:access-config-edit", args=["express"])
    assert client_for(buyer).get(edit).status_code == 404
    assert edit not in client_for(buyer).get(reverse("suppliers:access-config")).content.decode()

    client = client_for(approver)
    assert client.get(reverse("suppliers:access-config")).status_code == 200
    refused = client.post(
        edit, {"stages": ["qualification_review"], "publicity_days": "0", "full_review_days": "60"}
    )
    assert refused.status_code == 400
    assert "Every path ends with the final selection." in refused.content.decode()

    saved = client.post(
        edit,
        {
            "stages": ["final_selection", "qualification_review"],
            "required_documents": ["business_licence", "iso_9001"],
            "publicity_days": "0",
            "full_review_days": "60",
            "value_limit_cny": "300000",
            "reason": "Tighter limit",
        },
    )
    assert saved.status_code == 302
    config = AccessPathConfig.objects.get(path="express")
    assert config.stages == ["qualification_review", "final_selection"]
    assert config.full_review_days == 60
    assert config.required_documents == ["business_licence", "iso_9001"]


def test_the_supplier_panel_lists_applications_and_offers_to_start(
    buyer: Any, security_reader: Any, supplier: Any
) -> None:
    request = RequestFactory().get("/")
    request.user = buyer
    context = access_panel_context(request, supplier)
    assert context["may_start_access"] is True
    html = render_to_string("suppliers/_access_panel.html", context, request=request)
    assert "Start access" in html
    assert "No access applications yet." in html

    application = services.start_application(supplier, by=buyer, path="standard")
    request.user = security_reader
    context = access_panel_context(request, supplier)
    html = render_to_string("suppliers/_access_panel.html", context, request=request)
    assert application.reference in html
    assert "Start access" not in html
