"""The sourcing API: an event driven through its actions, refusals answered 400 with the
reason and recorded, bids hidden from undeclared evaluators, and who may do what (buyer,
reader, outsider)."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.suppliers.models import Invitation, PurchaseOrder, SourcingEvent, SourcingStatus, SupplierStatus
from garrison.suppliers.services import evaluation, sourcing
from tests.conftest import Organisation
from tests.suppliers.sourcing_support import *  # noqa: F403
from tests.suppliers.sourcing_support import draft, end_publicity, in_evaluation, pass_deadline, soon

pytestmark = pytest.mark.django_db

EVENTS = "/api/suppliers/sourcing-events/"
BIDS = "/api/suppliers/bids/"


def test_the_buyer_runs_an_event_through_the_api(
    api: Any, organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    client = api.as_(buyer)
    created = client.post(
        EVENTS,
        {
            "title": "Core switches",
            "kind": "tender",
            "category": "hardware",
            "unit": organisation.beijing.pk,
            "bid_deadline": soon().isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    url = f"{EVENTS}{created.data['id']}/"
    assert created.data["reference"].startswith("SRC-")
    assert client.post(f"{url}criteria/", {"name": "Price", "weight": "70"}, format="json").status_code == 201
    invited = client.post(f"{url}invite/", {"supplier": supplier.pk}, format="json")
    assert invited.status_code == 201, invited.data
    opened = client.post(f"{url}open/", {}, format="json")
    assert opened.data["status"] == SourcingStatus.OPEN
    bid = client.post(
        BIDS, {"event": created.data["id"], "supplier": supplier.pk, "price_cny": "5000.00"}, format="json"
    )
    assert bid.status_code == 201, bid.data
    evaluator = client.post(
        "/api/suppliers/evaluators/",
        {"event": created.data["id"], "person": evaluator_person.pk},
        format="json",
    )
    assert evaluator.status_code == 201, evaluator.data
    early = client.post(f"{url}close-bidding/", {}, format="json")
    assert early.status_code == 400
    assert set(early.data) == {"reason"}
    assert client.post(f"{url}close-bidding/", {"reason": "All bids in"}, format="json").status_code == 200

    judge = api.as_(evaluator_person)
    declared = judge.post(
        f"/api/suppliers/evaluators/{evaluator.data['id']}/declare/", {"has_conflict": False}
    )
    assert declared.status_code == 200, declared.data
    assert declared.data["may_see_bids"] is True
    criterion = SourcingEvent.objects.get().criteria.get()
    scored = judge.post(
        "/api/suppliers/bid-scores/",
        {"bid": bid.data["id"], "criterion": criterion.pk, "score": "88"},
        format="json",
    )
    assert scored.status_code == 201, scored.data
    matrix = judge.get(f"{url}matrix/").data
    assert matrix["rows"][0]["total"] == "88.00"
    assert matrix["is_complete"] is True

    client = api.as_(buyer)
    shortlisted = client.post(f"{url}announce-shortlist/", {"bids": [bid.data["id"]]}, format="json")
    assert shortlisted.status_code == 200, shortlisted.data
    end_publicity(SourcingEvent.objects.get())
    awarded = client.post(f"{url}award/", {"supplier": supplier.pk, "reason": "Only and good"}, format="json")
    assert awarded.status_code == 200, awarded.data
    assert awarded.data["awarded_supplier"] == supplier.pk
    timeline = client.get(f"{url}timeline/").data
    assert [step["kind"] for step in timeline][-1] == "awarded"
    order = client.post(
        "/api/suppliers/purchase-orders/",
        {"supplier": supplier.pk, "event": created.data["id"], "title": "Switches", "amount_cny": "5000"},
        format="json",
    )
    assert order.status_code == 201, order.data
    delivered = client.post(f"/api/suppliers/purchase-orders/{order.data['id']}/deliver/", {}, format="json")
    assert delivered.data["status"] == "delivered"


def test_inviting_a_blacklisted_supplier_answers_400_and_records_the_refusal(
    api: Any, organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    blacklisted = make_supplier(status=SupplierStatus.BLACKLISTED)
    event = draft(buyer, organisation.beijing)
    answer = api.as_(buyer).post(
        "/api/suppliers/invitations/", {"event": event.pk, "supplier": blacklisted.pk}, format="json"
    )
    assert answer.status_code == 400
    assert "blacklisted and may not be invited" in answer.data["supplier"][0]
    assert not Invitation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, object_id=str(event.pk)).count() == 1


def test_an_order_to_a_suspended_supplier_answers_400(
    api: Any, organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    suspended = make_supplier(status=SupplierStatus.SUSPENDED)
    answer = api.as_(buyer).post(
        "/api/suppliers/purchase-orders/",
        {"supplier": suspended.pk, "title": "Cables", "amount_cny": "10"},
        format="json",
    )
    assert answer.status_code == 400
    assert "may not receive new orders" in answer.data["supplier"][0]
    assert not PurchaseOrder.objects.exists()


def test_bids_stay_hidden_from_an_evaluator_until_they_declare(
    api: Any, organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    event = in_evaluation(buyer, organisation.beijing, [make_supplier(), make_supplier()])
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    judge = api.as_(evaluator_person)
    assert judge.get(BIDS).data["count"] == 0
    refused = judge.get(BIDS, {"event": event.pk})
    assert refused.status_code == 403
    assert refused.data["detail"] == "Sign the conflict-of-interest declaration before you see the bids."
    assert judge.get(f"{EVENTS}{event.pk}/matrix/").status_code == 403
    bid = event.bids.first()
    assert bid is not None
    assert judge.get(f"{BIDS}{bid.pk}/").status_code == 404
    assert judge.get("/api/suppliers/bid-scores/").data["count"] == 0
    refusals = AuditEvent.objects.filter(action=AuditAction.REFUSED, actor=evaluator_person)
    assert refusals.count() == 2
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    assert judge.get(BIDS, {"event": event.pk}).data["count"] == 2


def test_a_reader_sees_events_but_not_live_bids_and_changes_nothing(
    api: Any, organisation: Organisation, buyer: Person, security_reader: Person, make_supplier: Any
) -> None:
    event = in_evaluation(buyer, organisation.beijing, [make_supplier()])
    reader = api.as_(security_reader)
    assert reader.get(f"{EVENTS}{event.pk}/").status_code == 200
    assert reader.get(BIDS).data["count"] == 0
    assert reader.get(f"{EVENTS}{event.pk}/timeline/").status_code == 200
    assert reader.post(f"{EVENTS}{event.pk}/cancel/", {"reason": "No"}, format="json").status_code == 404
    assert (
        reader.post(EVENTS, {"title": "X", "unit": organisation.beijing.pk}, format="json").status_code == 403
    )
    assert api.as_(buyer).get(BIDS).data["count"] == 1
    event.refresh_from_db()
    assert event.status == SourcingStatus.EVALUATION


def test_an_outsider_finds_nothing(
    api: Any, organisation: Organisation, buyer: Person, outsider: Person, make_supplier: Any
) -> None:
    event = draft(buyer, organisation.beijing)
    client = api.as_(outsider)
    assert client.get(EVENTS).data["count"] == 0
    assert client.get(f"{EVENTS}{event.pk}/").status_code == 404
    assert client.post(f"{EVENTS}{event.pk}/cancel/", {"reason": "No"}, format="json").status_code == 404
    assert client.patch(f"{EVENTS}{event.pk}/", {"title": "Mine"}, format="json").status_code == 404
    event.refresh_from_db()
    assert event.status == SourcingStatus.DRAFT


def test_the_event_list_filters_and_exports(
    api: Any, organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    first = draft(buyer, organisation.beijing, title="Cooling units")
    second = draft(buyer, organisation.beijing, title="Diesel generators")
    sourcing.invite_supplier(second, make_supplier(), by=buyer)
    sourcing.open_event(second, by=buyer)
    pass_deadline(second)
    client = api.as_(buyer)
    assert [item["id"] for item in client.get(EVENTS, {"status": "open"}).data["results"]] == [second.pk]
    assert [item["id"] for item in client.get(EVENTS, {"search": "cooling"}).data["results"]] == [first.pk]
    exported = client.get(f"{EVENTS}export/", {"file_format": "csv"})
    assert exported.status_code == 200
    assert "Diesel generators" in b"".join(exported.streaming_content).decode("utf-8")
