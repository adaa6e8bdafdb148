"""The supplier master service: registering with a checked credit code and a derived
region, duplicate detection by code and by near-identical name, reach, the refusals that
save nothing, updates and deletion, contacts, and linking suppliers to incidents."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from stdnum.cn import uscc

from garrison.assets.services.inventory import create_asset
from garrison.core.audit import history_of
from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.incidents.models import IncidentCategory
from garrison.incidents.services.cases import create_incident
from garrison.suppliers.models import Region, StatusChange, Supplier, SupplierCategory, SupplierContact
from garrison.suppliers.names import normalise_name
from garrison.suppliers.services import suppliers as services
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db


def credit_code(number: int) -> str:
    """A valid unified social credit code (its check digit computed)."""
    body = f"9111000060{number:07d}"
    return body + uscc.calc_check_digit(body)


def broken(code: str) -> str:
    """`code` with a wrong check digit."""
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


@pytest.fixture
def fields(organisation: Organisation, buyer: Person, hardware: SupplierCategory) -> Any:
    def make(**changes: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": "北京华信科技有限公司",
            "name_en": "Beijing Huaxin Technology Co., Ltd.",
            "credit_code": credit_code(1),
            "country": "CN",
            "unit": organisation.beijing,
            "categories": [hardware],
        }
        values.update(changes)
        return values

    return make


def test_it_registers_a_mainland_supplier_with_a_reference_derived_fields_and_an_audit_event(
    fields: Any, buyer: Person, hardware: SupplierCategory
) -> None:
    code = credit_code(7)
    spaced = f"{code[:8].lower()} {code[8:].lower()}"
    supplier = services.create_supplier(by=buyer, reason="New hardware vendor", **fields(credit_code=spaced))
    supplier.refresh_from_db()
    assert supplier.reference == f"SUP-{supplier.pk:06d}"
    assert supplier.credit_code == code
    assert supplier.region == Region.MAINLAND
    assert supplier.normalised_name == normalise_name("北京华信科技有限公司") != ""
    assert supplier.status == "prospective"
    assert supplier.created_by == buyer
    assert list(supplier.categories.all()) == [hardware]
    event = history_of(supplier).get()
    assert event.action == AuditAction.CREATE
    assert event.reason == "New hardware vendor"
    assert event.changes["categories"] == [None, [hardware.pk]]
    assert event.changes["reference"][1] == supplier.reference


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("HK", Region.HONG_KONG_MACAU_TAIWAN),
        ("mo", Region.HONG_KONG_MACAU_TAIWAN),
        ("TW", Region.HONG_KONG_MACAU_TAIWAN),
        ("DE", Region.OTHER),
    ],
)
def test_the_region_follows_the_country_and_no_credit_code_is_needed_outside_the_mainland(
    fields: Any, buyer: Person, country: str, region: str
) -> None:
    supplier = services.create_supplier(
        by=buyer,
        **fields(name="", name_en=f"Harbour Systems {country} GmbH", credit_code="", country=country),
    )
    assert supplier.country == country.upper()
    assert supplier.region == region
    assert supplier.credit_code == ""


def test_a_wrong_check_digit_is_refused_saying_what_to_do_and_nothing_is_written(
    fields: Any, buyer: Person
) -> None:
    bad = broken(credit_code(3))
    suppliers, events = Supplier.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(credit_code=bad))
    assert refused.value.message_dict["credit_code"] == [
        f"The unified social credit code {bad} fails its check digit; check the code on the business licence."
    ]
    assert Supplier.objects.count() == suppliers
    assert AuditEvent.objects.count() == events


def test_every_rule_is_reported_at_once(fields: Any, buyer: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(name="", name_en="  ", credit_code="", country="XX"))
    assert set(refused.value.message_dict) == {"name", "country"}
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(credit_code=""))
    assert "unified social credit code" in refused.value.message_dict["credit_code"][0]
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(credit_code="91110000"))
    assert "18 characters" in refused.value.message_dict["credit_code"][0]


def test_the_same_credit_code_is_always_refused_naming_the_registered_supplier(
    fields: Any, buyer: Person
) -> None:
    first = services.create_supplier(by=buyer, **fields())
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(
            by=buyer, allow_duplicate=True, **fields(name="另一家公司", name_en="Another Company Ltd")
        )
    assert first.reference in refused.value.message_dict["credit_code"][0]
    assert Supplier.objects.count() == 1


@pytest.mark.parametrize(
    ("registered", "new"),
    [
        (
            {"name": "北京华信科技有限公司", "name_en": ""},
            {"name": "北京华信科技股份有限公司", "name_en": ""},
        ),
        (
            {"name": "", "name_en": "Huaxin Technology Co., Ltd.", "country": "HK"},
            {"name": "", "name_en": "HUAXIN TECHNOLOGY LTD", "country": "HK"},
        ),
    ],
)
def test_a_near_identical_name_is_refused_unless_the_person_creates_it_anyway(
    fields: Any, buyer: Person, registered: dict[str, str], new: dict[str, str]
) -> None:
    existing = services.create_supplier(
        by=buyer, **fields(credit_code=credit_code(1) if not registered.get("country") else "", **registered)
    )
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(
            by=buyer, **fields(credit_code=credit_code(2) if not new.get("country") else "", **new)
        )
    message = refused.value.message_dict["allow_duplicate"][0]
    assert existing.reference in message
    assert existing.display_name in message
    assert Supplier.objects.count() == 1
    created = services.create_supplier(
        by=buyer,
        allow_duplicate=True,
        **fields(credit_code=credit_code(2) if not new.get("country") else "", **new),
    )
    assert Supplier.objects.count() == 2
    assert services.find_duplicates(name=created.name, name_en=created.name_en, exclude=created) == [existing]


def test_find_duplicates_compares_english_names_too(fields: Any, buyer: Person) -> None:
    existing = services.create_supplier(by=buyer, **fields())
    assert services.find_duplicates(name_en="Beijing Huaxin Technology Company Limited") == [existing]
    assert services.find_duplicates(name="上海东方电力设备有限公司") == []
    assert services.find_duplicates(credit_code=existing.credit_code.lower()) == [existing]


def test_a_buyer_registers_in_their_unit_not_elsewhere_and_readers_change_nothing(
    fields: Any, buyer: Person, security_reader: Person, organisation: Organisation
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(unit=organisation.shanghai))
    assert set(refused.value.message_dict) == {"unit"}
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=security_reader, **fields())
    assert "unit" in refused.value.message_dict
    supplier = services.create_supplier(by=buyer, **fields(unit=organisation.beijing_ops))
    with pytest.raises(Http404):
        services.update_supplier(supplier, by=security_reader, notes="changed")
    assert Supplier.objects.count() == 1


def test_the_manager_must_work_with_suppliers_of_the_unit(
    fields: Any, buyer: Person, make_person: Any, organisation: Organisation
) -> None:
    stranger = make_person("stranger", organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(manager=stranger))
    assert "does not work with suppliers" in refused.value.message_dict["manager"][0]


def test_assets_must_be_visible_to_the_actor(
    fields: Any, buyer: Person, owner: Person, organisation: Organisation
) -> None:
    server = create_asset(
        by=None, name="ERP server", asset_type="server", owner=owner, unit=organisation.beijing
    )
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(assets=[server]))
    assert refused.value.message_dict["assets"] == ["Asset not found."]
    supplier = services.create_supplier(by=owner, **fields(assets=[server]))
    assert list(supplier.assets.all()) == [server]


def test_an_update_records_the_changes_and_a_refused_update_is_recorded_as_a_refusal(
    fields: Any, buyer: Person
) -> None:
    supplier = services.create_supplier(by=buyer, **fields())
    services.update_supplier(supplier, by=buyer, reason="Moved to HK", country="HK", credit_code="")
    supplier.refresh_from_db()
    assert supplier.region == Region.HONG_KONG_MACAU_TAIWAN
    update = history_of(supplier).first()
    assert update is not None
    assert update.action == AuditAction.UPDATE
    assert update.changes["region"] == [Region.MAINLAND, Region.HONG_KONG_MACAU_TAIWAN]
    bad = broken(credit_code(9))
    with pytest.raises(ValidationError):
        services.update_supplier(supplier, by=buyer, credit_code=bad)
    supplier.refresh_from_db()
    assert supplier.credit_code == ""
    refusal = history_of(supplier).first()
    assert refusal is not None
    assert refusal.action == AuditAction.REFUSED
    assert "fails its check digit" in refusal.reason


def test_the_status_is_not_a_field_of_the_master(fields: Any, buyer: Person) -> None:
    supplier = services.create_supplier(by=buyer, **fields())
    with pytest.raises(TypeError):
        services.update_supplier(supplier, by=buyer, status="qualified")


def test_a_supplier_with_a_status_history_is_kept_and_one_registered_by_mistake_is_deleted(
    fields: Any, buyer: Person, approver: Person
) -> None:
    kept = services.create_supplier(by=buyer, **fields())
    StatusChange.objects.create(
        supplier=kept,
        from_status="prospective",
        to_status="qualified",
        reason="Access",
        proposed_at=kept.created_at,
    )
    with pytest.raises(ValidationError) as refused:
        services.delete_supplier(kept, by=approver)
    assert "mark it unqualified instead" in refused.value.messages[0]
    assert Supplier.objects.filter(pk=kept.pk).exists()
    mistake = services.create_supplier(
        by=buyer, **fields(credit_code=credit_code(5), name="错误公司", name_en="")
    )
    services.add_contact(mistake, by=buyer, name="Li Lei")
    mistake_id = mistake.pk
    services.delete_supplier(mistake, by=approver, reason="Typed twice")
    assert not Supplier.objects.filter(pk=mistake_id).exists()
    assert not SupplierContact.objects.filter(supplier_id=mistake_id).exists()
    assert AuditEvent.objects.filter(
        object_type="suppliers.supplier", object_id=str(mistake_id), action=AuditAction.DELETE
    ).exists()


def test_a_new_primary_contact_takes_over_from_the_previous_one(fields: Any, buyer: Person) -> None:
    supplier = services.create_supplier(by=buyer, **fields())
    first = services.add_contact(
        supplier, by=buyer, name=" Wang Fang ", is_primary=True, email="wf@example.cn"
    )
    second = services.add_contact(supplier, by=buyer, name="Zhao Lei", is_primary=True)
    first.refresh_from_db()
    assert first.name == "Wang Fang"
    assert not first.is_primary
    assert second.is_primary
    with pytest.raises(ValidationError):
        services.add_contact(supplier, by=buyer, name="", email="not-an-address")
    assert SupplierContact.objects.filter(supplier=supplier).count() == 2


def test_only_managers_over_the_organisation_keep_the_categories(
    buyer: Person, approver: Person, hardware: SupplierCategory
) -> None:
    with pytest.raises(ValidationError):
        services.create_category(by=buyer, code="drones", name="Drones")
    category = services.create_category(by=approver, code="drones", name="Drones")
    with pytest.raises(Http404):
        services.update_category(category, by=buyer, name="UAV")
    services.update_category(hardware, by=approver, is_active=False)
    assert not SupplierCategory.objects.get(pk=hardware.pk).is_active


def test_a_retired_category_is_not_given_to_a_new_supplier(
    fields: Any, buyer: Person, hardware: SupplierCategory
) -> None:
    SupplierCategory.objects.filter(pk=hardware.pk).update(is_active=False)
    hardware.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.create_supplier(by=buyer, **fields(categories=[hardware]))
    assert "No longer in use" in refused.value.message_dict["categories"][0]


def test_an_incident_links_registered_suppliers_the_recorder_may_see(
    fields: Any, buyer: Person, security_reader: Person, organisation: Organisation, make_supplier: Any
) -> None:
    supplier = services.create_supplier(by=buyer, **fields())
    category = IncidentCategory.objects.create(
        urn="urn:test:incident-category:na", code="NA", name="Network attack"
    )
    incident = create_incident(
        by=security_reader,
        title="CDN outage",
        category=category,
        discovered_at=supplier.created_at,
        handler=security_reader,
        unit=organisation.beijing,
        suppliers=[supplier],
        affected_suppliers=["Unregistered Hosting Ltd"],
    )
    assert list(incident.suppliers.all()) == [supplier]
    assert incident.affected_suppliers == ["Unregistered Hosting Ltd"]
    assert history_of(incident).get().changes["suppliers"] == [None, [supplier.pk]]
    assert list(supplier.incidents.all()) == [incident]
