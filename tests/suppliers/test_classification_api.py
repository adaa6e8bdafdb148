"""The classification API: proposing, approving, rejecting and withdrawing status changes;
rectification plans and actions; the supplier policy — for the buyer who proposes, the
approver who decides, a security reader and an outsider."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import organisation_today
from garrison.suppliers.models import (
    PlanStatus,
    RectificationPlan,
    StatusChange,
    SupplierPolicy,
    SupplierStatus,
)
from garrison.suppliers.services import classification

pytestmark = pytest.mark.django_db

BASE = "/api/suppliers"
TODAY = organisation_today()


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return make_supplier(status=SupplierStatus.QUALIFIED, status_since=timezone.now() - dt.timedelta(days=30))


def test_a_buyer_proposes_and_an_approver_approves(
    api: Any, supplier: Any, buyer: Person, approver: Person
) -> None:
    api.as_(buyer)
    response = api.post(
        f"{BASE}/status-changes/",
        {
            "supplier": supplier.pk,
            "to_status": "suspended",
            "reason": "Safety breach",
            "suspended_until": (TODAY + dt.timedelta(days=20)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["from_status"], body["state"], body["proposed_by"]) == ("qualified", "proposed", buyer.pk)

    own = api.post(f"{BASE}/status-changes/{body['id']}/approve/", {}, format="json")
    assert own.status_code == 400
    assert own.json()["non_field_errors"] == ["You proposed this change; another approver must decide it."]
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, actor_id=buyer.pk).count() == 1

    api.as_(approver)
    approved = api.post(f"{BASE}/status-changes/{body['id']}/approve/", {"note": "Agreed"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    supplier.refresh_from_db()
    assert (supplier.status, supplier.suspended_until) == ("suspended", TODAY + dt.timedelta(days=20))
    history = api.get(f"{BASE}/status-changes/{body['id']}/history/").json()
    assert [event["action"] for event in history["results"]][:2] == ["update", "refused"]


def test_bad_proposals_are_refused_with_the_reason(api: Any, supplier: Any, buyer: Person) -> None:
    api.as_(buyer)
    response = api.post(
        f"{BASE}/status-changes/",
        {"supplier": supplier.pk, "to_status": "prospective", "reason": ""},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["reason"] == ["Give the reason for the change; it is kept in the supplier's history."]
    assert "cannot move from Qualified to Prospective" in errors["to_status"][0]
    assert not StatusChange.objects.exists()


def test_rejecting_needs_a_note_and_the_proposer_withdraws(
    api: Any, supplier: Any, buyer: Person, approver: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Quality"
    )
    api.as_(approver)
    assert api.post(f"{BASE}/status-changes/{change.pk}/reject/", {}, format="json").status_code == 400
    assert api.post(f"{BASE}/status-changes/{change.pk}/withdraw/", {}, format="json").status_code == 400
    api.as_(buyer)
    withdrawn = api.post(
        f"{BASE}/status-changes/{change.pk}/withdraw/", {"reason": "Sorted out"}, format="json"
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"


def test_readers_see_but_cannot_propose_and_outsiders_see_nothing(
    api: Any, supplier: Any, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Quality"
    )
    api.as_(security_reader)
    assert api.get(f"{BASE}/status-changes/").json()["count"] == 1
    payload = {"supplier": supplier.pk, "to_status": "unqualified", "reason": "x"}
    assert api.post(f"{BASE}/status-changes/", payload, format="json").status_code == 403
    assert api.post(f"{BASE}/status-changes/{change.pk}/approve/", {}, format="json").status_code == 400
    api.as_(outsider)
    assert api.get(f"{BASE}/status-changes/").json()["count"] == 0
    assert api.get(f"{BASE}/status-changes/{change.pk}/").status_code == 404
    assert api.post(f"{BASE}/status-changes/{change.pk}/approve/", {}, format="json").status_code == 404
    refused = api.post(f"{BASE}/status-changes/", payload, format="json")
    assert refused.status_code == 400
    assert "supplier" in refused.json()
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED
    assert StatusChange.objects.count() == 1


def test_plans_and_actions_through_the_api(
    api: Any, make_supplier: Any, buyer: Person, approver: Person, security_reader: Person
) -> None:
    supplier = make_supplier(
        status=SupplierStatus.RECTIFYING, status_since=timezone.now() - dt.timedelta(days=3)
    )
    api.as_(security_reader)
    plan_payload = {
        "supplier": supplier.pk,
        "title": "Fix delivery",
        "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        "owner": buyer.pk,
        "actions": [
            {"description": "Second warehouse", "due_on": (TODAY + dt.timedelta(days=10)).isoformat()}
        ],
    }
    assert api.post(f"{BASE}/rectification-plans/", plan_payload, format="json").status_code == 403
    api.as_(buyer)
    created = api.post(f"{BASE}/rectification-plans/", plan_payload, format="json")
    assert created.status_code == 201, created.content
    plan = created.json()
    assert [action["description"] for action in plan["actions"]] == ["Second warehouse"]

    refused = api.post(f"{BASE}/rectification-plans/{plan['id']}/complete/", {}, format="json")
    assert refused.status_code == 400
    assert "Second warehouse" in refused.json()["non_field_errors"][0]
    added = api.post(
        f"{BASE}/rectification-actions/",
        {"plan": plan["id"], "description": "Audit", "due_on": (TODAY + dt.timedelta(days=5)).isoformat()},
        format="json",
    )
    assert added.status_code == 201, added.content
    noted = api.patch(
        f"{BASE}/rectification-actions/{added.json()['id']}/", {"follow_up": "Booked"}, format="json"
    )
    assert noted.status_code == 200
    assert noted.json()["follow_up"] == "Booked"
    for action in RectificationPlan.objects.get().actions.all():
        assert (
            api.post(f"{BASE}/rectification-actions/{action.pk}/complete/", {}, format="json").status_code
            == 200
        )
    completed = api.post(f"{BASE}/rectification-plans/{plan['id']}/complete/", {}, format="json")
    assert completed.status_code == 200
    assert completed.json()["status"] == PlanStatus.COMPLETED
    proposal = StatusChange.objects.get(state="proposed")
    api.as_(approver)
    assert api.post(f"{BASE}/status-changes/{proposal.pk}/approve/", {}, format="json").status_code == 200
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED


def test_the_policy_is_read_by_readers_and_changed_by_a_group_procurement_officer(
    api: Any, approver: Person, buyer: Person, security_reader: Person
) -> None:
    api.as_(security_reader)
    listed = api.get(f"{BASE}/supplier-policy/").json()
    assert listed["count"] == 1
    current = api.get(f"{BASE}/supplier-policy/current/").json()
    assert current["document_reminder_days"] == [90, 30, 7]
    url = f"{BASE}/supplier-policy/{current['id']}/"
    assert api.patch(url, {"screening_threshold": 80}, format="json").status_code == 403
    api.as_(buyer)
    assert api.patch(url, {"screening_threshold": 80}, format="json").status_code == 403
    api.as_(approver)
    bad = api.patch(url, {"excellent_from": "50.00"}, format="json")
    assert bad.status_code == 400
    assert "good_from" in bad.json()
    changed = api.patch(url, {"screening_threshold": 80, "reason": "Fewer false positives"}, format="json")
    assert changed.status_code == 200, changed.content
    assert SupplierPolicy.objects.get().screening_threshold == 80
