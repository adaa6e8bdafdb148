"""Pages of supplier classification: the status-change list (filters, "awaiting my
approval", export), proposing and deciding, the supplier page's panel, rectification
plans and the policy page, for an allowed person, a reader and an outsider."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
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
from garrison.suppliers.services import classification, rectification
from garrison.suppliers.views.classification import panel_context

pytestmark = pytest.mark.django_db

TODAY = organisation_today()


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return make_supplier(status=SupplierStatus.QUALIFIED, status_since=timezone.now() - dt.timedelta(days=30))


def test_a_buyer_proposes_from_the_supplier_and_an_approver_decides_on_the_decide_page(
    supplier: Any, buyer: Person, approver: Person
) -> None:
    url = reverse("suppliers:status-change-create", args=[supplier.pk])
    page = browser(buyer).get(url)
    assert page.status_code == 200
    assert 'value="rectifying"' in page.content.decode()
    assert 'value="prospective"' not in page.content.decode()
    refused = browser(buyer).post(url, {"to_status": "rectifying", "reason": ""})
    assert refused.status_code == 400
    response = browser(buyer).post(url, {"to_status": "rectifying", "reason": "Late deliveries"})
    assert response.status_code == 302
    change = StatusChange.objects.get()

    decide = reverse("suppliers:status-change-decide", args=[change.pk])
    own = browser(buyer).post(decide, {"decision": "approve", "note": ""})
    assert own.status_code == 400
    assert "another approver must decide it" in own.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, object_id=str(change.pk)).count() == 1

    approved = browser(approver).post(decide, {"decision": "approve", "note": "Agreed"})
    assert approved.status_code == 302
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.RECTIFYING


def test_readers_and_outsiders_cannot_propose_or_decide(
    supplier: Any, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.SUSPENDED, by=buyer, reason="Audit"
    )
    propose = reverse("suppliers:status-change-create", args=[supplier.pk])
    decide = reverse("suppliers:status-change-decide", args=[change.pk])
    assert browser(security_reader).get(propose).status_code == 404
    assert browser(outsider).get(propose).status_code == 404
    assert browser(outsider).get(decide).status_code == 404
    reader_page = browser(security_reader).post(decide, {"decision": "approve"})
    assert reader_page.status_code == 400
    assert "authority" in reader_page.content.decode()
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED


def test_the_list_filters_by_state_and_shows_what_awaits_my_approval_and_exports(
    supplier: Any, make_supplier: Any, buyer: Person, approver: Person, outsider: Person
) -> None:
    other = make_supplier(status=SupplierStatus.PROSPECTIVE)
    classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Quality slipping"
    )
    classification.set_status_by_system(
        other, SupplierStatus.QUALIFIED, reason="Access approved", source="access"
    )
    url = reverse("suppliers:status-change-list")

    mine = browser(approver).get(url, {"awaiting_me": "true"}).content.decode()
    assert "Quality slipping" in mine
    assert "Access approved" not in mine
    assert "Decide" in mine
    assert "Quality slipping" not in browser(buyer).get(url, {"awaiting_me": "true"}).content.decode()
    approved = browser(buyer).get(url, {"state": "approved"}).content.decode()
    assert "Access approved" in approved
    assert "Quality slipping" not in approved
    exported = browser(buyer).get(url, {"export": "csv"})
    assert exported.status_code == 200
    exported_text = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "Quality slipping" in exported_text
    assert "Quality slipping" not in browser(outsider).get(url).content.decode()


def test_the_supplier_panel_shows_gates_the_waiting_proposal_and_buttons_for_approvers(
    supplier: Any, buyer: Person, approver: Person, security_reader: Person
) -> None:
    classification.propose_status_change(
        supplier, SupplierStatus.UNQUALIFIED, by=buyer, reason="Licence lapsed"
    )
    request = RequestFactory().get("/")

    def panel(person: Person) -> str:
        request.user = person
        return render_to_string(
            "suppliers/_classification_panel.html", panel_context(request, supplier), request
        )

    for_approver = panel(approver)
    assert "May be awarded" in for_approver
    assert "Licence lapsed" in for_approver
    assert 'value="approve"' in for_approver
    for_buyer = panel(buyer)
    assert 'value="approve"' not in for_buyer
    assert "Withdraw" in for_buyer
    for_reader = panel(security_reader)
    assert 'value="approve"' not in for_reader
    assert "Propose a new status" not in for_reader


def test_a_plan_is_created_followed_up_and_completed_on_its_pages(
    make_supplier: Any, buyer: Person, security_reader: Person
) -> None:
    supplier = make_supplier(status=SupplierStatus.RECTIFYING)
    create = reverse("suppliers:plan-create", args=[supplier.pk])
    assert browser(security_reader).get(create).status_code == 404
    bad = browser(buyer).post(
        create,
        {
            "title": "Fix",
            "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            "owner": "buyer",
            "actions": "soon do it",
        },
    )
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.content.decode()
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    response = browser(buyer).post(
        create,
        {
            "title": "Fix delivery",
            "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            "owner": "buyer",
            "actions": f"{due} Second warehouse",
        },
    )
    assert response.status_code == 302
    plan = RectificationPlan.objects.get()
    detail = browser(buyer).get(reverse("suppliers:plan-detail", args=[plan.pk])).content.decode()
    assert "Second warehouse" in detail
    assert "Complete the plan" in detail
    assert (
        "Complete the plan"
        not in browser(security_reader).get(reverse("suppliers:plan-detail", args=[plan.pk])).content.decode()
    )

    action = plan.actions.get()
    browser(buyer).post(reverse("suppliers:plan-action-complete", args=[action.pk]), {"note": "Opened"})
    browser(buyer).post(reverse("suppliers:plan-complete", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    listed = browser(buyer).get(reverse("suppliers:plan-list"), {"status": "completed"}).content.decode()
    assert "Fix delivery" in listed
    assert (
        "Fix delivery"
        not in browser(buyer).get(reverse("suppliers:plan-list"), {"overdue": "yes"}).content.decode()
    )


def test_overdue_plans_are_filtered(make_supplier: Any, buyer: Person) -> None:
    supplier = make_supplier(status=SupplierStatus.SUSPENDED)
    plan = rectification.create_plan(supplier, by=buyer, title="Late plan", due_on=TODAY, owner=buyer)
    RectificationPlan.objects.filter(pk=plan.pk).update(due_on=TODAY - dt.timedelta(days=1))
    page = browser(buyer).get(reverse("suppliers:plan-list"), {"overdue": "yes"}).content.decode()
    assert "Late plan" in page
    assert "Overdue" in page


def test_the_policy_page_is_changed_by_a_group_procurement_officer_only(
    approver: Person, buyer: Person, outsider: Person
) -> None:
    url = reverse("suppliers:policy")
    form = {
        "excellent_from": "92",
        "good_from": "80",
        "acceptable_from": "65",
        "downgrade_below": "good",
        "document_reminder_days": "60, 14",
        "screening_threshold": "88",
        "reason": "Board decision",
    }
    assert browser(buyer).post(url, form).status_code == 404
    assert browser(outsider).post(url, form).status_code == 404
    bad = browser(approver).post(url, {**form, "good_from": "95"})
    assert bad.status_code == 400
    assert "must descend" in bad.content.decode()
    assert browser(approver).post(url, form).status_code == 302
    policy = SupplierPolicy.objects.get()
    assert (policy.good_from, policy.downgrade_below, policy.document_reminder_days) == (80, "good", [60, 14])
    read_only = browser(buyer).get(url).content.decode()
    assert "60, 14" in read_only
    assert 'name="good_from"' not in read_only
