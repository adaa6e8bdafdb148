"""Web pages of findings: the list (open findings, most severe first, with their SLA
clocks), a finding's page with its history, links and status actions, and the forms to
enter a finding by hand, change one, mark it fixed or open again, and link it to risk
scenarios and incidents.

Thin: every finding is found through scoping (so forbidden answers 404 like missing),
and every write goes through garrison.vulns.services.findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.vulns.filtersets_findings import FindingListFilter
from garrison.vulns.forms_findings import FindingForm, LinksForm, StatusForm
from garrison.vulns.models import Finding, FindingStatus, Source
from garrison.vulns.services import findings as services
from garrison.vulns.tables_findings import (
    FINDING_COLUMNS,
    FINDING_EXPORT_COLUMNS,
    FINDING_QUERYSET,
    sla_clock,
)
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

REFERENCE_PATTERN = re.compile(r"^VLN-0*(\d{1,18})$", re.IGNORECASE)
EVENTS_SHOWN = 100
STATUS_STEPS = {
    FindingStatus.FIXED.value: services.mark_fixed,
    FindingStatus.OPEN.value: services.reopen_finding,
}


def _finding(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Finding:
    return get_object_or_404(restrict(FINDING_QUERYSET.all(), request.user, action), pk=pk)


def _finding_url(pk: int, section: str = "") -> str:
    url = reverse("vulns:finding-detail", args=[pk])
    return f"{url}#{section}" if section else url


# The list ------------------------------------------------------------------------------------------


class FindingListView(ObjectListView):
    """Findings, open ones by default, most severe and soonest due first."""

    model = Finding
    queryset = FINDING_QUERYSET
    filterset_class = FindingListFilter
    columns = FINDING_COLUMNS
    search_fields = ("title", "cve", "host", "component")
    title = pgettext_lazy("vulnerability", "Findings")
    empty_message = gettext_lazy("No finding matches these filters.")
    create_url_name = "vulns:finding-create"
    create_label = gettext_lazy("Enter a finding")
    export_name = "findings"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # A file holds every identifier, place and date too.
            self.columns = FINDING_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)

    def search(self, queryset: models.QuerySet[Any], text: str) -> models.QuerySet[Any]:
        """A finding's reference (VLN-0000042) finds it; other text searches the title, the
        first CVE, the host and the component."""
        reference = REFERENCE_PATTERN.match(text)
        if reference:
            return queryset.filter(pk=int(reference.group(1)))
        return super().search(queryset, text)


# A finding's page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectColumn(ListColumn):
    """A related object named and linked to its page, when it has one."""

    def url(self, obj: Any) -> str | None:
        target = super().value(obj)
        return object_url(target._meta.label_lower, target.pk) if target is not None else None


@dataclass(frozen=True)
class TextListField(ListColumn):
    def value(self, obj: Any) -> Any:
        return ", ".join(super().value(obj) or []) or None


@dataclass(frozen=True)
class PlaceField(ListColumn):
    def value(self, obj: Any) -> Any:
        if obj.port is None:
            return None
        return f"{obj.port}/{obj.protocol}" if obj.protocol else str(obj.port)


class FindingDetailView(ObjectDetailView):
    """A finding's page: its facts and SLA clock, what to do about it, its history
    (the finding's own steps and the audit trail) and its links to risks and incidents."""

    model = Finding
    queryset = FINDING_QUERYSET.select_related("penetration_test", "sighting__last_import")
    fields = (
        ListColumn(gettext_lazy("severity"), "get_severity_display"),
        ListColumn(gettext_lazy("CVSS score"), "cvss_score"),
        ListColumn(gettext_lazy("CVSS vector"), "cvss_vector"),
        ListColumn(gettext_lazy("scanner severity"), "scanner_severity"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("source"), "get_source_display"),
        ListColumn(gettext_lazy("scan scope"), "scan_scope"),
        ListColumn(gettext_lazy("scanner rule"), "rule_id"),
        TextListField(gettext_lazy("CVE identifiers"), "cve_ids"),
        TextListField(gettext_lazy("CWE identifiers"), "cwe_ids"),
        ListColumn(gettext_lazy("asset"), "asset", link="assets:asset-detail", link_arg="asset_id"),
        ListColumn(gettext_lazy("host"), "host"),
        PlaceField(gettext_lazy("port"), "port"),
        ListColumn(gettext_lazy("service"), "service"),
        ListColumn(gettext_lazy("location"), "location"),
        ListColumn(gettext_lazy("component"), "component"),
        ListColumn(gettext_lazy("component version"), "component_version"),
        ListColumn(gettext_lazy("fixed in version"), "fixed_version"),
        ListColumn(gettext_lazy("owning unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ObjectColumn(gettext_lazy("penetration test"), "penetration_test"),
        ObjectColumn(gettext_lazy("last import"), "sighting.last_import"),
        ListColumn(gettext_lazy("first seen"), "first_seen_at"),
        ListColumn(gettext_lazy("last seen"), "sighting.last_seen_at"),
        ListColumn(gettext_lazy("SLA clock started"), "opened_at"),
        ListColumn(gettext_lazy("fixed"), "fixed_at"),
        ListColumn(gettext_lazy("times reopened"), "reopened_count"),
        ListColumn(gettext_lazy("retest"), "get_retest_status_display"),
    )
    edit_url_name = "vulns:finding-edit"
    list_url_name = "vulns:finding-list"
    template_name = "vulns/finding_detail.html"

    def get_context_data(self, obj: Finding) -> dict[str, Any]:
        context = super().get_context_data(obj)
        if not services.is_editable(obj):
            context["edit_url"] = None
        return context

    def get_extra_context(self, obj: Finding) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        is_open = obj.status == FindingStatus.OPEN
        return {
            "finding": obj,
            "clock": sla_clock(obj),
            "is_imported": obj.source != Source.MANUAL,
            "steps": services.FindingWorkflow.allowed_transitions(obj, person) if may_change else [],
            "events": list(obj.events.select_related("scan_import")[:EVENTS_SHOWN]),
            "risks": list(restrict(obj.risks.all(), person, Action.VIEW).order_by("reference")),
            "incidents": list(restrict(obj.incidents.all(), person, Action.VIEW).order_by("reference")),
            "links_form": LinksForm(person=person, finding=obj) if may_change else None,
            "exception_request_url": (
                reverse("vulns:exception-request", args=[obj.pk]) if may_change and is_open else None
            ),
            "retest_url": (
                reverse("vulns:finding-retest", args=[obj.pk])
                if may_change and obj.penetration_test_id
                else None
            ),
        }


# Create and edit -------------------------------------------------------------------------------------


class FindingCreateView(ObjectFormView):
    model = Finding
    form_class = FindingForm
    is_create = True
    title = gettext_lazy("Enter a finding")
    cancel_url_name = "vulns:finding-list"

    def save(self, form: forms.BaseForm, obj: None) -> Finding:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_finding(by=self.request.user, reason=reason, **fields)


class FindingUpdateView(ObjectFormView):
    """Only findings entered by hand: an import overwrites a scanner's findings."""

    model = Finding
    queryset = FINDING_QUERYSET.filter(source=Source.MANUAL)
    form_class = FindingForm

    def save(self, form: forms.BaseForm, obj: Finding) -> Finding:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_finding(obj, by=self.request.user, reason=reason, **fields)


# Status and links ------------------------------------------------------------------------------------


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def finding_status(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Mark a finding fixed or open it again, with the reason."""
    finding = _finding(request, pk, Action.CHANGE)
    form = StatusForm(_post_or_none(request), initial={"status": request.GET.get("status", "")})
    if request.method == "POST" and form.is_valid():
        step = STATUS_STEPS[form.cleaned_data["status"]]
        try:
            step(finding, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The finding is now %(status)s.") % {"status": finding.get_status_display()}
            )
            return redirect(_finding_url(finding.pk))
    title = _("Change the status of %(finding)s") % {"finding": finding.reference}
    return render_form_page(request, form, title=title, cancel_url=_finding_url(finding.pk))


@login_required
def finding_links(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Link a finding to the risk scenarios and incidents it bears on."""
    finding = _finding(request, pk, Action.CHANGE)
    form = LinksForm(_post_or_none(request), person=request.user, finding=finding)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_links(
                finding,
                by=request.user,
                risks=form.cleaned_data["risks"],
                incidents=form.cleaned_data["incidents"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The links are saved."))
            return redirect(_finding_url(finding.pk, "links"))
    title = _("Risks and incidents of %(finding)s") % {"finding": finding.reference}
    return render_form_page(request, form, title=title, cancel_url=_finding_url(finding.pk, "links"))


urlpatterns: list[URLPattern] = [
    path("findings/", FindingListView.as_view(), name="finding-list"),
    path("findings/new/", FindingCreateView.as_view(), name="finding-create"),
    path("findings/<int:pk>/", FindingDetailView.as_view(), name="finding-detail"),
    path("findings/<int:pk>/edit/", FindingUpdateView.as_view(), name="finding-edit"),
    path("findings/<int:pk>/status/", finding_status, name="finding-status"),
    path("findings/<int:pk>/links/", finding_links, name="finding-links"),
]
