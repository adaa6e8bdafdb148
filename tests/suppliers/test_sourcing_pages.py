"""The sourcing pages: the event list and its export, the event form, an event's page as
the buyer, an undeclared evaluator, a reader and an outsider see it, the invitation form
refusing a blacklisted supplier, the declaration, the score sheet, shortlist and award,
purchase orders, and the supplier page's sourcing panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.suppliers.models import (
    Invitation,
    OrderStatus,
    PurchaseOrder,
    SourcingEvent,
    SourcingStatus,
    StepKind,
    SupplierStatus,
)
from garrison.suppliers.services import evaluation, orders, sourcing
from garrison.suppliers.views.sourcing import sourcing_panel
from tests.conftest import Organisation
from tests.suppliers.sourcing_support import *  # noqa: F403
from tests.suppliers.sourcing_support import draft, end_publicity, in_evaluation, score_all, soon

pytestmark = pytest.mark.django_db

LIST = reverse("suppliers:event-list")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_list_filters_searches_and_exports(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    draft(buyer, organisation.beijing, title="Cooling units")
    opened = draft(buyer, organisation.beijing, title="Diesel generators")
    sourcing.invite_supplier(opened, make_supplier(), by=buyer)
    sourcing.open_event(opened, by=buyer)
    client = browser(buyer)
    page = client.get(LIST, {"status": "open"})
    assert [row.object.title for row in page.context["rows"]] == ["Diesel generators"]
    assert page.context["create_url"] == reverse("suppliers:event-create")
    assert [row.object.title for row in client.get(LIST, {"q": "cooling"}).context["rows"]] == [
        "Cooling units"
    ]
    assert "No sourcing events match" in client.get(LIST, {"q": "nothing"}).content.decode()
    exported = client.get(LIST, {"export": "csv"})
    text = b"".join(exported.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert "Cooling units" in text
    assert "Reason for the award" in text


def test_the_buyer_drafts_and_edits_an_event_through_the_form(
    organisation: Organisation, buyer: Person
) -> None:
    client = browser(buyer)
    data = {
        "title": "Firewalls",
        "kind": "rfq",
        "unit": organisation.beijing.pk,
        "bid_deadline": soon().strftime("%Y-%m-%dT%H:%M"),
    }
    created = client.post(reverse("suppliers:event-create"), data)
    event = SourcingEvent.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse("suppliers:event-detail", args=[event.pk])
    bad = client.post(reverse("suppliers:event-create"), {**data, "bid_deadline": "2020-01-01T09:00"})
    assert bad.status_code == 400
    assert "The bid deadline must be in the future." in bad.content.decode()
    edited = client.post(
        reverse("suppliers:event-edit", args=[event.pk]), {**data, "title": "Next-gen firewalls"}
    )
    assert edited.status_code == 302
    event.refresh_from_db()
    assert event.title == "Next-gen firewalls"
    assert SourcingEvent.objects.count() == 1


def test_inviting_a_blacklisted_supplier_on_the_page_shows_why_and_saves_nothing(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    blacklisted = make_supplier(name="黑名单科技有限公司", status=SupplierStatus.BLACKLISTED)
    event = draft(buyer, organisation.beijing)
    client = browser(buyer)
    url = reverse("suppliers:event-invite", args=[event.pk])
    form = client.get(url)
    assert blacklisted.reference in form.content.decode()
    refused = client.post(url, {"supplier": blacklisted.reference})
    assert refused.status_code == 400
    assert "黑名单科技有限公司 is blacklisted and may not be invited to sourcing." in refused.content.decode()
    assert not Invitation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, object_id=str(event.pk)).exists()
    page = client.get(reverse("suppliers:event-detail", args=[event.pk]))
    assert "Refused: invite 黑名单科技有限公司" in page.content.decode()
    qualified = make_supplier()
    assert client.post(url, {"supplier": qualified.reference}).status_code == 302
    assert Invitation.objects.get().supplier == qualified


def test_an_undeclared_evaluator_is_refused_the_bids_until_signing_on_the_page(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    event = in_evaluation(buyer, organisation.beijing, [make_supplier()])
    evaluation.add_evaluator(event, evaluator_person, by=buyer)
    client = browser(evaluator_person)
    page = client.get(reverse("suppliers:event-detail", args=[event.pk])).content.decode()
    assert "Sign the conflict-of-interest declaration before you see the bids." in page
    assert "1000.00" not in page
    bids_url = reverse("suppliers:event-bids", args=[event.pk])
    refused = client.get(bids_url)
    assert refused.status_code == 403
    assert "Sign the conflict-of-interest declaration before you see the bids." in refused.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, actor=evaluator_person).count() == 1
    declaration = reverse("suppliers:event-declaration", args=[event.pk])
    assert client.post(declaration, {"declaration": "conflict"}).status_code == 400
    assert client.post(declaration, {"declaration": "none"}).status_code == 302
    shown = client.get(bids_url)
    assert shown.status_code == 200
    assert "1000.00" in shown.content.decode()


def test_the_evaluation_runs_to_the_award_through_the_pages(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    first, second = make_supplier(), make_supplier()
    event = in_evaluation(buyer, organisation.beijing, [first, second])
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    sheet = reverse("suppliers:event-scores", args=[event.pk])
    judge = browser(evaluator_person)
    form = judge.get(sheet).context["form"]
    data = {name: "80" for name in form.fields}
    bad = judge.post(sheet, {**data, next(iter(data)): "120"})
    assert bad.status_code == 400
    assert judge.post(sheet, data).status_code == 302
    assert event.steps.filter(kind=StepKind.SCORED, actor=evaluator_person).count() == 1
    client = browser(buyer)
    detail = client.get(reverse("suppliers:event-detail", args=[event.pk]))
    assert detail.context["may_shortlist"] is True
    assert "Weighted total" in detail.content.decode()
    bids = list(event.bids.values_list("pk", flat=True))
    shortlisted = client.post(
        reverse("suppliers:event-shortlist", args=[event.pk]), {"bids": bids, "publicity_days": "3"}
    )
    assert shortlisted.status_code == 302
    end_publicity(event)
    award = reverse("suppliers:event-award", args=[event.pk])
    assert client.post(award, {"supplier": first.pk, "reason": ""}).status_code == 400
    assert client.post(award, {"supplier": first.pk, "reason": "Earliest delivery"}).status_code == 302
    event.refresh_from_db()
    assert (event.status, event.awarded_supplier) == (SourcingStatus.AWARDED, first)


def test_cancelling_needs_a_reason(organisation: Organisation, buyer: Person) -> None:
    event = draft(buyer, organisation.beijing)
    client = browser(buyer)
    url = reverse("suppliers:event-step", args=[event.pk, "cancel"])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Budget withdrawn"}).status_code == 302
    event.refresh_from_db()
    assert event.status == SourcingStatus.CANCELLED


def test_a_reader_sees_the_event_but_changes_nothing_and_an_outsider_sees_nothing(
    organisation: Organisation, buyer: Person, security_reader: Person, outsider: Person, make_supplier: Any
) -> None:
    event = in_evaluation(buyer, organisation.beijing, [make_supplier()])
    detail = reverse("suppliers:event-detail", args=[event.pk])
    reader = browser(security_reader)
    page = reader.get(detail)
    assert page.status_code == 200
    assert page.context["edit_url"] is None
    assert page.context["bids"] == []
    assert reader.get(reverse("suppliers:event-bids", args=[event.pk])).status_code == 403
    for name in ("event-edit", "event-invite", "criterion-create", "evaluator-create"):
        assert reader.get(reverse(f"suppliers:{name}", args=[event.pk])).status_code == 404
    assert reader.get(reverse("suppliers:event-create")).status_code == 404
    stranger = browser(outsider)
    assert stranger.get(detail).status_code == 404
    assert stranger.get(reverse("suppliers:event-history", args=[event.pk])).status_code == 404
    assert [row.object for row in stranger.get(LIST).context["rows"]] == []


def test_orders_are_placed_listed_and_refused_for_an_unqualified_supplier(
    organisation: Organisation, buyer: Person, security_reader: Person, make_supplier: Any
) -> None:
    unqualified = make_supplier(status=SupplierStatus.UNQUALIFIED)
    qualified = make_supplier()
    client = browser(buyer)
    url = reverse("suppliers:order-create")
    data = {"title": "Spare fans", "amount_cny": "800"}
    refused = client.post(url, {**data, "supplier": unqualified.reference})
    assert refused.status_code == 400
    assert "may not receive new orders" in refused.content.decode()
    assert client.post(url, {**data, "supplier": qualified.reference}).status_code == 302
    order = PurchaseOrder.objects.get()
    assert client.get(reverse("suppliers:order-list")).context["rows"][0].object == order
    assert client.get(reverse("suppliers:order-detail", args=[order.pk])).context["may_finish"] is True
    assert (
        browser(security_reader)
        .get(reverse("suppliers:order-finish", args=[order.pk, "deliver"]))
        .status_code
        == 404
    )
    assert client.post(reverse("suppliers:order-finish", args=[order.pk, "deliver"]), {}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_the_sourcing_panel_shows_the_suppliers_participation(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    event = in_evaluation(buyer, organisation.beijing, [supplier])
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    score_all(event, evaluator_person, {supplier.pk: 70})
    sourcing.announce_shortlist(event, by=buyer, bids=list(event.bids.all()))
    end_publicity(event)
    sourcing.award(event, supplier, by=buyer, reason="Sole bidder")
    orders.place_order(supplier, by=buyer, title="Servers", amount_cny=1000, event=event)
    request = RequestFactory().get("/")
    request.user = buyer
    context = sourcing_panel(request, supplier)
    assert [item.event for item in context["invitations"]] == [event]
    assert len(context["bids"]) == 1
    assert context["awards"] == [event]
    html = render_to_string("suppliers/_sourcing_panel.html", context, request=request)
    assert event.reference in html
    assert "PO-" in html
    request.user = evaluator_person
    assert sourcing_panel(request, supplier)["bids"] != []
