"""Web pages of the organisation: units, people, role assignments, RACI responsibilities.

Thin: lists and object pages come from the generic patterns in garrison.web, every
object is found through scoping (so forbidden answers 404 like missing), and every
write goes through garrison.core.services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.forms.org import (
    PersonFilter,
    PersonForm,
    ReasonForm,
    ResponsibilityForm,
    RoleAssignmentFilter,
    RoleAssignmentForm,
    UnitFilter,
    UnitForm,
)
from garrison.core.models import OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.core.services import identity, mfa, org
from garrison.core.tables import PERSON_COLUMNS, ROLE_ASSIGNMENT_COLUMNS, UNIT_COLUMNS
from garrison.web.details import ObjectDetailView, ObjectFormView, describe_targets
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

MEMBERS_SHOWN = 50


# Units ---------------------------------------------------------------------------------------


class UnitListView(ObjectListView):
    model = OrgUnit
    queryset = OrgUnit.objects.select_related("parent")
    filterset_class = UnitFilter
    columns = UNIT_COLUMNS
    search_fields = ("name", "name_zh", "code")
    default_ordering = ("path",)
    title = gettext_lazy("Organisation units")
    empty_message = gettext_lazy("No units match these filters.")
    create_url_name = "core:unit-create"
    create_label = gettext_lazy("Add unit")
    export_name = "units"


class UnitDetailView(ObjectDetailView):
    model = OrgUnit
    queryset = OrgUnit.objects.select_related("parent")
    fields = (
        ListColumn(gettext_lazy("name"), "name"),
        ListColumn(gettext_lazy("Chinese name"), "name_zh"),
        ListColumn(gettext_lazy("code"), "code"),
        ListColumn(gettext_lazy("kind"), "get_kind_display", template="core/cells/unit_kind.html"),
        ListColumn(gettext_lazy("parent unit"), "parent.name", link="core:unit-detail", link_arg="parent_id"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("active"), "is_active"),
    )
    edit_url_name = "core:unit-edit"
    list_url_name = "core:unit-list"
    template_name = "core/unit_detail.html"

    def get_extra_context(self, obj: OrgUnit) -> dict[str, Any]:
        person = self.request.user
        members = restrict(Person.objects.filter(unit=obj).select_related("manager"), person, Action.VIEW)
        return {
            "members": members[:MEMBERS_SHOWN],
            "member_count": members.count(),
            "children": restrict(obj.children.all(), person, Action.VIEW),
            "add_child_url": (
                f"{reverse('core:unit-create')}?parent={obj.pk}" if can(person, Action.ADD, obj) else None
            ),
        }


class UnitCreateView(ObjectFormView):
    model = OrgUnit
    form_class = UnitForm
    is_create = True
    title = gettext_lazy("New organisation unit")
    cancel_url_name = "core:unit-list"

    def get_initial(self) -> dict[str, Any]:
        parent = self.request.GET.get("parent", "")
        return {"parent": parent} if parent.isdigit() else {}

    def save(self, form: forms.BaseForm, obj: None) -> OrgUnit:
        fields, _reason = split_reason(form.cleaned_data)
        return org.create_unit(by=self.request.user, **fields)


class UnitEditView(ObjectFormView):
    model = OrgUnit
    form_class = UnitForm

    def save(self, form: forms.BaseForm, obj: OrgUnit) -> OrgUnit:
        fields, reason = split_reason(form.cleaned_data)
        return org.update_unit(obj, by=self.request.user, reason=reason, **fields)


# People --------------------------------------------------------------------------------------


class PersonListView(ObjectListView):
    model = Person
    queryset = Person.objects.select_related("unit", "manager")
    filterset_class = PersonFilter
    columns = PERSON_COLUMNS
    search_fields = ("full_name", "username", "email", "job_title")
    default_ordering = ("full_name",)
    title = gettext_lazy("People")
    empty_message = gettext_lazy("No people match these filters.")
    create_url_name = "core:person-create"
    create_label = gettext_lazy("Add person")
    export_name = "people"


class PersonDetailView(ObjectDetailView):
    model = Person
    queryset = Person.objects.select_related("unit", "manager")
    fields = (
        ListColumn(gettext_lazy("full name"), "full_name"),
        ListColumn(gettext_lazy("username"), "username"),
        ListColumn(gettext_lazy("e-mail"), "email"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(
            gettext_lazy("manager"), "manager.full_name", link="core:person-detail", link_arg="manager_id"
        ),
        ListColumn(gettext_lazy("job title"), "job_title"),
        ListColumn(gettext_lazy("employment status"), "get_employment_status_display"),
        ListColumn(gettext_lazy("time zone"), "time_zone"),
        ListColumn(gettext_lazy("language"), "get_language_display"),
        ListColumn(gettext_lazy("two-factor login"), "has_mfa"),
    )
    edit_url_name = "core:person-edit"
    list_url_name = "core:person-list"
    template_name = "core/person_detail.html"

    def get_extra_context(self, obj: Person) -> dict[str, Any]:
        person = self.request.user
        roles = (
            RoleAssignment.objects.filter(person=obj).select_related("unit").order_by("role", "unit__path")
        )
        held = Responsibility.objects.filter(person=obj).select_related("content_type")
        is_locked = identity.is_locked(obj)
        may_change = can(person, Action.CHANGE, obj)
        return {
            "roles": restrict(roles, person, Action.VIEW),
            "reports": restrict(obj.reports.select_related("unit"), person, Action.VIEW),
            "held_responsibilities": describe_targets(restrict(held, person, Action.VIEW), person),
            "is_locked": is_locked,
            "unlock_form": ReasonForm() if is_locked and may_change else None,
            "reset_mfa_form": ReasonForm() if obj.has_mfa and may_change else None,
            "grant_role_url": (
                f"{reverse('core:role-assignment-create')}?{urlencode({'person': obj.username})}"
                if has_grant(person, Domain.ACCESS_CONTROL, Action.ADD)
                else None
            ),
        }


class PersonCreateView(ObjectFormView):
    model = Person
    form_class = PersonForm
    is_create = True
    title = gettext_lazy("New person")
    cancel_url_name = "core:person-list"

    def get_initial(self) -> dict[str, Any]:
        unit = self.request.GET.get("unit", "")
        return {"unit": unit} if unit.isdigit() else {}

    def save(self, form: forms.BaseForm, obj: None) -> Person:
        fields, _reason = split_reason(form.cleaned_data)
        password = fields.pop("password", "") or None
        return org.create_person(by=self.request.user, password=password, **fields)


class PersonEditView(ObjectFormView):
    model = Person
    queryset = Person.objects.select_related("unit", "manager")
    form_class = PersonForm

    def save(self, form: forms.BaseForm, obj: Person) -> Person:
        fields, reason = split_reason(form.cleaned_data)
        return org.update_person(obj, by=self.request.user, reason=reason, **fields)


def _account_action(request: HttpRequest, pk: int, act: Any, done: str, too_long: str) -> HttpResponse:
    """An administrator's action on someone's account (unlock, reset the second factor),
    with an optional reason; the service decides whether the actor may take it."""
    person = get_object_or_404(restrict(Person.objects.all(), request.user, Action.CHANGE), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, too_long)
    else:
        try:
            act(person, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
    return redirect("core:person-detail", pk=person.pk)


@require_POST
@login_required
def person_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(
        request,
        pk,
        identity.unlock,
        _("The account is unlocked."),
        _("The account was not unlocked: the reason is too long."),
    )


@require_POST
@login_required
def person_reset_mfa(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(
        request,
        pk,
        mfa.reset,
        _("Two-factor login is reset; the person sets it up again at their next login."),
        _("Two-factor login was not reset: the reason is too long."),
    )


# Role assignments ----------------------------------------------------------------------------


class RoleAssignmentListView(ObjectListView):
    model = RoleAssignment
    queryset = RoleAssignment.objects.select_related("person", "unit", "granted_by")
    filterset_class = RoleAssignmentFilter
    columns = ROLE_ASSIGNMENT_COLUMNS
    search_fields = ("person__full_name", "person__username")
    default_ordering = ("person__full_name", "role")
    title = gettext_lazy("Role assignments")
    empty_message = gettext_lazy("No role assignments match these filters.")
    create_url_name = "core:role-assignment-create"
    create_label = gettext_lazy("Grant a role")
    export_name = "role-assignments"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        shown = [assignment.pk for assignment in page.object_list]
        revocable = restrict(RoleAssignment.objects.filter(pk__in=shown), self.request.user, Action.DELETE)
        return {"revocable_ids": set(revocable.values_list("pk", flat=True))}


class RoleAssignmentCreateView(ObjectFormView):
    model = RoleAssignment
    form_class = RoleAssignmentForm
    is_create = True
    title = gettext_lazy("Grant a role")
    cancel_url_name = "core:role-assignment-list"

    def get_initial(self) -> dict[str, Any]:
        username = self.request.GET.get("person", "")
        return {"person": username} if username else {}

    def save(self, form: forms.BaseForm, obj: None) -> RoleAssignment:
        data = form.cleaned_data
        return org.assign_role(
            data["person"], data["role"], data["unit"], by=self.request.user, note=data["note"]
        )

    def success_url(self, obj: models.Model) -> str:
        assert isinstance(obj, RoleAssignment)
        return reverse("core:person-detail", args=[obj.person_id])


@login_required
def role_assignment_revoke(request: HttpRequest, pk: int) -> HttpResponseBase:
    queryset = RoleAssignment.objects.select_related("person", "unit")
    assignment = get_object_or_404(restrict(queryset, request.user, Action.DELETE), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org.revoke_role(assignment, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The role is revoked."))
        return redirect("core:role-assignment-list")
    context = {
        "title": _("Revoke a role"),
        "question": _("Revoke %(role)s on %(unit)s from %(person)s?")
        % {"role": assignment.get_role_display(), "unit": assignment.unit, "person": assignment.person},
        "form": form,
        "confirm_label": _("Revoke"),
        "cancel_url": reverse("core:role-assignment-list"),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Responsibilities ----------------------------------------------------------------------------


def changeable_target(person: Any, object_type: str, object_id: str) -> models.Model:
    """The object named by type and id, if `person` may change it; 404 otherwise."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        raise Http404 from None
    if not hasattr(model, "scope"):
        raise Http404
    try:
        pk = model._meta.pk.to_python(object_id)
    except ValidationError:
        raise Http404 from None
    return get_object_or_404(restrict(model._default_manager.all(), person, Action.CHANGE), pk=pk)


def _target_url(target: models.Model) -> str:
    return object_url(target._meta.label_lower, target.pk) or reverse("web:dashboard")


@login_required
def responsibility_add(request: HttpRequest, object_type: str, object_id: str) -> HttpResponseBase:
    target = changeable_target(request.user, object_type, object_id)
    form = ResponsibilityForm(request.POST or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org.assign_responsibility(
                target,
                data["raci"],
                by=request.user,
                person=data["person"],
                assignee_unit=data["assignee_unit"],
                note=data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The responsibility is added."))
            return redirect(_target_url(target))
    return render_form_page(
        request,
        form,
        title=_("Add a responsibility for %(object)s") % {"object": target},
        cancel_url=_target_url(target),
    )


@login_required
def responsibility_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    queryset = Responsibility.objects.select_related("content_type", "person", "assignee_unit")
    responsibility = get_object_or_404(restrict(queryset, request.user, Action.VIEW), pk=pk)
    content_type = responsibility.content_type
    target = changeable_target(
        request.user, f"{content_type.app_label}.{content_type.model}", responsibility.object_id
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org.remove_responsibility(responsibility, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The responsibility is removed."))
        return redirect(_target_url(target))
    context = {
        "title": _("Remove a responsibility"),
        "question": _("Remove “%(responsibility)s” for %(object)s?")
        % {"responsibility": responsibility, "object": target},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": _target_url(target),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)
