"""Web pages of sourcing: the event list, an event's page (criteria, invitations, bids,
evaluators and declarations, the evaluation matrix, the timeline, the history), the forms
of each step, the bids page, purchase orders, and the supplier page's sourcing panel.

Thin: events are found through scoping (out of reach answers 404 like missing), bids are
shown only as `evaluation.bid_view_refusal` allows, and every write goes through
garrison.suppliers.services.sourcing, .evaluation and .orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import exports
from garrison.core.models import Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.core.services import files as file_services
from garrison.suppliers.filtersets_sourcing import PurchaseOrderListFilter, SourcingEventListFilter
from garrison.suppliers.forms_sourcing import (
    SUPPLIER_OPTIONS_ID,
    AwardForm,
    BidForm,
    CriterionForm,
    DeclarationForm,
    EvaluatorForm,
    InviteForm,
    OrderForm,
    ScoreForm,
    ShortlistForm,
    SourcingEventForm,
    StepForm,
)
from garrison.suppliers.gates import gates_for
from garrison.suppliers.models import (
    EvaluationCriterion,
    Evaluator,
    Invitation,
    OrderStatus,
    PurchaseOrder,
    SourcingEvent,
    SourcingStatus,
    Supplier,
)
from garrison.suppliers.panels import register_panel
from garrison.suppliers.services import evaluation as evaluation_services
from garrison.suppliers.services import orders as order_services
from garrison.suppliers.services import sourcing as services
from garrison.suppliers.tables_sourcing import (
    EVENT_COLUMNS,
    EVENT_EXPORT_COLUMNS,
    EVENT_QUERYSET,
    ORDER_COLUMNS,
    ORDER_EXPORT_COLUMNS,
    ORDER_QUERYSET,
)
from garrison.suppliers.workflows_sourcing import SourcingWorkflow
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.history import history_for
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

FORM_TEMPLATE = "suppliers/sourcing_form.html"
# A datalist of thousands of suppliers would not load: the invitation page offers this
# many, of the event's category first, and accepts any reference typed.
SUPPLIER_OPTIONS_LIMIT = 300
# Steps taken from a button (with a reason when needed); shortlist and award have their forms.
BUTTON_STEPS = ("open", "close_bidding", "cancel")


def _event(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> SourcingEvent:
    return get_object_or_404(restrict(EVENT_QUERYSET.all(), request.user, action), pk=pk)


def _own_evaluator(event: SourcingEvent, person: Any) -> Evaluator | None:
    """The viewer's place among the event's evaluators, if they are one."""
    if not isinstance(person, Person):
        return None
    return event.evaluators.filter(person=person).first()


def _event_url(event: SourcingEvent, section: str = "") -> str:
    url = reverse("suppliers:event-detail", args=[event.pk])
    return f"{url}#{section}" if section else url


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one), None on a GET."""
    return request.POST if request.method == "POST" else None


def _form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    title: str,
    cancel_url: str,
    submit_label: str = "",
    intro: str = "",
    **extra: Any,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "cancel_url": cancel_url,
        "submit_label": submit_label,
        "intro": intro,
        **extra,
    }
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


def _write(form: forms.BaseForm, write: Callable[[], Any]) -> bool:
    """Call the service; its refusals go onto the form. True when it saved."""
    try:
        write()
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    return True


# The event list ------------------------------------------------------------------------------------


class SourcingEventListView(ObjectListView):
    """Sourcing events, newest first."""

    model = SourcingEvent
    queryset = EVENT_QUERYSET
    filterset_class = SourcingEventListFilter
    columns = EVENT_COLUMNS
    search_fields = ("reference", "title", "description")
    default_ordering = ("-created_at",)
    title = gettext_lazy("Sourcing events")
    empty_message = gettext_lazy("No sourcing events match these filters.")
    create_url_name = "suppliers:event-create"
    create_label = gettext_lazy("Start a sourcing event")
    export_name = "sourcing-events"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", ""):
            self.columns = EVENT_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


# An event's page -----------------------------------------------------------------------------------


def _blockers(event: SourcingEvent, person: Any) -> list[tuple[str, str]]:
    """What each next step of the workflow still waits for, for the buyer to read."""
    blockers = []
    for transition in SourcingWorkflow.transitions_from(event.status):
        if transition.name == "cancel" or transition.guard is None:
            continue
        message = transition.guard(event, person)
        if isinstance(message, str) and message:
            blockers.append((transition.display, message))
    return blockers


def _matrix_rows(matrix: evaluation_services.EvaluationMatrix) -> list[dict[str, Any]]:
    """The matrix as the template walks it: per bid, each criterion's scores by evaluator,
    then each evaluator's weighted total and the bid's total and rank."""
    return [
        {
            "row": row,
            "cells": matrix.cells(row),
            "evaluator_totals": [row.evaluator_totals.get(evaluator.pk) for evaluator in matrix.evaluators],
        }
        for row in matrix.rows
    ]


@dataclass(frozen=True)
class SupplierColumn(ListColumn):
    """A supplier's name linked to its page (when the supplier pages are installed)."""

    def url(self, obj: Any) -> str | None:
        supplier_id = exports.Column("", self.link_arg).value(obj)
        return object_url("suppliers.supplier", supplier_id) if supplier_id else None


class SourcingEventDetailView(ObjectDetailView):
    """An event's page: details and steps, then criteria, invitations, evaluators and
    declarations, bids (as the viewer may see them), the evaluation matrix and the timeline."""

    model = SourcingEvent
    queryset = EVENT_QUERYSET
    fields = (
        ListColumn(gettext_lazy("kind"), "get_kind_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("category"), "category"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("buyer"), "buyer.full_name", link="core:person-detail", link_arg="buyer_id"),
        ListColumn(gettext_lazy("owning unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("estimated value (CNY)"), "estimated_value_cny"),
        ListColumn(gettext_lazy("bids due"), "bid_deadline"),
        ListColumn(gettext_lazy("publicity ends"), "publicity_ends_at"),
        SupplierColumn(
            gettext_lazy("awarded to"), "awarded_supplier.display_name", link_arg="awarded_supplier_id"
        ),
        ListColumn(gettext_lazy("awarded at"), "awarded_at"),
        ListColumn(gettext_lazy("reason for the award"), "award_reason"),
    )
    edit_url_name = "suppliers:event-edit"
    list_url_name = "suppliers:event-list"
    template_name = "suppliers/sourcing_event_detail.html"

    def get_extra_context(self, obj: SourcingEvent) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        mine = _own_evaluator(obj, person)
        refusal = evaluation_services.bid_view_refusal(obj, person)
        bids = evaluation_services.bids_visible_to(obj, person).select_related("supplier", "attachment")
        matrix = None
        if refusal is None and obj.status not in (SourcingStatus.DRAFT, SourcingStatus.OPEN):
            matrix = evaluation_services.evaluation_matrix(obj, bids)
        transitions = SourcingWorkflow.allowed_transitions(obj, person) if may_change else []
        return {
            "event": obj,
            "can_change": may_change,
            "is_draft": obj.status == SourcingStatus.DRAFT,
            "may_invite": may_change and obj.status in services.INVITING_STATUSES,
            "may_record_bid": may_change and obj.status == SourcingStatus.OPEN,
            "may_add_evaluator": may_change and obj.status in evaluation_services.EVALUATOR_STATUSES,
            "button_steps": [transition for transition in transitions if transition.name in BUTTON_STEPS],
            "may_shortlist": any(transition.name == "shortlist" for transition in transitions),
            "may_award": any(transition.name == "award" for transition in transitions),
            "blockers": _blockers(obj, person) if may_change else [],
            "criteria": list(obj.criteria.all()),
            "invitations": list(obj.invitations.select_related("supplier", "invited_by")),
            "evaluators": list(obj.evaluators.select_related("person")),
            "my_evaluator": mine,
            "bid_refusal": refusal,
            "bids": list(bids) if refusal is None else [],
            "matrix": matrix,
            "matrix_rows": _matrix_rows(matrix) if matrix is not None else [],
            "may_score": bool(
                mine is not None and mine.may_see_bids and obj.status == SourcingStatus.EVALUATION
            ),
            "steps": list(obj.steps.select_related("actor")),
        }


@login_required
def event_history(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    context = {
        "event": event,
        "title": _("History of %(event)s") % {"event": event},
        "history": history_for(event, request.user, limit=1000),
    }
    return render(request, "suppliers/sourcing_history.html", context)


@login_required
def event_bids(request: HttpRequest, pk: int) -> HttpResponse:
    """The bids of an event; a person who may not see them is answered 403 with the
    reason, and the refusal is recorded in the audit trail."""
    event = _event(request, pk)
    try:
        evaluation_services.ensure_bids_visible(event, request.user)
    except PermissionDenied as refusal:
        mine = _own_evaluator(event, request.user)
        context = {
            "event": event,
            "title": _("Bids of %(event)s") % {"event": event.reference},
            "refusal": str(refusal),
            "may_declare": mine is not None and mine.declared_at is None,
        }
        return render(request, "suppliers/sourcing_bids.html", context, status=403)
    bids = evaluation_services.bids_visible_to(event, request.user).select_related(
        "supplier", "attachment", "recorded_by"
    )
    context = {
        "event": event,
        "title": _("Bids of %(event)s") % {"event": event.reference},
        "bids": list(bids.order_by("rank", "submitted_at", "pk")),
    }
    return render(request, "suppliers/sourcing_bids.html", context)


@login_required
def bid_file(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponseBase:
    """A bid's file, for those who may see the event's bids (a refusal is recorded)."""
    event = _event(request, pk)
    evaluation_services.ensure_bids_visible(event, request.user)
    bid = get_object_or_404(
        evaluation_services.bids_visible_to(event, request.user).select_related("attachment"), pk=bid_pk
    )
    if bid.attachment is None:
        raise Http404
    try:
        content = file_services.open_file(bid.attachment)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        content,
        as_attachment=True,
        filename=bid.attachment.filename,
        content_type=bid.attachment.content_type or "application/octet-stream",
    )


# Create and edit -----------------------------------------------------------------------------------


class SourcingEventCreateView(ObjectFormView):
    model = SourcingEvent
    form_class = SourcingEventForm
    is_create = True
    title = gettext_lazy("Start a sourcing event")
    template_name = FORM_TEMPLATE
    cancel_url_name = "suppliers:event-list"

    def save(self, form: forms.BaseForm, obj: None) -> SourcingEvent:
        return services.create_event(by=self.request.user, **form.cleaned_data)


class SourcingEventUpdateView(ObjectFormView):
    model = SourcingEvent
    queryset = EVENT_QUERYSET
    form_class = SourcingEventForm
    template_name = FORM_TEMPLATE

    def save(self, form: forms.BaseForm, obj: SourcingEvent) -> SourcingEvent:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_event(obj, by=self.request.user, reason=reason, **fields)


# Criteria, invitations, bids, evaluators -----------------------------------------------------------


@login_required
def criterion_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    form = CriterionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _write(
            form,
            lambda: services.add_criterion(event, by=request.user, name=data["name"], weight=data["weight"]),
        ):
            messages.success(request, _("The criterion is added."))
            return redirect(_event_url(event, "criteria"))
    return _form_page(
        request,
        form,
        title=_("Add a criterion to %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event, "criteria"),
    )


@login_required
def criterion_remove(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    criterion = get_object_or_404(EvaluationCriterion, event=event, pk=criterion_pk)
    if request.method != "POST":
        raise Http404
    try:
        services.remove_criterion(criterion, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The criterion is removed."))
    return redirect(_event_url(event, "criteria"))


def _supplier_options(event: SourcingEvent, person: Any) -> list[Supplier]:
    suppliers = restrict(Supplier.objects.all(), person, Action.VIEW).exclude(invitations__event=event)
    if event.category_id:
        suppliers = suppliers.filter(categories=event.category_id)
    return list(suppliers.order_by("reference")[:SUPPLIER_OPTIONS_LIMIT])


@login_required
def event_invite(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Invite a supplier; one whose status closes the gate is refused with the reason."""
    event = _event(request, pk, Action.CHANGE)
    form = InviteForm(_posted(request), person=request.user)
    if request.method == "POST" and form.is_valid():
        supplier = form.cleaned_data["supplier"]
        reason = form.cleaned_data["reason"]
        if _write(form, lambda: services.invite_supplier(event, supplier, by=request.user, reason=reason)):
            messages.success(request, _("%(supplier)s is invited.") % {"supplier": supplier.display_name})
            return redirect(_event_url(event, "invitations"))
    return _form_page(
        request,
        form,
        title=_("Invite a supplier to %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event, "invitations"),
        submit_label=_("Invite"),
        intro=_(
            "Qualified, prospective and rectifying suppliers may be invited; unqualified, suspended and "
            "blacklisted ones are refused."
        ),
        supplier_options=_supplier_options(event, request.user),
        supplier_options_id=SUPPLIER_OPTIONS_ID,
    )


@login_required
def bid_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    form = BidForm(_posted(request), request.FILES if request.method == "POST" else None, event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> Any:
            return services.record_bid(
                event,
                data["supplier"],
                by=request.user,
                price_cny=data["price_cny"],
                delivery_days=data["delivery_days"],
                terms=data["terms"],
                file=data["file"],
            )

        if _write(form, write):
            messages.success(request, _("The bid is recorded."))
            return redirect(_event_url(event, "bids"))
    return _form_page(
        request,
        form,
        title=_("Record a bid for %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event, "bids"),
    )


@login_required
def evaluator_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    form = EvaluatorForm(_posted(request), person=request.user)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        if _write(form, lambda: evaluation_services.add_evaluator(event, person, by=request.user)):
            messages.success(request, _("%(name)s is an evaluator.") % {"name": person.full_name})
            return redirect(_event_url(event, "evaluators"))
    return _form_page(
        request,
        form,
        title=_("Add an evaluator to %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event, "evaluators"),
        intro=_("Evaluators see the bids only after signing the conflict-of-interest declaration."),
    )


@login_required
def evaluator_remove(request: HttpRequest, pk: int, evaluator_pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    evaluator = get_object_or_404(Evaluator.objects.select_related("person"), event=event, pk=evaluator_pk)
    if request.method != "POST":
        raise Http404
    try:
        evaluation_services.remove_evaluator(evaluator, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is no longer an evaluator.") % {"name": evaluator.person.full_name}
        )
    return redirect(_event_url(event, "evaluators"))


@login_required
def event_declaration(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The viewer's own conflict-of-interest declaration for the event."""
    event = _event(request, pk)
    evaluator = _own_evaluator(event, request.user)
    if evaluator is None:
        raise Http404
    form = DeclarationForm(_posted(request))
    if request.method == "POST" and form.is_valid():

        def write() -> Any:
            return evaluation_services.sign_declaration(
                evaluator,
                by=request.user,
                has_conflict=form.has_conflict,
                details=form.cleaned_data["details"],
            )

        if _write(form, write):
            messages.success(request, _("Your declaration is signed."))
            return redirect(_event_url(event, "bids"))
    invited = ", ".join(
        invitation.supplier.display_name for invitation in event.invitations.select_related("supplier")
    )
    return _form_page(
        request,
        form,
        title=_("Conflict-of-interest declaration for %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event, "evaluators"),
        submit_label=_("Sign the declaration"),
        intro=_(
            "Invited suppliers: %(suppliers)s. You see the bids once you declare no conflict of interest; "
            "declaring a conflict recuses you from this event. The declaration cannot be changed."
        )
        % {"suppliers": invited or _("none yet")},
    )


@login_required
def event_scores(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The current evaluator's score sheet: every bid on every criterion, 0 to 100."""
    event = _event(request, pk)
    evaluator = _own_evaluator(event, request.user)
    if evaluator is None:
        raise Http404
    try:
        evaluation_services.ensure_bids_visible(event, request.user)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return redirect(_event_url(event, "bids"))
    matrix = evaluation_services.evaluation_matrix(
        event, evaluation_services.bids_visible_to(event, request.user)
    )
    form = ScoreForm(_posted(request), matrix=matrix, evaluator_id=evaluator.pk)
    if request.method == "POST" and form.is_valid():
        entries = [
            evaluation_services.ScoreEntry(bid, criterion, score) for bid, criterion, score in form.entries()
        ]
        if _write(form, lambda: evaluation_services.score_bids(event, by=request.user, entries=entries)):
            messages.success(request, _("Your scores are recorded."))
            return redirect(_event_url(event, "matrix"))
    context = {
        "event": event,
        "form": form,
        "criteria": matrix.criteria,
        "title": _("Score the bids of %(event)s") % {"event": event.reference},
        "cancel_url": _event_url(event, "matrix"),
    }
    return render(request, "suppliers/sourcing_scores.html", context, status=400 if form.errors else 200)


# Workflow steps ------------------------------------------------------------------------------------


STEP_HELP = {
    "close_bidding": gettext_lazy("Needed when you close bidding before the deadline."),
    "cancel": gettext_lazy("Kept on the timeline and in the audit trail."),
}


@login_required
def event_step(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """Open, close bidding or cancel: a button posts here; a reason is asked when needed."""
    if name not in BUTTON_STEPS:
        raise Http404
    event = _event(request, pk, Action.CHANGE)
    transition = SourcingWorkflow.transition_named(name)
    service = services.TRANSITION_SERVICES[name]
    requires_reason = transition.requires_reason
    form = StepForm(_posted(request), requires_reason=requires_reason, help_text=STEP_HELP.get(name, ""))
    if (
        request.method == "POST"
        and form.is_valid()
        and _write(form, lambda: service(event, by=request.user, reason=form.cleaned_data["reason"]))
    ):
        event.refresh_from_db()
        messages.success(
            request,
            _("%(event)s is now: %(status)s.")
            % {"event": event.reference, "status": event.get_status_display()},
        )
        return redirect(_event_url(event))
    return _form_page(
        request,
        form,
        title=_("%(step)s: %(event)s") % {"step": transition.display, "event": event},
        cancel_url=_event_url(event),
        submit_label=transition.display,
    )


@login_required
def event_shortlist(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    matrix = evaluation_services.evaluation_matrix(event)
    form = ShortlistForm(_posted(request), event=event, matrix=matrix)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> Any:
            return services.announce_shortlist(
                event,
                by=request.user,
                bids=list(data["bids"]),
                publicity_days=data["publicity_days"],
                reason=data["reason"],
            )

        if _write(form, write):
            messages.success(request, _("The shortlist is announced."))
            return redirect(_event_url(event))
    return _form_page(
        request,
        form,
        title=_("Announce the shortlist of %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event, "matrix"),
        submit_label=_("Announce the shortlist"),
        intro=_(
            "The bids are ranked by weighted score; the event can be awarded after the publicity period."
        ),
    )


@login_required
def event_award(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk, Action.CHANGE)
    form = AwardForm(_posted(request), event=event)
    if request.method == "POST" and form.is_valid():
        supplier = form.cleaned_data["supplier"]
        reason = form.cleaned_data["reason"]
        if _write(form, lambda: services.award(event, supplier, by=request.user, reason=reason)):
            messages.success(request, _("Awarded to %(supplier)s.") % {"supplier": supplier.display_name})
            return redirect(_event_url(event))
    return _form_page(
        request,
        form,
        title=_("Award %(event)s") % {"event": event.reference},
        cancel_url=_event_url(event),
        submit_label=_("Award"),
        intro=_("Only a shortlisted supplier whose status allows an award can be chosen."),
    )


# Purchase orders -----------------------------------------------------------------------------------


class PurchaseOrderListView(ObjectListView):
    model = PurchaseOrder
    queryset = ORDER_QUERYSET
    filterset_class = PurchaseOrderListFilter
    columns = ORDER_COLUMNS
    search_fields = ("reference", "title", "supplier__name", "supplier__name_en")
    default_ordering = ("-placed_at",)
    title = gettext_lazy("Purchase orders")
    empty_message = gettext_lazy("No purchase orders match these filters.")
    create_url_name = "suppliers:order-create"
    create_label = gettext_lazy("Place an order")
    export_name = "purchase-orders"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", ""):
            self.columns = ORDER_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


class PurchaseOrderDetailView(ObjectDetailView):
    model = PurchaseOrder
    queryset = ORDER_QUERYSET
    fields = (
        SupplierColumn(gettext_lazy("supplier"), "supplier", link_arg="supplier_id"),
        ListColumn(gettext_lazy("amount (CNY)"), "amount_cny"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(
            gettext_lazy("sourcing event"), "event", link="suppliers:event-detail", link_arg="event_id"
        ),
        ListColumn(gettext_lazy("owning unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("placed by"), "placed_by.full_name"),
        ListColumn(gettext_lazy("placed at"), "placed_at"),
    )
    list_url_name = "suppliers:order-list"
    template_name = "suppliers/sourcing_order_detail.html"

    def get_extra_context(self, obj: PurchaseOrder) -> dict[str, Any]:
        return {"may_finish": obj.status == OrderStatus.PLACED and can(self.request.user, Action.CHANGE, obj)}


class PurchaseOrderCreateView(ObjectFormView):
    model = PurchaseOrder
    form_class = OrderForm
    is_create = True
    title = gettext_lazy("Place an order")
    template_name = FORM_TEMPLATE
    cancel_url_name = "suppliers:order-list"

    def get_form(self, obj: Any, data: Any = None) -> forms.BaseForm:
        return OrderForm(data, initial=self.get_initial(), person=self.request.user)

    def get_initial(self) -> dict[str, Any]:
        return {
            "supplier": self.request.GET.get("supplier", "")[:40],
            "event": self.request.GET.get("event", "")[:18],
        }

    def save(self, form: forms.BaseForm, obj: None) -> PurchaseOrder:
        fields, reason = split_reason(form.cleaned_data)
        supplier = fields.pop("supplier")
        return order_services.place_order(supplier, by=self.request.user, reason=reason, **fields)


def _order(request: HttpRequest, pk: int) -> PurchaseOrder:
    return get_object_or_404(restrict(ORDER_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)


@login_required
def order_finish(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """Record an order delivered, or cancel it with a reason."""
    if name not in ("deliver", "cancel"):
        raise Http404
    order = _order(request, pk)
    cancelling = name == "cancel"
    form = StepForm(_posted(request), requires_reason=cancelling)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        service = order_services.cancel_order if cancelling else order_services.mark_delivered
        if _write(form, lambda: service(order, by=request.user, reason=reason)):
            messages.success(request, _("Saved."))
            return redirect("suppliers:order-detail", pk=order.pk)
    return _form_page(
        request,
        form,
        title=(_("Cancel %(order)s") if cancelling else _("Record %(order)s delivered")) % {"order": order},
        cancel_url=reverse("suppliers:order-detail", args=[order.pk]),
        submit_label=_("Cancel the order") if cancelling else _("Delivered"),
    )


# The supplier page's panel -------------------------------------------------------------------------


def sourcing_panel(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """The supplier's sourcing participation: invitations, bids, awards and orders."""
    person = request.user
    invitations = restrict(Invitation.objects.filter(supplier=supplier), person, Action.VIEW).select_related(
        "event"
    )
    bids = evaluation_services.visible_bids(person).filter(supplier=supplier).select_related("event")
    awards = restrict(SourcingEvent.objects.filter(awarded_supplier=supplier), person, Action.VIEW)
    orders: models.QuerySet[PurchaseOrder] = restrict(
        PurchaseOrder.objects.filter(supplier=supplier), person, Action.VIEW
    )
    gates = gates_for(supplier.status)
    return {
        "supplier": supplier,
        "gates": gates,
        "invitations": list(invitations.order_by("-invited_at")[:20]),
        "bids": list(bids.order_by("-submitted_at")[:20]),
        "awards": list(awards.order_by("-awarded_at")[:20]),
        "orders": list(orders.order_by("-placed_at")[:20]),
        "may_order": gates.may_receive_orders and has_grant(person, Domain.SUPPLIERS, Action.ADD),
    }


register_panel("sourcing", order=60, template="suppliers/_sourcing_panel.html", context=sourcing_panel)


urlpatterns: list[URLPattern] = [
    path("sourcing/", SourcingEventListView.as_view(), name="event-list"),
    path("sourcing/new/", SourcingEventCreateView.as_view(), name="event-create"),
    path("sourcing/<int:pk>/", SourcingEventDetailView.as_view(), name="event-detail"),
    path("sourcing/<int:pk>/edit/", SourcingEventUpdateView.as_view(), name="event-edit"),
    path("sourcing/<int:pk>/history/", event_history, name="event-history"),
    path("sourcing/<int:pk>/bids/", event_bids, name="event-bids"),
    path("sourcing/<int:pk>/bids/new/", bid_add, name="bid-create"),
    path("sourcing/<int:pk>/bids/<int:bid_pk>/file/", bid_file, name="bid-file"),
    path("sourcing/<int:pk>/criteria/new/", criterion_add, name="criterion-create"),
    path("sourcing/<int:pk>/criteria/<int:criterion_pk>/remove/", criterion_remove, name="criterion-remove"),
    path("sourcing/<int:pk>/invite/", event_invite, name="event-invite"),
    path("sourcing/<int:pk>/evaluators/new/", evaluator_add, name="evaluator-create"),
    path(
        "sourcing/<int:pk>/evaluators/<int:evaluator_pk>/remove/", evaluator_remove, name="evaluator-remove"
    ),
    path("sourcing/<int:pk>/declaration/", event_declaration, name="event-declaration"),
    path("sourcing/<int:pk>/scores/", event_scores, name="event-scores"),
    path("sourcing/<int:pk>/shortlist/", event_shortlist, name="event-shortlist"),
    path("sourcing/<int:pk>/award/", event_award, name="event-award"),
    path("sourcing/<int:pk>/step/<slug:name>/", event_step, name="event-step"),
    path("orders/", PurchaseOrderListView.as_view(), name="order-list"),
    path("orders/new/", PurchaseOrderCreateView.as_view(), name="order-create"),
    path("orders/<int:pk>/", PurchaseOrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/<slug:name>/", order_finish, name="order-finish"),
]
