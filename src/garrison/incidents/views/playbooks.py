"""Pages of the playbook library: the list, a playbook with its steps, and the forms.

Everyone who works on incidents reads playbooks; Security Officers and Administrators
of the whole organisation change them (others are refused with 403 on the forms).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.incidents.forms_handling import PlaybookForm, PlaybookStepForm
from garrison.incidents.models import Playbook, PlaybookStep
from garrison.incidents.services import playbooks as services
from garrison.incidents.tables_handling import PLAYBOOK_COLUMNS
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, split_reason, style_form
from garrison.web.lists import ListColumn, ObjectListView

PLAYBOOK_QUERYSET = Playbook.objects.select_related("category")


class PlaybookListView(ObjectListView):
    model = Playbook
    queryset = PLAYBOOK_QUERYSET
    columns = PLAYBOOK_COLUMNS
    search_fields = ("name", "name_zh", "description")
    default_ordering = ("name",)
    title = gettext_lazy("Playbooks")
    empty_message = gettext_lazy("No playbooks yet.")
    create_url_name = "incidents:playbook-create"
    create_label = gettext_lazy("New playbook")
    export_name = "incident-playbooks"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().annotate(step_count=Count("steps"))

    def may_create(self) -> bool:
        return services.may_add_playbooks(self.request.user)


class PlaybookDetailView(ObjectDetailView):
    model = Playbook
    queryset = PLAYBOOK_QUERYSET
    fields = (
        ListColumn(gettext_lazy("name"), "name"),
        ListColumn(gettext_lazy("Chinese name"), "name_zh"),
        ListColumn(gettext_lazy("category"), "category"),
        ListColumn(gettext_lazy("active"), "is_active"),
        ListColumn(gettext_lazy("description"), "description"),
    )
    edit_url_name = "incidents:playbook-update"
    list_url_name = "incidents:playbook-list"
    template_name = "incidents/playbook_detail.html"

    def get_extra_context(self, obj: Playbook) -> dict[str, Any]:
        return {
            "steps": list(obj.steps.order_by("order", "pk")),
            "applied_count": services.applied_count(obj),
            "may_delete": can(self.request.user, Action.DELETE, obj),
        }


class LibraryFormMixin:
    """Forms of library data: adding needs incident rights over the whole organisation."""

    request: HttpRequest
    is_create: ClassVar[bool]

    def get_object(self) -> Any:
        if self.is_create and not services.may_add_playbooks(self.request.user):
            raise PermissionDenied
        return super().get_object()  # type: ignore[misc]


class PlaybookCreateView(LibraryFormMixin, ObjectFormView):
    model = Playbook
    form_class = PlaybookForm
    is_create = True
    title = gettext_lazy("New playbook")
    cancel_url_name = "incidents:playbook-list"

    def save(self, form: forms.BaseForm, obj: None) -> Playbook:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_playbook(by=self.request.user, reason=reason, **fields)


class PlaybookUpdateView(LibraryFormMixin, ObjectFormView):
    model = Playbook
    queryset = PLAYBOOK_QUERYSET
    form_class = PlaybookForm

    def save(self, form: forms.BaseForm, obj: Playbook) -> Playbook:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_playbook(obj, by=self.request.user, reason=reason, **fields)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def changeable_or_403(request: HttpRequest, model: type[Any], pk: int, action: Action = Action.CHANGE) -> Any:
    """The object if the person may take `action` on it; 403 if they only see it, 404 otherwise."""
    visible = get_object_or_404(restrict(model.objects.all(), request.user, Action.VIEW), pk=pk)
    if not can(request.user, action, visible):
        raise PermissionDenied
    return visible


@login_required
def playbook_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    playbook = changeable_or_403(request, Playbook, pk, Action.DELETE)
    form = style_form(ReasonForm(request.POST if request.method == "POST" else None))
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_playbook(playbook, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("incidents:playbook-detail", pk=playbook.pk)
        messages.success(request, _("The playbook is deleted."))
        return redirect("incidents:playbook-list")
    context = {
        "title": _("Delete a playbook"),
        "question": _("Delete the playbook %(name)s with its steps?") % {"name": playbook},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("incidents:playbook-detail", args=[playbook.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Steps -----------------------------------------------------------------------------------------


def _step_form_page(request: HttpRequest, form: forms.BaseForm, playbook: Playbook, title: str) -> Any:
    context = {
        "form": form,
        "title": title,
        "cancel_url": reverse("incidents:playbook-detail", args=[playbook.pk]),
    }
    return render(request, "web/form.html", context, status=400 if form.errors else 200)


@login_required
def step_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    playbook = changeable_or_403(request, Playbook, pk)
    form = PlaybookStepForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        if fields.get("order") is None:
            fields.pop("order", None)
        try:
            services.add_step(playbook, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The step is added."))
            return redirect("incidents:playbook-detail", pk=playbook.pk)
    return _step_form_page(request, form, playbook, _("New step of %(name)s") % {"name": playbook})


def _step(request: HttpRequest, pk: int, step_pk: int) -> PlaybookStep:
    step = changeable_or_403(request, PlaybookStep, step_pk)
    if step.playbook_id != pk:
        raise PermissionDenied
    return step


@login_required
def step_update(request: HttpRequest, pk: int, step_pk: int) -> HttpResponseBase:
    step = _step(request, pk, step_pk)
    form = PlaybookStepForm(
        request.POST if request.method == "POST" else None, instance=PlaybookStep.objects.get(pk=step.pk)
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            services.update_step(step, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The step is changed."))
            return redirect("incidents:playbook-detail", pk=pk)
    return _step_form_page(request, form, step.playbook, _("Change the step %(title)s") % {"title": step})


@login_required
def step_delete(request: HttpRequest, pk: int, step_pk: int) -> HttpResponseBase:
    step = _step(request, pk, step_pk)
    form = style_form(ReasonForm(request.POST if request.method == "POST" else None))
    if request.method == "POST" and form.is_valid():
        services.delete_step(step, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The step is removed."))
        return redirect("incidents:playbook-detail", pk=pk)
    context = {
        "title": _("Remove a step"),
        "question": _("Remove the step %(title)s? Tasks it already created stay with their cases.")
        % {"title": step},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": reverse("incidents:playbook-detail", args=[pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("playbooks/", PlaybookListView.as_view(), name="playbook-list"),
    path("playbooks/new/", PlaybookCreateView.as_view(), name="playbook-create"),
    path("playbooks/<int:pk>/", PlaybookDetailView.as_view(), name="playbook-detail"),
    path("playbooks/<int:pk>/edit/", PlaybookUpdateView.as_view(), name="playbook-update"),
    path("playbooks/<int:pk>/delete/", playbook_delete, name="playbook-delete"),
    path("playbooks/<int:pk>/steps/new/", step_create, name="playbook-step-create"),
    path("playbooks/<int:pk>/steps/<int:step_pk>/edit/", step_update, name="playbook-step-update"),
    path("playbooks/<int:pk>/steps/<int:step_pk>/delete/", step_delete, name="playbook-step-delete"),
]
