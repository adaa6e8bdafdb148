"""Web pages of the compliance evidence: the list, a piece of evidence with its versions
(downloads, a new version), create/edit/delete; evidence requests, their fulfilment
and cancellation.

Thin: objects are found through scoping (out of reach answers 404 like missing), every
write goes through garrison.compliance.services.evidence.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance.filtersets_evidence import EvidenceFilter, EvidenceRequestFilter
from garrison.compliance.forms_evidence import (
    CommentForm,
    EvidenceCreateForm,
    EvidenceForm,
    FulfilForm,
    RequestForm,
    VersionFields,
)
from garrison.compliance.models import Evidence, EvidenceRequest, EvidenceVersion, RequestStatus
from garrison.compliance.services import evidence as services
from garrison.compliance.tables_evidence import EVIDENCE_COLUMNS, REQUEST_COLUMNS
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.core.services import files as file_services
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

EVIDENCE_QUERYSET = Evidence.objects.select_related("unit", "owner", "current_version")
REQUEST_QUERYSET = EvidenceRequest.objects.select_related(
    "unit", "assignee", "requested_by", "evidence", "control", "requirement_result"
)
UPLOAD_TEMPLATE = "compliance/evidence_form.html"


def _upload_page(request: HttpRequest, form: forms.BaseForm, *, title: Any, cancel_url: str) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, UPLOAD_TEMPLATE, context, status=400 if form.errors else 200)


# Evidence ------------------------------------------------------------------------------------


class EvidenceListView(ObjectListView):
    """Every piece of evidence the person may see, with its validity."""

    model = Evidence
    queryset = EVIDENCE_QUERYSET
    filterset_class = EvidenceFilter
    columns = EVIDENCE_COLUMNS
    search_fields = ("reference", "name", "description")
    default_ordering = ("reference",)
    title = gettext_lazy("Evidence")
    empty_message = gettext_lazy("No evidence matches these filters.")
    create_url_name = "compliance:evidence-add"
    create_label = gettext_lazy("Add evidence")
    export_name = "evidence"

    def get_queryset(self) -> QuerySet[Any]:
        return services.annotate_validity(super().get_queryset())


class EvidenceDetailView(ObjectDetailView):
    """A piece of evidence: its versions with their hashes, controls, where it is used,
    the requests for it, and its history."""

    model = Evidence
    queryset = EVIDENCE_QUERYSET
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("kind"), "get_kind_display"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("owner"), "owner.full_name", link="core:person-detail", link_arg="owner_id"),
        ListColumn(gettext_lazy("valid from"), "valid_from"),
        ListColumn(gettext_lazy("valid until"), "valid_until"),
    )
    edit_url_name = "compliance:evidence-edit"
    list_url_name = "compliance:evidence-list"
    template_name = "compliance/evidence_detail.html"

    def get_extra_context(self, obj: Evidence) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        state = services.validity_of(obj.valid_until)
        results = restrict(obj.requirement_results.select_related("assessment", "requirement"), person)
        return {
            "versions": obj.versions.select_related("attachment__stored_file", "added_by"),
            "validity_state": state,
            "validity_label": services.Validity(state).label,
            "controls": [
                (control, object_url("compliance.appliedcontrol", control.pk))
                for control in restrict(obj.controls.all(), person).order_by("reference")
            ],
            "results": [
                (result, object_url("compliance.requirementresult", result.pk)) for result in results
            ],
            "tests": [
                (test, object_url("compliance.controltest", test.pk))
                for test in restrict(obj.control_tests.select_related("control"), person)
            ],
            "requests": restrict(obj.requests.select_related("assignee"), person),
            "may_delete": can(person, Action.DELETE, obj),
            "version_form": VersionFields(prefix="version") if may_change else None,
            "request_url": reverse("compliance:evidence-request-add") + f"?evidence={obj.pk}"
            if has_grant(person, Domain.COMPLIANCE, Action.ADD, obj.unit.path)
            else None,
        }


@login_required
def evidence_add(request: HttpRequest) -> HttpResponseBase:
    if not has_grant(request.user, Domain.COMPLIANCE, Action.ADD):
        raise Http404
    form = EvidenceCreateForm(
        request.POST or None,
        request.FILES or None,
        person=request.user,
        initial={"owner": request.user.get_username()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            evidence = services.create_evidence(by=request.user, **form.service_data())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The evidence is recorded."))
            return redirect("compliance:evidence-detail", pk=evidence.pk)
    return _upload_page(
        request, form, title=_("New evidence"), cancel_url=reverse("compliance:evidence-list")
    )


class EvidenceEditView(ObjectFormView):
    model = Evidence
    queryset = EVIDENCE_QUERYSET
    form_class = EvidenceForm

    def save(self, form: forms.BaseForm, obj: Evidence) -> Evidence:
        fields, reason = split_reason(form.cleaned_data)
        controls = fields.pop("controls")
        return services.update_evidence(obj, by=self.request.user, reason=reason, controls=controls, **fields)


@login_required
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    evidence = get_object_or_404(restrict(EVIDENCE_QUERYSET.all(), request.user, Action.DELETE), pk=pk)
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_evidence(evidence, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("compliance:evidence-detail", pk=evidence.pk)
        messages.success(request, _("The evidence is deleted."))
        return redirect("compliance:evidence-list")
    context = {
        "title": _("Delete evidence"),
        "question": _("Delete %(evidence)s with all its versions and files?") % {"evidence": evidence},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("compliance:evidence-detail", args=[evidence.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@login_required
def version_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    evidence = get_object_or_404(restrict(EVIDENCE_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)
    form = VersionFields(request.POST or None, request.FILES or None, prefix="version")
    if request.method == "POST" and form.is_valid():
        try:
            version = services.add_version(evidence, by=request.user, **form.version_data())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Version %(number)s is added.") % {"number": version.number})
            return redirect("compliance:evidence-detail", pk=evidence.pk)
    return _upload_page(
        request,
        form,
        title=_("New version of %(evidence)s") % {"evidence": evidence},
        cancel_url=reverse("compliance:evidence-detail", args=[evidence.pk]),
    )


@login_required
def version_download(request: HttpRequest, pk: int, number: int) -> HttpResponseBase:
    """A version's file, streamed from the store with its name and media type."""
    queryset = EvidenceVersion.objects.select_related("attachment__stored_file", "evidence")
    version = get_object_or_404(restrict(queryset, request.user, Action.VIEW), evidence_id=pk, number=number)
    attachment = version.attachment
    if attachment is None:
        raise Http404
    try:
        content = file_services.open_file(attachment)
    except FileNotFoundError:
        return HttpResponse(_("The stored file is missing from the evidence store."), status=410)
    response = FileResponse(
        content,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-SHA256"] = version.sha256
    response["Content-Length"] = str(attachment.stored_file.size)
    return response


# Requests ------------------------------------------------------------------------------------


def _with_overdue(queryset: QuerySet[EvidenceRequest]) -> QuerySet[EvidenceRequest]:
    late = Q(status=RequestStatus.OPEN, due_on__lt=timezone.localdate())
    return queryset.annotate(is_overdue=ExpressionWrapper(late, output_field=BooleanField()))


class RequestListView(ObjectListView):
    """Evidence requests; people who are only asked for evidence see theirs first."""

    model = EvidenceRequest
    queryset = REQUEST_QUERYSET
    filterset_class = EvidenceRequestFilter
    columns = REQUEST_COLUMNS
    search_fields = ("title", "description", "evidence__reference")
    default_ordering = ("due_on",)
    title = gettext_lazy("Evidence requests")
    empty_message = gettext_lazy("No evidence requests match these filters.")
    create_url_name = "compliance:evidence-request-add"
    create_label = gettext_lazy("Request evidence")
    export_name = "evidence-requests"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # "My requests" by default for people who are asked for evidence but manage none.
        if not request.GET and not has_grant(request.user, Domain.COMPLIANCE, Action.VIEW):
            return redirect(reverse("compliance:evidence-request-list") + "?mine=assigned&status=open")
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return _with_overdue(super().get_queryset())


class RequestDetailView(ObjectDetailView):
    model = EvidenceRequest
    queryset = REQUEST_QUERYSET
    fields = (
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("requested from"), "assignee.full_name"),
        ListColumn(gettext_lazy("requested by"), "requested_by.full_name"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("due date"), "due_on"),
        ListColumn(gettext_lazy("fulfilled at"), "fulfilled_at"),
    )
    list_url_name = "compliance:evidence-request-list"
    template_name = "compliance/evidence_request_detail.html"

    def get_extra_context(self, obj: EvidenceRequest) -> dict[str, Any]:
        person = self.request.user
        is_open = obj.status == RequestStatus.OPEN
        visible = {
            name: getattr(obj, name)
            if getattr(obj, name) is not None and can(person, Action.VIEW, getattr(obj, name))
            else None
            for name in ("evidence", "control", "requirement_result")
        }
        return {
            "is_overdue": is_open and obj.due_on < timezone.localdate(),
            "may_fulfil": is_open and can(person, Action.CHANGE, obj),
            "may_cancel": is_open and can(person, Action.DELETE, obj),
            "linked": [
                (label, item, object_url(item._meta.label_lower, item.pk))
                for label, item in (
                    (_("Evidence"), visible["evidence"]),
                    (_("Control"), visible["control"]),
                    (_("Requirement result"), visible["requirement_result"]),
                )
                if item is not None
            ],
        }


@login_required
def request_add(request: HttpRequest) -> HttpResponseBase:
    if not has_grant(request.user, Domain.COMPLIANCE, Action.ADD):
        raise Http404
    initial: dict[str, Any] = {}
    evidence_id = request.GET.get("evidence", "")
    if evidence_id.isdigit():
        evidence = restrict(Evidence.objects.filter(pk=evidence_id), request.user).first()
        if evidence is not None:
            initial = {
                "evidence": evidence.pk,
                "unit": evidence.unit_id,
                "assignee": evidence.owner.username,
                "title": _("New version of %(evidence)s") % {"evidence": evidence},
            }
    form = RequestForm(request.POST or None, person=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_evidence(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The evidence is requested; the person asked is told."))
            return redirect("compliance:evidence-request-detail", pk=created.pk)
    return _upload_page(
        request, form, title=_("Request evidence"), cancel_url=reverse("compliance:evidence-request-list")
    )


@login_required
def request_fulfil(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(restrict(REQUEST_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)
    form = FulfilForm(request.POST or None, request.FILES or None, creates_evidence=item.evidence_id is None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fulfil_request(
                item, by=request.user, name=form.cleaned_data.get("name") or "", **form.version_data()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: the evidence is delivered."))
            return redirect("compliance:evidence-request-detail", pk=item.pk)
    return _upload_page(
        request,
        form,
        title=_("Deliver evidence: %(title)s") % {"title": item.title},
        cancel_url=reverse("compliance:evidence-request-detail", args=[item.pk]),
    )


@login_required
def request_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(restrict(REQUEST_QUERYSET.all(), request.user, Action.DELETE), pk=pk)
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_request(item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The request is cancelled."))
        return redirect("compliance:evidence-request-detail", pk=item.pk)
    context = {
        "title": _("Cancel an evidence request"),
        "question": _("Cancel the request “%(title)s”? The person asked is told.") % {"title": item.title},
        "form": form,
        "confirm_label": _("Cancel the request"),
        "cancel_url": reverse("compliance:evidence-request-detail", args=[item.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("evidence/", EvidenceListView.as_view(), name="evidence-list"),
    path("evidence/new/", evidence_add, name="evidence-add"),
    path("evidence/<int:pk>/", EvidenceDetailView.as_view(), name="evidence-detail"),
    path("evidence/<int:pk>/edit/", EvidenceEditView.as_view(), name="evidence-edit"),
    path("evidence/<int:pk>/delete/", evidence_delete, name="evidence-delete"),
    path("evidence/<int:pk>/versions/new/", version_add, name="evidence-version-add"),
    path(
        "evidence/<int:pk>/versions/<int:number>/download/",
        version_download,
        name="evidence-version-download",
    ),
    path("evidence-requests/", RequestListView.as_view(), name="evidence-request-list"),
    path("evidence-requests/new/", request_add, name="evidence-request-add"),
    path("evidence-requests/<int:pk>/", RequestDetailView.as_view(), name="evidence-request-detail"),
    path("evidence-requests/<int:pk>/fulfil/", request_fulfil, name="evidence-request-fulfil"),
    path("evidence-requests/<int:pk>/cancel/", request_cancel, name="evidence-request-cancel"),
]
