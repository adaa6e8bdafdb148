"""Web pages of the control-testing calendar: the tests (due, overdue, completed), a test's
page, moving a scheduled test, and recording its result.

A completed test is read-only: the pages offer no change, and the services refuse one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance.filtersets_controls import ControlTestFilter
from garrison.compliance.forms_controls import CompleteTestForm, ControlTestForm
from garrison.compliance.models import ControlTest, Finding
from garrison.compliance.services import testing
from garrison.compliance.tables_controls import CONTROL_TEST_COLUMNS
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.web.details import ObjectDetailView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

TEST_QUERYSET = ControlTest.objects.select_related(
    "control__unit", "control__owner", "tester", "performed_by"
)


class ControlTestListView(ObjectListView):
    """The testing calendar: every test the person may see, by due date, grouped by month."""

    model = ControlTest
    queryset = TEST_QUERYSET
    filterset_class = ControlTestFilter
    columns = CONTROL_TEST_COLUMNS
    search_fields = ("control__reference", "control__name", "notes")
    default_ordering = ("due_on",)
    title = gettext_lazy("Control testing calendar")
    empty_message = gettext_lazy("No control test matches these filters.")
    export_name = "control-tests"
    template_name = "compliance/control_test_list.html"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        query = reverse("compliance:control-test-list")
        return {
            "calendar_links": [
                (gettext_lazy("Due within 30 days"), f"{query}?calendar=due"),
                (gettext_lazy("Overdue"), f"{query}?calendar=overdue"),
                (gettext_lazy("Completed"), f"{query}?calendar=completed&sort=-due_on"),
            ]
        }


class ControlTestDetailView(ObjectDetailView):
    model = ControlTest
    queryset = TEST_QUERYSET
    fields = (
        ListColumn(
            gettext_lazy("control"), "control", link="compliance:control-detail", link_arg="control_id"
        ),
        ListColumn(gettext_lazy("due date"), "due_on"),
        ListColumn(gettext_lazy("tester"), "tester.full_name"),
        ListColumn(gettext_lazy("test method"), "get_method_display"),
        ListColumn(gettext_lazy("success criteria"), "success_criteria"),
        ListColumn(
            gettext_lazy("result"), "get_result_display", template="compliance/control_test_result_cell.html"
        ),
        ListColumn(gettext_lazy("performed on"), "performed_on"),
        ListColumn(gettext_lazy("performed by"), "performed_by.full_name"),
        ListColumn(gettext_lazy("notes"), "notes"),
        ListColumn(gettext_lazy("completed at"), "completed_at"),
    )
    edit_url_name = "compliance:control-test-edit"
    list_url_name = "compliance:control-test-list"
    template_name = "compliance/control_test_detail.html"

    def get_context_data(self, obj: ControlTest) -> dict[str, Any]:
        context = super().get_context_data(obj)
        if obj.is_completed:
            # Read-only from now on: no edit button, whatever the person's rights.
            context["edit_url"] = None
        return context

    def get_extra_context(self, obj: ControlTest) -> dict[str, Any]:
        person = self.request.user
        may_complete = not obj.is_completed and can(person, Action.CHANGE, obj)
        finding = restrict(Finding.objects.filter(control_test=obj), person, Action.VIEW).first()
        return {
            "complete_form": (
                CompleteTestForm(
                    person=person, control=obj.control, initial={"performed_on": timezone.localdate()}
                )
                if may_complete
                else None
            ),
            "evidence": list(restrict(obj.evidence.all(), person, Action.VIEW)),
            "finding": finding,
            "finding_url": object_url("compliance.finding", finding.pk) if finding else None,
        }


def _changeable_test(request: HttpRequest, pk: int) -> ControlTest:
    return get_object_or_404(restrict(TEST_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)


@login_required
def control_test_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Move a scheduled test or give it to another tester."""
    test = _changeable_test(request, pk)
    if test.is_completed:
        messages.error(request, _("This test is completed; a completed test cannot be changed."))
        return redirect("compliance:control-test-detail", pk=test.pk)
    form = ControlTestForm(
        request.POST or None, instance=ControlTest.objects.get(pk=test.pk), person=request.user
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            testing.update_test(test, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("compliance:control-test-detail", pk=test.pk)
    return render_form_page(
        request,
        form,
        title=_("Control test: %(test)s") % {"test": test},
        cancel_url=reverse("compliance:control-test-detail", args=[test.pk]),
    )


@login_required
def control_test_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Record the result of a test (the form is also on the test's page)."""
    test = _changeable_test(request, pk)
    if test.is_completed:
        messages.error(request, _("This test is completed; a completed test cannot be changed."))
        return redirect("compliance:control-test-detail", pk=test.pk)
    form = CompleteTestForm(
        request.POST or None,
        person=request.user,
        control=test.control,
        initial={"performed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            testing.complete_test(test, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            test.refresh_from_db()
            if test.result == "failed":
                messages.warning(
                    request, _("The test failed; a nonconformity is opened for the control's owner.")
                )
            else:
                messages.success(request, _("The result is recorded."))
            return redirect("compliance:control-test-detail", pk=test.pk)
    return render_form_page(
        request,
        form,
        title=_("Record the result of %(test)s") % {"test": test},
        cancel_url=reverse("compliance:control-test-detail", args=[test.pk]),
    )


urlpatterns: list[URLPattern] = [
    path("control-tests/", ControlTestListView.as_view(), name="control-test-list"),
    path("control-tests/<int:pk>/", ControlTestDetailView.as_view(), name="control-test-detail"),
    path("control-tests/<int:pk>/edit/", control_test_edit, name="control-test-edit"),
    path("control-tests/<int:pk>/complete/", control_test_complete, name="control-test-complete"),
]
