"""Web pages of the applied controls: the list, a control's page (requirements met per
framework, assets, risks, test plan and tests, nonconformities, history), the create, edit
and delete forms.

Thin: every object is found through scoping (forbidden answers 404 like missing) and every
write goes through garrison.compliance.services.controls.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance.filtersets_controls import AppliedControlFilter
from garrison.compliance.forms_controls import ControlForm
from garrison.compliance.models import AppliedControl, Finding, Framework, RequirementNode, TestResult
from garrison.compliance.services import controls as control_services
from garrison.compliance.tables_controls import CONTROL_COLUMNS
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import split_reason, style_form
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

CONTROL_QUERYSET = AppliedControl.objects.select_related("unit", "owner", "tester", "reference_control")
TESTS_SHOWN = 24


def with_list_figures(queryset: QuerySet[AppliedControl]) -> QuerySet[AppliedControl]:
    """How many requirements each control meets and when its next test is due."""
    return queryset.annotate(
        requirement_count=Count("requirements", distinct=True),
        next_test_due=Min("tests__due_on", filter=Q(tests__result=TestResult.SCHEDULED)),
    )


class ControlListView(ObjectListView):
    """The organisation's controls, each meeting requirements of any number of frameworks."""

    model = AppliedControl
    queryset = CONTROL_QUERYSET
    filterset_class = AppliedControlFilter
    columns = CONTROL_COLUMNS
    search_fields = ("reference", "name", "description")
    default_ordering = ("reference",)
    title = gettext_lazy("Controls")
    empty_message = gettext_lazy("No control matches these filters.")
    create_url_name = "compliance:control-add"
    create_label = gettext_lazy("Add control")
    export_name = "controls"

    def get_queryset(self) -> QuerySet[Any]:
        return with_list_figures(super().get_queryset())


class ControlDetailView(ObjectDetailView):
    model = AppliedControl
    queryset = CONTROL_QUERYSET
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("owner"), "owner.full_name", link="core:person-detail", link_arg="owner_id"),
        ListColumn(gettext_lazy("category"), "get_category_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("implemented on"), "implemented_on"),
        ListColumn(
            gettext_lazy("reference control"),
            "reference_control",
            link="compliance:reference-control-detail",
            link_arg="reference_control_id",
        ),
    )
    edit_url_name = "compliance:control-edit"
    list_url_name = "compliance:control-list"
    template_name = "compliance/control_detail.html"

    def get_extra_context(self, obj: AppliedControl) -> dict[str, Any]:
        person = self.request.user
        requirements = restrict(obj.requirements.select_related("framework"), person, Action.VIEW)
        by_framework: dict[Framework, list[RequirementNode]] = defaultdict(list)
        for requirement in requirements.order_by("framework__reference", "order", "pk"):
            by_framework[requirement.framework].append(requirement)
        assets = list(restrict(obj.assets.all(), person, Action.VIEW).order_by("reference"))
        risks = list(restrict(obj.risks.all(), person, Action.VIEW).order_by("reference"))
        tests = restrict(obj.tests.select_related("tester", "performed_by"), person, Action.VIEW)
        findings = restrict(Finding.objects.filter(control=obj), person, Action.VIEW).order_by("-raised_on")
        return {
            "requirements_by_framework": list(by_framework.items()),
            "assets": assets,
            "hidden_asset_count": obj.assets.count() - len(assets),
            "risks": risks,
            "hidden_risk_count": obj.risks.count() - len(risks),
            "tests": list(tests.order_by("-due_on")[:TESTS_SHOWN]),
            "test_count": tests.count(),
            "today": timezone.localdate(),
            "findings": [(finding, object_url("compliance.finding", finding.pk)) for finding in findings],
            "may_delete": can(person, Action.DELETE, obj),
            "test_list_url": f"{reverse('compliance:control-test-list')}?control={obj.pk}",
        }


class ControlCreateView(ObjectFormView):
    model = AppliedControl
    form_class = ControlForm
    is_create = True
    title = gettext_lazy("New control")
    cancel_url_name = "compliance:control-list"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"owner": self.request.user.get_username()}
        requirement = self.request.GET.get("requirement", "")
        if requirement.isdigit():
            initial["requirements"] = [int(requirement)]
        return initial

    def save(self, form: forms.BaseForm, obj: None) -> AppliedControl:
        fields, reason = split_reason(form.cleaned_data)
        return control_services.create_control(
            by=self.request.user, reason=reason, reference=fields.pop("reference", "") or "", **fields
        )


class ControlEditView(ObjectFormView):
    model = AppliedControl
    queryset = CONTROL_QUERYSET
    form_class = ControlForm

    def save(self, form: forms.BaseForm, obj: AppliedControl) -> AppliedControl:
        fields, reason = split_reason(form.cleaned_data)
        return control_services.update_control(
            obj,
            by=self.request.user,
            reason=reason,
            requirements=fields.pop("requirements"),
            assets=fields.pop("assets"),
            risks=fields.pop("risks"),
            **fields,
        )


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def control_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    control = get_object_or_404(restrict(CONTROL_QUERYSET.all(), request.user, Action.DELETE), pk=pk)
    form = style_form(DeleteForm(request.POST or None))
    blockers = control_services.deletion_blockers(control)
    if request.method == "POST" and form.is_valid():
        try:
            control_services.delete_control(control, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The control is deleted."))
            return redirect("compliance:control-list")
    if blockers:
        question = " ".join([_("This control cannot be deleted; retire it instead."), *blockers])
    else:
        question = _("Delete %(control)s with its test records? Retiring it keeps it on record.") % {
            "control": control
        }
    context = {
        "title": _("Delete a control"),
        "question": question,
        "form": None if blockers else form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("compliance:control-detail", args=[control.pk]),
    }
    status = 400 if form.errors or (blockers and request.method == "POST") else 200
    return render(
        request, "compliance/control_delete.html", context | {"blocked": bool(blockers)}, status=status
    )


urlpatterns: list[URLPattern] = [
    path("controls/", ControlListView.as_view(), name="control-list"),
    path("controls/new/", ControlCreateView.as_view(), name="control-add"),
    path("controls/<int:pk>/", ControlDetailView.as_view(), name="control-detail"),
    path("controls/<int:pk>/edit/", ControlEditView.as_view(), name="control-edit"),
    path("controls/<int:pk>/delete/", control_delete, name="control-delete"),
]
