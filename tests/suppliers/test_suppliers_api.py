"""The supplier master API: create, read, update and delete through the services, the
duplicate flag, the list's filters, ordering and query count, contacts, documents with a
file, categories, history, and linking a supplier to an incident; each for an allowed
person, a reader and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from garrison.core.models import AuditEvent, Person
from garrison.incidents.models import IncidentCategory
from garrison.suppliers.models import (
    QualificationDocument,
    Region,
    Supplier,
    SupplierCategory,
    SupplierStatus,
)
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db
BASE = "/api/suppliers/suppliers/"


def credit_code(number: int) -> str:
    body = f"9144000071{number:07d}"
    return body + uscc.calc_check_digit(body)


def payload(organisation: Organisation, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "深圳华信科技有限公司",
        "name_en": "Shenzhen Huaxin Technology Co., Ltd.",
        "credit_code": credit_code(1),
        "country": "CN",
        "unit": organisation.beijing.pk,
        "categories": ["hardware"],
        "tier": "critical",
    }
    data.update(changes)
    return data


def test_it_creates_reads_updates_and_deletes_a_supplier(
    api: Any, buyer: Person, approver: Person, organisation: Organisation, hardware: SupplierCategory
) -> None:
    client = api.as_(buyer)
    created = client.post(BASE, payload(organisation, reason="New vendor"), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference"].startswith("SUP-")
    assert body["region"] == Region.MAINLAND
    assert body["status"] == SupplierStatus.PROSPECTIVE
    assert body["categories"] == ["hardware"]
    assert body["contacts"] == []
    assert body["documents"] == []
    assert "allow_duplicate" not in body
    url = f"{BASE}{body['id']}/"
    changed = client.patch(url, {"country": "MO", "credit_code": "", "status": "qualified"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["region"] == Region.HONG_KONG_MACAU_TAIWAN
    assert changed.json()["status"] == SupplierStatus.PROSPECTIVE  # read-only here
    history = client.get(f"{url}history/").json()
    assert [event["action"] for event in history["results"]] == ["update", "create"]
    assert api.as_(approver).delete(url).status_code == 204
    assert not Supplier.objects.exists()


def test_bad_input_answers_400_naming_the_field_and_saves_nothing(
    api: Any, buyer: Person, organisation: Organisation, hardware: SupplierCategory
) -> None:
    events = AuditEvent.objects.count()
    bad = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    response = api.as_(buyer).post(BASE, payload(organisation, credit_code=bad), format="json")
    assert response.status_code == 400
    assert "fails its check digit" in response.json()["credit_code"][0]
    response = api.as_(buyer).post(BASE, payload(organisation, unit=organisation.shanghai.pk), format="json")
    assert response.status_code == 400
    assert "unit" in response.json()
    assert not Supplier.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_near_identical_name_needs_allow_duplicate(
    api: Any, buyer: Person, organisation: Organisation, hardware: SupplierCategory
) -> None:
    client = api.as_(buyer)
    first = client.post(BASE, payload(organisation), format="json").json()
    again = payload(organisation, name="深圳华信科技股份有限公司", name_en="", credit_code=credit_code(3))
    refused = client.post(BASE, again, format="json")
    assert refused.status_code == 400
    assert first["reference"] in refused.json()["allow_duplicate"][0]
    accepted = client.post(BASE, {**again, "allow_duplicate": True}, format="json")
    assert accepted.status_code == 201
    assert Supplier.objects.count() == 2


def test_outsiders_see_nothing_and_readers_only_read(
    api: Any, outsider: Person, security_reader: Person, make_supplier: Any, organisation: Organisation
) -> None:
    supplier = make_supplier()
    url = f"{BASE}{supplier.pk}/"
    assert api.as_(outsider).get(BASE).json()["count"] == 0
    assert api.as_(outsider).get(url).status_code == 404
    assert api.as_(outsider).get(f"{BASE}{supplier.pk + 999}/").status_code == 404
    reader = api.as_(security_reader)
    assert reader.get(url).status_code == 200
    assert reader.patch(url, {"notes": "x"}, format="json").status_code == 404
    assert reader.delete(url).status_code == 404
    assert reader.post(BASE, payload(organisation), format="json").status_code == 403
    assert api.as_(None).get(BASE).status_code in (401, 403)


def test_the_list_filters_orders_and_pages_lean(
    api: Any,
    buyer: Person,
    make_supplier: Any,
    hardware: SupplierCategory,
    organisation: Organisation,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(12):
        supplier = make_supplier(esg_score=number)
        supplier.categories.add(hardware)
    make_supplier(name="", name_en="Harbour Systems", country="HK", region=Region.HONG_KONG_MACAU_TAIWAN)
    make_supplier(name="暂停", status=SupplierStatus.SUSPENDED, unit=organisation.beijing_ops)
    client = api.as_(buyer)
    # Session and person (2), grants (1), count, page keys, rows, categories (4), the session's
    # save (3): none per row.
    with django_assert_max_num_queries(10):
        page = client.get(BASE)
    assert page.status_code == 200
    assert page.json()["count"] == 14
    row = page.json()["results"][0]
    assert row["categories"] == ["hardware"]
    assert "contacts" not in row
    assert client.get(BASE, {"region": Region.HONG_KONG_MACAU_TAIWAN}).json()["count"] == 1
    assert client.get(BASE, {"status": SupplierStatus.SUSPENDED}).json()["count"] == 1
    assert client.get(BASE, {"category": "hardware"}).json()["count"] == 12
    assert client.get(BASE, {"unit": organisation.beijing_ops.pk}).json()["count"] == 1
    assert client.get(BASE, {"search": "harbour"}).json()["count"] == 1
    ordered = client.get(BASE, {"ordering": "-esg_score", "category": "hardware"}).json()["results"]
    assert ordered[0]["esg_score"] == "11.00"
    export = client.get(f"{BASE}export/", {"file_format": "csv", "region": Region.HONG_KONG_MACAU_TAIWAN})
    assert export.status_code == 200
    assert b"Harbour Systems" in b"".join(export.streaming_content)


def test_contacts_and_documents_are_written_through_the_services(
    api: Any, buyer: Person, security_reader: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    client = api.as_(buyer)
    contact = client.post(
        "/api/suppliers/supplier-contacts/",
        {"supplier": supplier.pk, "name": "Wang Fang", "is_primary": True},
        format="json",
    )
    assert contact.status_code == 201, contact.json()
    document = client.post(
        "/api/suppliers/supplier-documents/",
        {
            "supplier": supplier.pk,
            "kind": "business_licence",
            "expires_on": "2030-01-01",
            "upload": SimpleUploadedFile("licence.pdf", b"%PDF licence", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert document.status_code == 201, document.json()
    assert document.json()["file"]["filename"] == "licence.pdf"
    metadata = client.post(
        "/api/suppliers/supplier-documents/",
        {"supplier": supplier.pk, "kind": "iso_9001", "issued_on": "2026-01-02", "expires_on": "2025-01-01"},
        format="json",
    )
    assert metadata.status_code == 400
    assert "expires_on" in metadata.json()
    detail = client.get(f"{BASE}{supplier.pk}/").json()
    assert [item["name"] for item in detail["contacts"]] == ["Wang Fang"]
    assert [item["kind"] for item in detail["documents"]] == ["business_licence"]
    refused = api.as_(security_reader).post(
        "/api/suppliers/supplier-contacts/", {"supplier": supplier.pk, "name": "Mallory"}, format="json"
    )
    assert refused.status_code == 400
    assert QualificationDocument.objects.count() == 1


def test_categories_are_read_by_all_and_kept_by_procurement_over_the_organisation(
    api: Any, buyer: Person, approver: Person, hardware: SupplierCategory
) -> None:
    url = "/api/suppliers/supplier-categories/"
    assert api.as_(buyer).get(url).json()["count"] >= 9
    assert api.as_(buyer).post(url, {"code": "drones", "name": "Drones"}, format="json").status_code == 403
    created = api.as_(approver).post(url, {"code": "drones", "name": "Drones"}, format="json")
    assert created.status_code == 201
    taken = api.as_(approver).post(url, {"code": "drones", "name": "Again"}, format="json")
    assert taken.status_code == 400
    assert "code" in taken.json()
    retired = api.as_(approver).patch(f"{url}{hardware.pk}/", {"is_active": False}, format="json")
    assert retired.status_code == 200
    assert retired.json()["is_active"] is False


def test_an_incident_links_a_supplier_by_id(
    api: Any, security_reader: Person, make_supplier: Any, organisation: Organisation
) -> None:
    supplier = make_supplier()
    IncidentCategory.objects.create(urn="urn:test:incident-category:na", code="NA", name="Network attack")
    response = api.as_(security_reader).post(
        "/api/incidents/incidents/",
        {
            "title": "CDN outage",
            "category": "NA",
            "discovered_at": "2026-03-02T09:00:00+08:00",
            "handler": security_reader.pk,
            "unit": organisation.beijing.pk,
            "suppliers": [supplier.pk],
            "affected_suppliers": ["Unregistered Hosting Ltd"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["suppliers"] == [supplier.pk]
    assert list(supplier.incidents.values_list("title", flat=True)) == ["CDN outage"]
