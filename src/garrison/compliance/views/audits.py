"""Web pages of audits: the list, an audit's page with its findings grouped by kind,
the create and edit forms, deletion and the workflow steps.

Thin: objects are found through scoping (forbidden answers 404 like missing) and every
write goes through garrison.compliance.services.audits. The findings and corrective
actions pages are in views/findings.py.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.compliance.filtersets_audits import AuditListFilter
from garrison.compliance.forms_audits import AuditForm, NoteForm
from garrison.compliance.models import (
    OPEN_CORRECTIVE_STATUSES,
    OPEN_FINDING_STATUSES,
    Audit,
    CorrectiveAction,
    FindingKind,
)
from garrison.compliance.services import audits as services
from garrison.compliance.tables_audits import AUDIT_COLUMNS
from garrison.compliance.workflows import AuditWorkflow, nonconformities_without_action
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import split_reason, style_form
from garrison.web.lists import ListColumn, ObjectListView

AUDIT_QUERYSET = Audit.objects.select_related("unit", "lead", "framework", "assessment")


def with_counts(queryset: QuerySet[Audit]) -> QuerySet[Audit]:
    return queryset.annotate(
        finding_count=Count("findings", distinct=True),
        open_finding_count=Count(
            "findings", filter=Q(findings__status__in=OPEN_FINDING_STATUSES), distinct=True
        ),
    )


class AuditListView(ObjectListView):
    """Every audit the person may see, newest first."""

    model = Audit
    queryset = AUDIT_QUERYSET
    filterset_class = AuditListFilter
    columns = AUDIT_COLUMNS
    search_fields = ("reference", "title", "auditing_body", "scope_description")
    default_ordering = ("-starts_on", "reference")
    title = gettext_lazy("Audits")
    empty_message = gettext_lazy("No audits match these filters.")
    create_url_name = "compliance:audit-add"
    create_label = gettext_lazy("Plan an audit")
    export_name = "audits"

    def get_queryset(self) -> QuerySet[Any]:
        return with_counts(super().get_queryset())


class AuditDetailView(ObjectDetailView):
    """An audit's page: scope, findings by kind with their corrective actions, steps, history."""

    model = Audit
    queryset = AUDIT_QUERYSET
    fields = (
        ListColumn(gettext_lazy("kind"), "get_kind_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(
            gettext_lazy("audit lead"), "lead.full_name", link="core:person-detail", link_arg="lead_id"
        ),
        ListColumn(gettext_lazy("auditing body"), "auditing_body"),
        ListColumn(
            gettext_lazy("framework"),
            "framework.name",
            link="compliance:framework-detail",
            link_arg="framework_id",
        ),
        ListColumn(gettext_lazy("assessment"), "assessment"),
        ListColumn(gettext_lazy("starts on"), "starts_on"),
        ListColumn(gettext_lazy("ends on"), "ends_on"),
    )
    edit_url_name = "compliance:audit-edit"
    list_url_name = "compliance:audit-list"
    template_name = "compliance/audit_detail.html"

    def get_extra_context(self, obj: Audit) -> dict[str, Any]:
        person = self.request.user
        today = timezone.localdate()
        findings = list(
            restrict(obj.findings.select_related("owner", "unit"), person, Action.VIEW).order_by("reference")
        )
        actions = restrict(
            CorrectiveAction.objects.filter(finding__audit=obj).select_related("owner"), person, Action.VIEW
        )
        by_finding: dict[int, list[CorrectiveAction]] = {}
        for item in actions.order_by("due_on", "pk"):
            by_finding.setdefault(item.finding_id, []).append(item)
        groups = []
        for kind, label in FindingKind.choices:
            rows = [
                {
                    "finding": finding,
                    "actions": [
                        (item, item.status in OPEN_CORRECTIVE_STATUSES and item.due_on < today)
                        for item in by_finding.get(finding.pk, [])
                    ],
                }
                for finding in findings
                if finding.kind == kind
            ]
            groups.append({"kind": kind, "label": label, "rows": rows, "count": len(rows)})
        open_count = sum(1 for finding in findings if finding.status in OPEN_FINDING_STATUSES)
        steps = AuditWorkflow.allowed_transitions(obj, person)
        blocked = nonconformities_without_action(obj) if obj.status == "reporting" else []
        return {
            "groups": groups,
            "finding_count": len(findings),
            "open_finding_count": open_count,
            "steps": steps,
            "step_form": NoteForm(prefix="step") if steps else None,
            "blocking_findings": blocked,
            "may_raise": can(person, Action.CHANGE, obj) and obj.status in ("in_progress", "reporting"),
            "may_delete": can(person, Action.DELETE, obj) and not findings,
        }


class AuditCreateView(ObjectFormView):
    model = Audit
    form_class = AuditForm
    is_create = True
    title = gettext_lazy("Plan an audit")
    cancel_url_name = "compliance:audit-list"

    def get_initial(self) -> dict[str, Any]:
        return {"lead": self.request.user.get_username(), "starts_on": timezone.localdate()}

    def save(self, form: forms.BaseForm, obj: None) -> Audit:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_audit(
            by=self.request.user, reason=reason, reference=fields.pop("reference", "") or "", **fields
        )


class AuditEditView(ObjectFormView):
    model = Audit
    queryset = AUDIT_QUERYSET
    form_class = AuditForm

    def save(self, form: forms.BaseForm, obj: Audit) -> Audit:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_audit(obj, by=self.request.user, reason=reason, **fields)


@login_required
def audit_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    audit = get_object_or_404(restrict(AUDIT_QUERYSET.all(), request.user, Action.DELETE), pk=pk)
    form = style_form(NoteForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_audit(audit, by=request.user, reason=form.cleaned_data["notes"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("compliance:audit-detail", pk=audit.pk)
        messages.success(request, _("The audit is deleted."))
        return redirect("compliance:audit-list")
    context = {
        "title": _("Delete an audit"),
        "question": _("Delete %(audit)s? Only an audit without findings can be deleted.") % {"audit": audit},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("compliance:audit-detail", args=[audit.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def audit_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Take a step of the audit's workflow; the workflow says who may and when."""
    audit = get_object_or_404(restrict(AUDIT_QUERYSET.all(), request.user, Action.VIEW), pk=pk)
    form = NoteForm(request.POST, prefix="step")
    note = form.cleaned_data["notes"] if form.is_valid() else ""
    try:
        services.transition_audit(audit, name, by=request.user, reason=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The audit is now %(status)s.") % {"status": AuditWorkflow.state_label(audit.status)}
        )
    return redirect("compliance:audit-detail", pk=audit.pk)


urlpatterns: list[URLPattern] = [
    path("audits/", AuditListView.as_view(), name="audit-list"),
    path("audits/new/", AuditCreateView.as_view(), name="audit-add"),
    path("audits/<int:pk>/", AuditDetailView.as_view(), name="audit-detail"),
    path("audits/<int:pk>/edit/", AuditEditView.as_view(), name="audit-edit"),
    path("audits/<int:pk>/delete/", audit_delete, name="audit-delete"),
    path("audits/<int:pk>/steps/<str:name>/", audit_transition, name="audit-transition"),
]
