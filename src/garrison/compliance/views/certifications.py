"""Web pages of the certification register: the register, a certificate's page with its
file, surveillance audits and lineage, the create, edit, renew and delete forms, and the
file download.

Thin: every object is found through scoping (so forbidden answers 404 like missing), and
every write goes through garrison.compliance.services.certifications.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.compliance import certs
from garrison.compliance.filtersets_certifications import CertificationListFilter
from garrison.compliance.forms_certifications import (
    CertificateFileForm,
    CertificationForm,
    CompleteSurveillanceAuditForm,
    RenewalForm,
    SurveillanceAuditForm,
)
from garrison.compliance.models import Certification, SurveillanceAudit
from garrison.compliance.services import certifications as services
from garrison.compliance.tables_certifications import (
    CERTIFICATION_COLUMNS,
    CERTIFICATION_EXPORT_COLUMNS,
    with_next_surveillance,
)
from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, restrict
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.files import attachment_download
from garrison.web.forms import apply_service_errors, split_reason, style_form
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView, Row

CERTIFICATION_QUERYSET = Certification.objects.select_related(
    "unit", "owner", "framework", "assessment", "certificate_file__stored_file"
)
FORM_TEMPLATE = "compliance/certification_form.html"


def _certification(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Certification:
    return get_object_or_404(restrict(CERTIFICATION_QUERYSET.all(), request.user, action), pk=pk)


def _form_page(
    request: HttpRequest, form: forms.BaseForm, *, title: Any, cancel_url: str, intro: str = ""
) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": cancel_url, "intro": intro}
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


# The register ----------------------------------------------------------------------------------


class CertificationListView(ObjectListView):
    """The certification register: what the organisation holds, soonest expiry first."""

    model = Certification
    queryset = CERTIFICATION_QUERYSET
    filterset_class = CertificationListFilter
    columns = CERTIFICATION_COLUMNS
    search_fields = ("name", "number", "body", "scope_description")
    default_ordering = ("expires_on", "name")
    title = gettext_lazy("Certifications")
    empty_message = gettext_lazy("No certifications match these filters.")
    create_url_name = "compliance:certification-add"
    create_label = gettext_lazy("Add certification")
    export_name = "certifications"

    def get_queryset(self) -> QuerySet[Any]:
        return with_next_surveillance(super().get_queryset())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # A file holds the scope, status, unit and owner too.
            self.columns = CERTIFICATION_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)

    def rows(self, page: Page[Any]) -> list[Row]:
        items = list(page.object_list)
        holdings = services.holdings_for(items)
        renewed = services.renewed_ids(items)
        for item in items:
            item.holding = holdings[item.pk]
            item.renewed = item.pk in renewed
        return super().rows(page)


# A certificate's page --------------------------------------------------------------------------


class CertificationDetailView(ObjectDetailView):
    """A certificate's page: details, file, surveillance audits, lineage, history."""

    model = Certification
    queryset = CERTIFICATION_QUERYSET
    fields = (
        ListColumn(gettext_lazy("scheme"), "get_scheme_display"),
        ListColumn(gettext_lazy("scope"), "scope_description"),
        ListColumn(gettext_lazy("certification body"), "body"),
        ListColumn(gettext_lazy("certificate number"), "number"),
        ListColumn(gettext_lazy("issued on"), "issued_on"),
        ListColumn(gettext_lazy("expires on"), "expires_on"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("owner"), "owner.full_name", link="core:person-detail", link_arg="owner_id"),
        ListColumn(
            gettext_lazy("framework"),
            "framework.name",
            link="compliance:framework-detail",
            link_arg="framework_id",
        ),
        ListColumn(gettext_lazy("notes"), "notes"),
    )
    edit_url_name = "compliance:certification-edit"
    list_url_name = "compliance:certification-list"
    template_name = "compliance/certification_detail.html"

    def get_extra_context(self, obj: Certification) -> dict[str, Any]:
        person = self.request.user
        today = organisation_today()
        may_change = can(person, Action.CHANGE, obj)
        lineage = [item for item in services.lineage_of(obj) if can(person, Action.VIEW, item)]
        holding = services.holding_of(obj, today)
        assessment = None
        linked = obj.assessment
        if linked is not None and can(person, Action.VIEW, linked):
            assessment = (linked, object_url("compliance.assessment", linked.pk))
        audits = list(obj.surveillance_audits.select_related("audit").order_by("due_on", "pk"))
        return {
            "days_left": certs.days_left(today, obj.expires_on),
            "holding": holding,
            "grace_days": certs.GRACE_DAYS,
            "lineage": lineage,
            "assessment": assessment,
            "files": list(services.attachments_of(obj)),
            "surveillance_audits": [
                (item, item.completed_on is None and item.due_on < today) for item in audits
            ],
            "may_change": may_change,
            "may_delete": can(person, Action.DELETE, obj),
            "may_renew": may_change and services.successor_of(obj) is None,
            "audit_form": SurveillanceAuditForm(person=person, prefix="surveillance") if may_change else None,
            "complete_form": CompleteSurveillanceAuditForm(prefix="complete") if may_change else None,
        }


class CertificationFormMixin:
    template_name = FORM_TEMPLATE
    request: HttpRequest

    def get_form(self, obj: Any, data: Any = None) -> forms.BaseForm:
        # As ObjectFormView.get_form, with the uploaded files: the form works on a copy.
        instance = copy.copy(obj) if obj is not None else None
        files = self.request.FILES if data is not None else None
        return CertificationForm(
            data, files, instance=instance, initial=self.get_initial(), person=self.request.user
        )

    def get_initial(self) -> dict[str, Any]:
        return {}


class CertificationCreateView(CertificationFormMixin, ObjectFormView):
    model = Certification
    form_class = CertificationForm
    is_create = True
    title = gettext_lazy("New certification")
    cancel_url_name = "compliance:certification-list"

    def get_initial(self) -> dict[str, Any]:
        return {"owner": self.request.user.get_username()}

    @transaction.atomic
    def save(self, form: forms.BaseForm, obj: None) -> Certification:
        fields, reason = split_reason(form.cleaned_data)
        upload = fields.pop("certificate_file", None)
        certification = services.create_certification(by=self.request.user, reason=reason, **fields)
        if upload is not None:
            certification = services.attach_certificate_file(
                certification,
                upload,
                by=self.request.user,
                filename=upload.name or "",
                content_type=getattr(upload, "content_type", "") or "",
            )
        return certification


class CertificationEditView(CertificationFormMixin, ObjectFormView):
    model = Certification
    queryset = CERTIFICATION_QUERYSET
    form_class = CertificationForm

    def save(self, form: forms.BaseForm, obj: Certification) -> Certification:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_certification(obj, by=self.request.user, reason=reason, **fields)


@login_required
def certification_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    certification = _certification(request, pk, Action.DELETE)
    form = style_form(_DeleteForm(request.POST if request.method == "POST" else None))
    if request.method == "POST" and form.is_valid():
        services.delete_certification(certification, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The certification is deleted."))
        return redirect("compliance:certification-list")
    context = {
        "title": _("Delete a certification"),
        "question": _(
            "Delete %(name)s with its surveillance audits and files? A certificate that ended "
            "should rather be kept (withdrawn or expired): it counts in the years held."
        )
        % {"name": certification},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("compliance:certification-detail", args=[certification.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


class _DeleteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The file --------------------------------------------------------------------------------------


@login_required
def certification_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The current certificate file, or an earlier one named by `?version=<attachment id>`."""
    certification = _certification(request, pk)
    version = request.GET.get("version", "")
    if version:
        if not (version.isascii() and version.isdigit() and len(version) <= 18):
            raise Http404
        attachment = services.attachments_of(certification).filter(pk=version).first()
    else:
        attachment = certification.certificate_file
    if attachment is None:
        raise Http404
    return attachment_download(attachment)


@login_required
def certification_file_upload(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Upload or replace the certificate file; the replaced one stays listed on the page."""
    certification = _certification(request, pk, Action.CHANGE)
    form = CertificateFileForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["certificate_file"]
        try:
            services.attach_certificate_file(
                certification,
                upload,
                by=request.user,
                filename=upload.name or "",
                content_type=getattr(upload, "content_type", "") or "",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The certificate file is stored."))
            return redirect("compliance:certification-detail", pk=certification.pk)
    return _form_page(
        request,
        form,
        title=_("Certificate file of %(name)s") % {"name": certification},
        cancel_url=reverse("compliance:certification-detail", args=[certification.pk]),
    )


# Renewal ---------------------------------------------------------------------------------------


@login_required
def certification_renew(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Record the renewed certificate: the next of the lineage."""
    certification = _certification(request, pk, Action.CHANGE)
    if not can(request.user, Action.ADD, certification):
        raise Http404
    form = RenewalForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["certificate_file"]
        try:
            renewed = services.renew_certification(
                certification,
                by=request.user,
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                number=data["number"],
                file=upload,
                filename=upload.name if upload is not None else "",
                content_type=getattr(upload, "content_type", "") or "",
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The renewed certificate is recorded."))
            return redirect("compliance:certification-detail", pk=renewed.pk)
    return _form_page(
        request,
        form,
        title=_("Renew %(name)s") % {"name": certification},
        cancel_url=reverse("compliance:certification-detail", args=[certification.pk]),
        intro=_(
            "The renewal is a new certificate of the same scheme, scope, body, unit and owner; "
            "this one stays on record and counts in the years held."
        ),
    )


# Surveillance audits ---------------------------------------------------------------------------


@login_required
def surveillance_audit_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    certification = _certification(request, pk, Action.CHANGE)
    form = SurveillanceAuditForm(
        request.POST if request.method == "POST" else None, person=request.user, prefix="surveillance"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_surveillance_audit(certification, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The audit is planned."))
            return redirect("compliance:certification-detail", pk=certification.pk)
    return _form_page(
        request,
        form,
        title=_("Plan an audit of %(name)s") % {"name": certification},
        cancel_url=reverse("compliance:certification-detail", args=[certification.pk]),
    )


@require_POST
@login_required
def surveillance_audit_complete(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = SurveillanceAudit.objects.select_related("certification")
    item = get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)
    form = CompleteSurveillanceAuditForm(request.POST, prefix="complete")
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    else:
        try:
            services.complete_surveillance_audit(
                item,
                by=request.user,
                completed_on=form.cleaned_data["completed_on"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The audit is completed."))
    return redirect("compliance:certification-detail", pk=item.certification_id)


urlpatterns: list[URLPattern] = [
    path("certifications/", CertificationListView.as_view(), name="certification-list"),
    path("certifications/new/", CertificationCreateView.as_view(), name="certification-add"),
    path("certifications/<int:pk>/", CertificationDetailView.as_view(), name="certification-detail"),
    path("certifications/<int:pk>/edit/", CertificationEditView.as_view(), name="certification-edit"),
    path("certifications/<int:pk>/delete/", certification_delete, name="certification-delete"),
    path("certifications/<int:pk>/renew/", certification_renew, name="certification-renew"),
    path("certifications/<int:pk>/file/", certification_file, name="certification-file"),
    path("certifications/<int:pk>/file/upload/", certification_file_upload, name="certification-file-upload"),
    path(
        "certifications/<int:pk>/surveillance-audits/new/",
        surveillance_audit_add,
        name="surveillance-audit-add",
    ),
    path(
        "surveillance-audits/<int:pk>/complete/",
        surveillance_audit_complete,
        name="surveillance-audit-complete",
    ),
]
