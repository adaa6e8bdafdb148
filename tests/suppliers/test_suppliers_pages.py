"""The supplier master pages: the list with its filters and exports, a supplier's page
with gates, documents, incidents and the other parts' panels, the create form with its
duplicate warning, the history, and the category list; each for an allowed person, a
reader and an outsider."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from stdnum.cn import uscc

from garrison.core.models import Person
from garrison.core.scheduling import organisation_today
from garrison.incidents.models import Incident, IncidentCategory
from garrison.suppliers import panels
from garrison.suppliers.models import (
    DocumentKind,
    QualificationDocument,
    Region,
    Supplier,
    SupplierCategory,
    SupplierStatus,
)
from garrison.suppliers.services import suppliers as services
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db
LIST = reverse("suppliers:supplier-list")
CREATE = reverse("suppliers:supplier-create")


def credit_code(number: int) -> str:
    body = f"9131000070{number:07d}"
    return body + uscc.calc_check_digit(body)


def signed_in(person: Person) -> Any:
    client = Client()
    client.force_login(person)
    return client


def detail(supplier: Supplier) -> str:
    return reverse("suppliers:supplier-detail", args=[supplier.pk])


def form_data(organisation: Organisation, hardware: SupplierCategory, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "北京华信科技有限公司",
        "name_en": "",
        "credit_code": credit_code(1),
        "country": "CN",
        "unit": organisation.beijing.pk,
        "manager": "buyer",
        "tier": "important",
        "categories": [hardware.pk],
    }
    data.update(changes)
    return data


def test_the_list_shows_the_suppliers_and_filters_them(
    buyer: Person, make_supplier: Any, hardware: SupplierCategory
) -> None:
    mainland = make_supplier(name="北京华信科技有限公司", name_en="Huaxin")
    mainland.categories.add(hardware)
    make_supplier(name="", name_en="Harbour Systems", country="HK", region=Region.HONG_KONG_MACAU_TAIWAN)
    make_supplier(name="暂停供应商", status=SupplierStatus.SUSPENDED)
    QualificationDocument.objects.create(
        supplier=mainland, kind=DocumentKind.ISO_9001, expires_on=organisation_today() + dt.timedelta(days=10)
    )
    client = signed_in(buyer)
    page = client.get(LIST).content.decode()
    assert "北京华信科技有限公司" in page
    assert "Harbour Systems" in page
    assert "暂停供应商" in page
    assert "Hardware" in page
    page = client.get(LIST, {"region": Region.HONG_KONG_MACAU_TAIWAN}).content.decode()
    assert "Harbour Systems" in page
    assert "北京华信" not in page
    page = client.get(LIST, {"status": SupplierStatus.SUSPENDED}).content.decode()
    assert "暂停供应商" in page
    assert "Harbour Systems" not in page
    page = client.get(LIST, {"category": "hardware"}).content.decode()
    assert "北京华信" in page
    assert "暂停供应商" not in page
    page = client.get(LIST, {"expiring": "yes"}).content.decode()
    assert "北京华信" in page
    assert "Harbour Systems" not in page
    page = client.get(LIST, {"q": "harbour"}).content.decode()
    assert "Harbour Systems" in page
    assert "北京华信" not in page


def test_the_list_exports_every_filtered_row(buyer: Person, make_supplier: Any) -> None:
    make_supplier(name="北京华信科技有限公司", credit_code=credit_code(4))
    make_supplier(name="", name_en="Harbour Systems", country="HK", region=Region.HONG_KONG_MACAU_TAIWAN)
    response = signed_in(buyer).get(LIST, {"export": "csv", "region": Region.MAINLAND})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert credit_code(4) in content
    assert "China (mainland)" in content
    assert "Harbour Systems" not in content
    xlsx = signed_in(buyer).get(LIST, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_outsider_sees_no_supplier_and_the_same_404_as_for_a_missing_one(
    outsider: Person, make_supplier: Any
) -> None:
    supplier = make_supplier(name="北京华信科技有限公司")
    client = signed_in(outsider)
    assert "北京华信" not in client.get(LIST).content.decode()
    assert client.get(detail(supplier)).status_code == 404
    assert client.get(reverse("suppliers:supplier-detail", args=[supplier.pk + 999])).status_code == 404
    assert client.get(reverse("suppliers:supplier-history", args=[supplier.pk])).status_code == 404


def test_a_reader_sees_the_page_but_no_way_to_change_it(security_reader: Person, make_supplier: Any) -> None:
    supplier = make_supplier(name="北京华信科技有限公司")
    client = signed_in(security_reader)
    page = client.get(detail(supplier)).content.decode()
    assert "北京华信科技有限公司" in page
    assert reverse("suppliers:supplier-edit", args=[supplier.pk]) not in page
    assert client.get(CREATE).status_code == 404
    assert client.get(reverse("suppliers:supplier-edit", args=[supplier.pk])).status_code == 404
    assert client.post(reverse("suppliers:supplier-delete", args=[supplier.pk])).status_code == 404


def test_the_page_shows_gates_documents_incidents_and_every_panel(
    buyer: Person,
    security_reader: Person,
    make_supplier: Any,
    monkeypatch: Any,
    organisation: Organisation,
    hardware: SupplierCategory,
) -> None:
    supplier = make_supplier(name="北京华信科技有限公司", status=SupplierStatus.RECTIFYING)
    QualificationDocument.objects.create(
        supplier=supplier, kind=DocumentKind.ISO_27001, number="OLD-1", expires_on=dt.date(2020, 1, 1)
    )
    category = IncidentCategory.objects.create(
        urn="urn:test:incident-category:na", code="NA", name="Network attack"
    )
    incident = Incident.objects.create(
        reference="INC-T99999",
        title="CDN outage",
        category=category,
        discovered_at=supplier.created_at,
        handler=security_reader,
        unit=organisation.beijing,
    )
    incident.suppliers.add(supplier)
    monkeypatch.setattr(panels, "_PANELS", {})
    panels.register_panel(
        "test",
        order=10,
        template="suppliers/category_edit_cell.html",
        context=lambda request, shown: {"may_edit": shown == supplier, "value": hardware.pk},
    )
    page = signed_in(buyer).get(detail(supplier)).content.decode()
    assert page.count('data-allowed="yes"') == 2  # rectifying: invited and ordered, not awarded
    assert page.count('data-allowed="no"') == 1
    assert "table-danger" in page
    assert "OLD-1" in page
    assert reverse("suppliers:category-edit", args=[hardware.pk]) in page  # the panel, with its context
    # The buyer does not work on incidents: the linked case is listed to the security officer only.
    assert "INC-T99999" not in page
    assert "INC-T99999" in signed_in(security_reader).get(detail(supplier)).content.decode()


def test_a_registration_warns_of_a_near_identical_name_and_is_created_anyway(
    buyer: Person, organisation: Organisation, hardware: SupplierCategory, make_supplier: Any
) -> None:
    existing = make_supplier(name="北京华信科技有限公司", normalised_name="")
    services.update_supplier(existing, by=None, credit_code=credit_code(9))  # derive its normalised name
    client = signed_in(buyer)
    response = client.post(CREATE, form_data(organisation, hardware, name="北京华信科技股份有限公司"))
    assert response.status_code == 400
    page = response.content.decode()
    assert existing.reference in page
    assert 'name="allow_duplicate"' in page
    assert Supplier.objects.count() == 1
    response = client.post(
        CREATE, form_data(organisation, hardware, name="北京华信科技股份有限公司", allow_duplicate="on")
    )
    assert response.status_code == 302
    created = Supplier.objects.exclude(pk=existing.pk).get()
    assert response["Location"] == detail(created)
    assert created.manager == buyer
    assert list(created.categories.all()) == [hardware]


def test_a_buyer_cannot_register_in_another_site_and_sees_why_a_code_is_refused(
    buyer: Person, organisation: Organisation, hardware: SupplierCategory
) -> None:
    client = signed_in(buyer)
    response = client.post(CREATE, form_data(organisation, hardware, unit=organisation.shanghai.pk))
    assert response.status_code == 400
    bad = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    response = client.post(CREATE, form_data(organisation, hardware, credit_code=bad))
    assert response.status_code == 400
    assert "fails its check digit" in response.content.decode()
    assert not Supplier.objects.exists()


def test_the_edit_form_changes_the_supplier_and_the_history_shows_it(
    buyer: Person, organisation: Organisation, hardware: SupplierCategory
) -> None:
    supplier = services.create_supplier(
        by=buyer,
        **{
            **form_data(organisation, hardware),
            "unit": organisation.beijing,
            "manager": buyer,
            "categories": [hardware],
        },
    )
    client = signed_in(buyer)
    data = form_data(organisation, hardware, notes="Preferred for racks", reason="Review")
    response = client.post(reverse("suppliers:supplier-edit", args=[supplier.pk]), data)
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.notes == "Preferred for racks"
    history = client.get(reverse("suppliers:supplier-history", args=[supplier.pk])).content.decode()
    assert "Preferred for racks" in history
    assert "Review" in history


def test_contacts_and_documents_are_added_from_the_page_and_the_file_downloads(
    buyer: Person, security_reader: Person, outsider: Person, make_supplier: Any
) -> None:
    supplier = make_supplier(name="北京华信科技有限公司")
    client = signed_in(buyer)
    response = client.post(
        reverse("suppliers:contact-create", args=[supplier.pk]),
        {"name": "Wang Fang", "email": "wf@example.cn"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("suppliers:document-create", args=[supplier.pk]),
        {
            "kind": DocumentKind.BUSINESS_LICENCE,
            "expires_on": "2030-01-01",
            "upload": SimpleUploadedFile("licence.pdf", b"%PDF licence", content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    kept = QualificationDocument.objects.get(supplier=supplier)
    download = reverse("suppliers:document-download", args=[supplier.pk, kept.pk])
    page = client.get(detail(supplier)).content.decode()
    assert "Wang Fang" in page
    assert download in page
    for person, status in ((security_reader, 200), (outsider, 404)):
        response = signed_in(person).get(download)
        assert response.status_code == status
    assert b"".join(signed_in(security_reader).get(download).streaming_content) == b"%PDF licence"
    assert (
        signed_in(security_reader).get(reverse("suppliers:document-create", args=[supplier.pk])).status_code
        == 404
    )


def test_the_category_list_is_kept_by_procurement_over_the_organisation(
    buyer: Person, approver: Person, hardware: SupplierCategory
) -> None:
    categories = reverse("suppliers:category-list")
    create = reverse("suppliers:category-create")
    assert "Hardware" in signed_in(buyer).get(categories).content.decode()
    assert create not in signed_in(buyer).get(categories).content.decode()
    assert signed_in(buyer).get(create).status_code == 404
    client = signed_in(approver)
    assert create in client.get(categories).content.decode()
    response = client.post(create, {"code": "drones", "name": "Drones", "is_active": "on"})
    assert response.status_code == 302
    response = client.post(
        reverse("suppliers:category-edit", args=[hardware.pk]), {"code": "hardware", "name": "IT hardware"}
    )
    assert response.status_code == 302
    hardware.refresh_from_db()
    assert hardware.name == "IT hardware"
    assert not hardware.is_active
