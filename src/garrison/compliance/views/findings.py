"""Web pages of findings and their corrective actions: the list across audits (with
the nonconformities failed control tests opened), a finding's page with its actions,
verification and closure, and the forms.

Thin: objects are found through scoping and every write goes through
garrison.compliance.services.audits.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.compliance.filtersets_audits import FindingListFilter, overdue_findings
from garrison.compliance.forms_audits import CorrectiveActionForm, FindingForm, NoteForm, VerificationForm
from garrison.compliance.models import OPEN_CORRECTIVE_STATUSES, Audit, CorrectiveAction, Finding
from garrison.compliance.services import audits as services
from garrison.compliance.tables_audits import FINDING_COLUMNS
from garrison.compliance.workflows import FindingWorkflow
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

FINDING_QUERYSET = Finding.objects.select_related(
    "unit", "owner", "audit", "control", "control_test__control", "requirement", "verified_by"
)


def with_overdue(queryset: QuerySet[Finding]) -> QuerySet[Finding]:
    return queryset.annotate(is_overdue=ExpressionWrapper(overdue_findings(), output_field=BooleanField()))


class FindingListView(ObjectListView):
    """Findings across every audit, and the nonconformities failed control tests opened."""

    model = Finding
    queryset = FINDING_QUERYSET
    filterset_class = FindingListFilter
    columns = FINDING_COLUMNS
    search_fields = ("reference", "title", "description", "audit__reference")
    default_ordering = ("-raised_on", "reference")
    title = gettext_lazy("Findings")
    empty_message = gettext_lazy("No findings match these filters.")
    export_name = "findings"

    def get_queryset(self) -> QuerySet[Any]:
        return with_overdue(super().get_queryset())


class FindingDetailView(ObjectDetailView):
    """A finding's page: what was found, its corrective actions, verification, history."""

    model = Finding
    queryset = FINDING_QUERYSET
    fields = (
        ListColumn(gettext_lazy("kind"), "get_kind_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("audit"), "audit", link="compliance:audit-detail", link_arg="audit_id"),
        ListColumn(gettext_lazy("control test"), "control_test"),
        ListColumn(gettext_lazy("control"), "control"),
        ListColumn(
            gettext_lazy("requirement"),
            "requirement",
            link="compliance:requirement-detail",
            link_arg="requirement_id",
        ),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("owner"), "owner.full_name", link="core:person-detail", link_arg="owner_id"),
        ListColumn(gettext_lazy("root cause"), "root_cause"),
        ListColumn(gettext_lazy("raised on"), "raised_on"),
        ListColumn(gettext_lazy("due date"), "due_on"),
    )
    edit_url_name = "compliance:finding-edit"
    list_url_name = "compliance:finding-list"
    template_name = "compliance/finding_detail.html"

    def get_extra_context(self, obj: Finding) -> dict[str, Any]:
        person = self.request.user
        today = timezone.localdate()
        may_change = can(person, Action.CHANGE, obj) and obj.status != "closed"
        actions = list(restrict(obj.corrective_actions.select_related("owner"), person, Action.VIEW))
        changeable = set(
            restrict(CorrectiveAction.objects.filter(finding=obj), person, Action.CHANGE).values_list(
                "pk", flat=True
            )
        )
        steps = {transition.name for transition in FindingWorkflow.allowed_transitions(obj, person)}
        may_verify = {"verify", "reopen"} <= steps
        return {
            "actions": [
                (
                    item,
                    item.status in OPEN_CORRECTIVE_STATUSES and item.due_on < today,
                    item.pk in changeable and item.status in OPEN_CORRECTIVE_STATUSES,
                )
                for item in actions
            ],
            "may_change": may_change,
            "edit_url": reverse("compliance:finding-edit", args=[obj.pk]) if may_change else None,
            "action_form": CorrectiveActionForm(person=person, prefix="action") if may_change else None,
            "verify_form": VerificationForm(prefix="verify") if may_verify else None,
            "close_form": NoteForm(prefix="close") if "close" in steps else None,
            "cancel_form": NoteForm(prefix="cancel"),
        }


class FindingEditView(ObjectFormView):
    model = Finding
    queryset = FINDING_QUERYSET
    form_class = FindingForm

    def save(self, form: forms.BaseForm, obj: Finding) -> Finding:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_finding(obj, by=self.request.user, reason=reason, **fields)


@login_required
def finding_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Raise a finding on an audit (in progress or reporting)."""
    audit = get_object_or_404(
        restrict(Audit.objects.select_related("framework"), request.user, Action.CHANGE), pk=pk
    )
    form = FindingForm(request.POST or None, person=request.user, audit=audit)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.raise_audit_finding(audit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Finding %(reference)s is raised.") % {"reference": finding.reference}
            )
            return redirect("compliance:audit-detail", pk=audit.pk)
    return render_form_page(
        request,
        form,
        title=_("Raise a finding on %(audit)s") % {"audit": audit},
        cancel_url=reverse("compliance:audit-detail", args=[audit.pk]),
    )


def _visible_finding(request: HttpRequest, pk: int) -> Finding:
    return get_object_or_404(restrict(FINDING_QUERYSET.all(), request.user, Action.VIEW), pk=pk)


@require_POST
@login_required
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Record whether the corrective actions were effective; the workflow says who may."""
    finding = _visible_finding(request, pk)
    form = VerificationForm(request.POST, prefix="verify")
    if not form.is_valid():
        messages.error(request, _("Say whether the corrective actions were effective."))
    else:
        try:
            services.verify_finding(
                finding,
                by=request.user,
                effective=form.cleaned_data["effective"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if finding.status == "closed":
                messages.success(request, _("The finding is verified and closed."))
            else:
                messages.success(request, _("The finding is open again; its owner is told."))
    return redirect("compliance:finding-detail", pk=finding.pk)


@require_POST
@login_required
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an observation or an opportunity with a note."""
    finding = _visible_finding(request, pk)
    form = NoteForm(request.POST, prefix="close")
    notes = form.cleaned_data["notes"] if form.is_valid() else ""
    try:
        services.close_finding(finding, by=request.user, notes=notes)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The finding is closed."))
    return redirect("compliance:finding-detail", pk=finding.pk)


# Corrective actions ----------------------------------------------------------------------------


@login_required
def corrective_action_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    finding = get_object_or_404(restrict(FINDING_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)
    form = CorrectiveActionForm(request.POST or None, person=request.user, prefix="action")
    if request.method == "POST" and form.is_valid():
        try:
            services.add_corrective_action(finding, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The corrective action is planned."))
            return redirect("compliance:finding-detail", pk=finding.pk)
    return render_form_page(
        request,
        form,
        title=_("Plan a corrective action for %(finding)s") % {"finding": finding},
        cancel_url=reverse("compliance:finding-detail", args=[finding.pk]),
    )


def _changeable_action(request: HttpRequest, pk: int) -> CorrectiveAction:
    queryset = CorrectiveAction.objects.select_related("finding", "owner")
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)


@login_required
def corrective_action_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = _changeable_action(request, pk)
    form = CorrectiveActionForm(request.POST or None, instance=item, person=request.user)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            services.update_corrective_action(item, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("compliance:finding-detail", pk=item.finding_id)
    return render_form_page(
        request,
        form,
        title=_("Corrective action: %(action)s") % {"action": item},
        cancel_url=object_url("compliance.finding", item.finding_id) or "",
    )


@require_POST
@login_required
def corrective_action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _changeable_action(request, pk)
    try:
        services.complete_corrective_action(item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The corrective action is done."))
    return redirect("compliance:finding-detail", pk=item.finding_id)


@require_POST
@login_required
def corrective_action_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    item = _changeable_action(request, pk)
    form = NoteForm(request.POST, prefix="cancel")
    notes = form.cleaned_data["notes"] if form.is_valid() else ""
    try:
        services.cancel_corrective_action(item, by=request.user, reason=notes)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The corrective action is cancelled."))
    return redirect("compliance:finding-detail", pk=item.finding_id)


urlpatterns: list[URLPattern] = [
    path("findings/", FindingListView.as_view(), name="finding-list"),
    path("audits/<int:pk>/findings/new/", finding_add, name="finding-add"),
    path("findings/<int:pk>/", FindingDetailView.as_view(), name="finding-detail"),
    path("findings/<int:pk>/edit/", FindingEditView.as_view(), name="finding-edit"),
    path("findings/<int:pk>/verify/", finding_verify, name="finding-verify"),
    path("findings/<int:pk>/close/", finding_close, name="finding-close"),
    path("findings/<int:pk>/actions/new/", corrective_action_add, name="corrective-action-add"),
    path("corrective-actions/<int:pk>/edit/", corrective_action_edit, name="corrective-action-edit"),
    path(
        "corrective-actions/<int:pk>/complete/", corrective_action_complete, name="corrective-action-complete"
    ),
    path("corrective-actions/<int:pk>/cancel/", corrective_action_cancel, name="corrective-action-cancel"),
]
