"""Pages of supplier classification: status changes (list, "awaiting my approval",
proposing from a supplier, deciding, withdrawing), rectification plans (list, page,
creating from a supplier, actions and follow-up, completing, cancelling), the supplier
policy, and the classification panel of the supplier page.

Thin: rows are found through scoping (out of reach answers 404 like missing) and every
write goes through garrison.suppliers.services.classification and .rectification.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, restrict
from garrison.suppliers.filtersets_classification import PlanFilter, StatusChangeFilter, awaiting_approval_by
from garrison.suppliers.forms_classification import (
    ActionForm,
    CancelPlanForm,
    CompleteActionForm,
    DecideForm,
    PlanForm,
    PolicyForm,
    ProposeStatusForm,
)
from garrison.suppliers.gates import gates_for
from garrison.suppliers.models import (
    ActionStatus,
    PlanStatus,
    RectificationAction,
    RectificationPlan,
    StatusChange,
    StatusChangeState,
    Supplier,
)
from garrison.suppliers.panels import register_panel
from garrison.suppliers.services import classification as services
from garrison.suppliers.services import rectification as plans
from garrison.suppliers.tables_classification import (
    PLAN_COLUMNS,
    PLAN_QUERYSET,
    STATUS_CHANGE_COLUMNS,
    STATUS_CHANGE_QUERYSET,
)
from garrison.web.details import ObjectDetailView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

FORM_TEMPLATE = "incidents/incident_form.html"
PANEL_HISTORY_LENGTH = 10


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _supplier(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Supplier:
    queryset = Supplier.objects.select_related("unit")
    return get_object_or_404(restrict(queryset, request.user, action), pk=pk)


def supplier_url(supplier_id: int, anchor: str = "classification") -> str:
    """The supplier's page at the classification panel, or the status changes while the
    supplier pages are absent."""
    url = object_url("suppliers.supplier", supplier_id)
    if url is None:
        return reverse("suppliers:status-change-list") + f"?supplier={supplier_id}"
    return f"{url}#{anchor}"


def _back(request: HttpRequest, default: str) -> str:
    """Where a button posted from, when it is one of ours."""
    wanted = request.POST.get("next", "")
    return wanted if wanted.startswith("/") and not wanted.startswith("//") else default


# Status changes ---------------------------------------------------------------------------------


class StatusChangeListView(ObjectListView):
    """Every status change of the suppliers the person may see, newest first."""

    model = StatusChange
    queryset = STATUS_CHANGE_QUERYSET
    filterset_class = StatusChangeFilter
    columns = STATUS_CHANGE_COLUMNS
    search_fields = ("supplier__reference", "supplier__name", "supplier__name_en", "reason")
    default_ordering = ("-proposed_at",)
    title = gettext_lazy("Supplier status changes")
    empty_message = gettext_lazy("No status changes match these filters.")
    export_name = "supplier-status-changes"
    template_name = "suppliers/classification_status_change_list.html"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        person = self.request.user
        shown = [change.pk for change in page.object_list]
        decidable = awaiting_approval_by(StatusChange.objects.filter(pk__in=shown), person)
        return {
            "decidable_ids": set(decidable.values_list("pk", flat=True)),
            "awaiting_me_url": reverse("suppliers:status-change-list") + "?awaiting_me=true",
        }


@login_required
def status_change_create(request: HttpRequest, supplier_pk: int) -> HttpResponseBase:
    """Propose a new status for a supplier; an approver other than the proposer decides."""
    supplier = _supplier(request, supplier_pk, Action.CHANGE)
    waiting = services.open_proposal(supplier)
    if waiting is not None:
        messages.error(
            request,
            _("%(supplier)s already has a status change awaiting approval; decide or withdraw it first.")
            % {"supplier": supplier.display_name},
        )
        return redirect(supplier_url(supplier.pk))
    form = ProposeStatusForm(_post_or_none(request), supplier=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_status_change(supplier, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The change is proposed; an approver will decide it."))
            return redirect(supplier_url(supplier.pk))
    context = {
        "form": form,
        "title": _("Propose a new status for %(supplier)s (now %(status)s)")
        % {"supplier": supplier, "status": supplier.get_status_display()},
        "cancel_url": supplier_url(supplier.pk),
        "submit_label": _("Propose"),
    }
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


def _change(request: HttpRequest, pk: int) -> StatusChange:
    return get_object_or_404(restrict(STATUS_CHANGE_QUERYSET.all(), request.user, Action.VIEW), pk=pk)


@login_required
def status_change_decide(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The change with its reason, and the approve and reject buttons (with a note)."""
    change = _change(request, pk)
    form = DecideForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.decide_status_change(
                change, by=request.user, approve=approve, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if approve:
                messages.success(
                    request,
                    _("Approved: %(supplier)s is now %(status)s.")
                    % {"supplier": change.supplier.display_name, "status": change.get_to_status_display()},
                )
            else:
                messages.success(request, _("The change is rejected; the proposer is told."))
            return redirect(_back(request, supplier_url(change.supplier_id)))
    context = {
        "change": change,
        "form": form,
        "title": _("Status change of %(supplier)s") % {"supplier": change.supplier},
        "refusal": services.may_decide(change, request.user),
        "may_withdraw": change.state == StatusChangeState.PROPOSED
        and change.proposed_by_id == request.user.pk,
        "gates_before": gates_for(change.from_status),
        "gates_after": gates_for(change.to_status),
        "list_url": reverse("suppliers:status-change-list"),
        "supplier_page": supplier_url(change.supplier_id),
    }
    return render(
        request, "suppliers/classification_decide.html", context, status=400 if form.errors else 200
    )


@require_POST
@login_required
def status_change_withdraw(request: HttpRequest, pk: int) -> HttpResponseBase:
    change = _change(request, pk)
    try:
        services.withdraw_status_change(change, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The proposal is withdrawn."))
    return redirect(_back(request, supplier_url(change.supplier_id)))


# Rectification plans ----------------------------------------------------------------------------


class PlanListView(ObjectListView):
    """Rectification plans, soonest due first."""

    model = RectificationPlan
    queryset = PLAN_QUERYSET
    filterset_class = PlanFilter
    columns = PLAN_COLUMNS
    search_fields = ("title", "supplier__reference", "supplier__name", "supplier__name_en")
    default_ordering = ("due_on",)
    title = gettext_lazy("Rectification plans")
    empty_message = gettext_lazy("No rectification plans match these filters.")
    export_name = "rectification-plans"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return {"today": organisation_today()}


class PlanDetailView(ObjectDetailView):
    """A plan: what must be put right, its actions with due dates and follow-up notes."""

    model = RectificationPlan
    queryset = PLAN_QUERYSET.select_related("created_by").prefetch_related("actions")
    fields = (
        ListColumn(gettext_lazy("supplier"), "supplier"),
        ListColumn(gettext_lazy("supplier status"), "supplier.get_status_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("what must be put right"), "description"),
        ListColumn(gettext_lazy("due on"), "due_on"),
        ListColumn(gettext_lazy("follow-up owner"), "owner.full_name"),
        ListColumn(gettext_lazy("completed at"), "completed_at"),
        ListColumn(gettext_lazy("created by"), "created_by.full_name"),
    )
    list_url_name = "suppliers:plan-list"
    template_name = "suppliers/classification_plan_detail.html"

    def get_extra_context(self, obj: RectificationPlan) -> dict[str, Any]:
        may_change = can(self.request.user, Action.CHANGE, obj)
        is_open = obj.status == PlanStatus.OPEN
        return {
            "plan": obj,
            "actions": list(obj.actions.all()),
            "may_act": may_change and is_open,
            "today": organisation_today(),
            "supplier_page": supplier_url(obj.supplier_id),
        }


def _plan(request: HttpRequest, pk: int) -> RectificationPlan:
    return get_object_or_404(restrict(PLAN_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)


def _plan_url(plan_id: int) -> str:
    return reverse("suppliers:plan-detail", args=[plan_id])


@login_required
def plan_create(request: HttpRequest, supplier_pk: int) -> HttpResponseBase:
    supplier = _supplier(request, supplier_pk, Action.CHANGE)
    initial = {"owner": getattr(supplier.manager, "username", "") or request.user.username}
    form = PlanForm(_post_or_none(request), person=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            plan = plans.create_plan(supplier, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The rectification plan is created."))
            return redirect(_plan_url(plan.pk))
    return render_form_page(
        request,
        form,
        title=_("New rectification plan for %(supplier)s") % {"supplier": supplier},
        cancel_url=supplier_url(supplier.pk),
    )


@require_POST
@login_required
def plan_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    plan = _plan(request, pk)
    try:
        plans.complete_plan(plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The plan is completed; the return to qualified is proposed for another approver to decide."),
        )
    return redirect(_plan_url(plan.pk))


@login_required
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    plan = _plan(request, pk)
    form = CancelPlanForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            plans.cancel_plan(plan, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The plan is cancelled."))
            return redirect(_plan_url(plan.pk))
    context = {
        "title": _("Cancel a rectification plan"),
        "question": _("Cancel “%(plan)s” of %(supplier)s? A cancelled plan opens no way back to qualified.")
        % {"plan": plan.title, "supplier": plan.supplier},
        "form": form,
        "confirm_label": _("Cancel the plan"),
        "cancel_url": _plan_url(plan.pk),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@login_required
def action_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    plan = _plan(request, pk)
    form = ActionForm(_post_or_none(request), is_create=True)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            plans.add_action(plan, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The action is added."))
            return redirect(_plan_url(plan.pk))
    return render_form_page(
        request,
        form,
        title=_("New action of “%(plan)s”") % {"plan": plan.title},
        cancel_url=_plan_url(plan.pk),
    )


def _action(request: HttpRequest, pk: int) -> RectificationAction:
    queryset = RectificationAction.objects.select_related("plan", "plan__supplier")
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)


@login_required
def action_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    action = _action(request, pk)
    initial = {"description": action.description, "due_on": action.due_on, "follow_up": action.follow_up}
    form = ActionForm(_post_or_none(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            plans.update_action(action, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_plan_url(action.plan_id))
    return render_form_page(request, form, title=action.description, cancel_url=_plan_url(action.plan_id))


@login_required
def action_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    action = _action(request, pk)
    form = CompleteActionForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            plans.complete_action(action, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The action is done."))
            return redirect(_plan_url(action.plan_id))
    context = {
        "form": form,
        "title": _("Mark done: %(action)s") % {"action": action.description},
        "cancel_url": _plan_url(action.plan_id),
        "submit_label": _("Mark done"),
    }
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


# The supplier policy ----------------------------------------------------------------------------


@login_required
def policy(request: HttpRequest) -> HttpResponseBase:
    """The supplier policy: everyone who reads suppliers sees it; whoever may change supplier
    records over the whole organisation changes it."""
    current = services.current_policy()
    if not can(request.user, Action.VIEW, current):
        raise Http404
    may_change = can(request.user, Action.CHANGE, current)
    if request.method == "POST" and not may_change:
        raise Http404
    form: forms.Form | None = None
    if may_change:
        form = PolicyForm(_post_or_none(request), initial=PolicyForm.initial_from(current))
        if request.method == "POST" and form.is_valid():
            fields, reason = split_reason(form.cleaned_data)
            try:
                services.update_policy(current, by=request.user, reason=reason, **fields)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The supplier policy is saved."))
                return redirect("suppliers:policy")
    context = {
        "title": _("Supplier policy"),
        "policy": current,
        "form": form,
        "status_rows": _status_rows(),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "suppliers/classification_policy.html", context, status=status)


def _status_rows() -> list[dict[str, Any]]:
    """Each status with its gates and where it may move (the table of the policy page)."""
    from garrison.suppliers.models import SupplierStatus

    return [
        {
            "label": status.label,
            "gates": gates_for(status.value),
            "moves": [
                services.status_label(target) for target in services.ALLOWED_MOVES.get(status.value, ())
            ],
            "needs_plan": status.value in services.PLAN_STATUSES,
            "needs_administrator": status.value == SupplierStatus.BLACKLISTED,
        }
        for status in SupplierStatus
    ]


# The supplier page's panel ----------------------------------------------------------------------


def panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """Status, gates, the proposal awaiting approval, the status history and the plans."""
    person = request.user
    may_change = can(person, Action.CHANGE, supplier)
    waiting = services.open_proposal(supplier)
    changes = list(
        supplier.status_changes.select_related("proposed_by", "decided_by").order_by("-proposed_at", "-pk")[
            :PANEL_HISTORY_LENGTH
        ]
    )
    supplier_plans = list(supplier.rectification_plans.select_related("owner").order_by("-created_at", "-pk"))
    has_open_plan = any(plan.status == PlanStatus.OPEN for plan in supplier_plans)
    return {
        "supplier": supplier,
        "gates": gates_for(supplier.status),
        "waiting": waiting,
        "may_decide": waiting is not None and services.may_decide(waiting, person) is None,
        "may_withdraw": waiting is not None and waiting.proposed_by_id == person.pk,
        "may_propose": may_change and waiting is None,
        "status_changes": changes,
        "plans": supplier_plans,
        "may_create_plan": may_change and supplier.status in services.PLAN_STATUSES and not has_open_plan,
        "plan_gate_open": services.completed_plan(supplier) is not None,
        "needs_plan": supplier.status in services.PLAN_STATUSES,
        "open_action_status": ActionStatus.OPEN,
        "today": organisation_today(),
    }


register_panel(
    "classification", order=40, template="suppliers/_classification_panel.html", context=panel_context
)


urlpatterns: list[URLPattern] = [
    path("status-changes/", StatusChangeListView.as_view(), name="status-change-list"),
    path("status-changes/<int:pk>/decide/", status_change_decide, name="status-change-decide"),
    path("status-changes/<int:pk>/withdraw/", status_change_withdraw, name="status-change-withdraw"),
    path("<int:supplier_pk>/status/propose/", status_change_create, name="status-change-create"),
    path("rectification/", PlanListView.as_view(), name="plan-list"),
    path("rectification/<int:pk>/", PlanDetailView.as_view(), name="plan-detail"),
    path("rectification/<int:pk>/complete/", plan_complete, name="plan-complete"),
    path("rectification/<int:pk>/cancel/", plan_cancel, name="plan-cancel"),
    path("rectification/<int:pk>/actions/new/", action_create, name="plan-action-create"),
    path("rectification/actions/<int:pk>/edit/", action_update, name="plan-action-update"),
    path("rectification/actions/<int:pk>/done/", action_complete, name="plan-action-complete"),
    path("<int:supplier_pk>/rectification/new/", plan_create, name="plan-create"),
    path("policy/", policy, name="policy"),
]
