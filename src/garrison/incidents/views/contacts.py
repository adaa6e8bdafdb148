"""Pages of the emergency contacts and the on-duty escalation chain.

Everyone who works on incidents reads both lists; Security Officers and Administrators
of the whole organisation change them (others are refused: 403 to add, 404 to edit).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Action
from garrison.incidents.forms_handling import EmergencyContactForm, EscalationStepForm
from garrison.incidents.models import ContactKind, EmergencyContact, EscalationStep
from garrison.incidents.services import contacts as services
from garrison.incidents.services.playbooks import may_add_playbooks
from garrison.incidents.tables_handling import CONTACT_COLUMNS, ESCALATION_COLUMNS
from garrison.incidents.views.playbooks import LibraryFormMixin, ReasonForm, changeable_or_403
from garrison.web.details import ObjectFormView
from garrison.web.forms import split_reason, style_form
from garrison.web.lists import ObjectListView


class ContactFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices, label=gettext_lazy("Kind"))
    is_active = django_filters.BooleanFilter(label=gettext_lazy("Active"))

    class Meta:
        model = EmergencyContact
        fields = ["kind", "is_active"]


class ContactListView(ObjectListView):
    model = EmergencyContact
    filterset_class = ContactFilter
    columns = CONTACT_COLUMNS
    search_fields = ("name", "organisation", "role", "phone", "email")
    default_ordering = ("kind", "name")
    title = gettext_lazy("Emergency contacts")
    empty_message = gettext_lazy("No emergency contacts yet.")
    create_url_name = "incidents:contact-create"
    create_label = gettext_lazy("New contact")
    export_name = "emergency-contacts"

    def may_create(self) -> bool:
        return may_add_playbooks(self.request.user)


class EscalationListView(ObjectListView):
    model = EscalationStep
    queryset = EscalationStep.objects.select_related("person")
    columns = ESCALATION_COLUMNS
    search_fields = ("person__full_name", "person__username", "contact_note")
    default_ordering = ("level", "after_minutes")
    title = gettext_lazy("Escalation chain")
    empty_message = gettext_lazy("No escalation chain yet: nobody is told when a reporting deadline passes.")
    create_url_name = "incidents:escalation-create"
    create_label = gettext_lazy("New level")
    export_name = "escalation-chain"

    def may_create(self) -> bool:
        return may_add_playbooks(self.request.user)


class _BackToListMixin(LibraryFormMixin):
    """Contacts and steps have no page of their own: forms come from and go back to the list."""

    list_url_name: str

    def success_url(self, obj: models.Model) -> str:
        return reverse(self.list_url_name)

    def render_form(self, obj: Any, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "object": obj,
            "form": form,
            "title": self.title or str(obj),  # type: ignore[attr-defined]
            "cancel_url": reverse(self.list_url_name),
        }
        return render(self.request, "web/form.html", context, status=status)


class ContactCreateView(_BackToListMixin, ObjectFormView):
    model = EmergencyContact
    form_class = EmergencyContactForm
    is_create = True
    title = gettext_lazy("New emergency contact")
    list_url_name = "incidents:contact-list"

    def save(self, form: forms.BaseForm, obj: None) -> EmergencyContact:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_contact(by=self.request.user, reason=reason, **fields)


class ContactUpdateView(_BackToListMixin, ObjectFormView):
    model = EmergencyContact
    form_class = EmergencyContactForm
    list_url_name = "incidents:contact-list"

    def save(self, form: forms.BaseForm, obj: EmergencyContact) -> EmergencyContact:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_contact(obj, by=self.request.user, reason=reason, **fields)


class EscalationCreateView(_BackToListMixin, ObjectFormView):
    model = EscalationStep
    form_class = EscalationStepForm
    is_create = True
    title = gettext_lazy("New level of the escalation chain")
    list_url_name = "incidents:escalation-list"

    def save(self, form: forms.BaseForm, obj: None) -> EscalationStep:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_escalation_step(by=self.request.user, reason=reason, **fields)


class EscalationUpdateView(_BackToListMixin, ObjectFormView):
    model = EscalationStep
    queryset = EscalationStep.objects.select_related("person")
    form_class = EscalationStepForm
    list_url_name = "incidents:escalation-list"

    def save(self, form: forms.BaseForm, obj: EscalationStep) -> EscalationStep:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_escalation_step(obj, by=self.request.user, reason=reason, **fields)


def _delete_page(
    request: HttpRequest, obj: Any, *, question: str, list_url: str, delete: Any, done: str
) -> HttpResponseBase:
    form = style_form(ReasonForm(request.POST if request.method == "POST" else None))
    if request.method == "POST" and form.is_valid():
        delete(obj, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, done)
        return redirect(list_url)
    context = {
        "title": question,
        "question": question,
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": list_url,
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@login_required
def contact_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    contact = changeable_or_403(request, EmergencyContact, pk, Action.DELETE)
    return _delete_page(
        request,
        contact,
        question=_("Delete the contact %(name)s?") % {"name": contact},
        list_url=reverse("incidents:contact-list"),
        delete=services.delete_contact,
        done=_("The contact is deleted."),
    )


@login_required
def escalation_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    step = changeable_or_403(request, EscalationStep, pk, Action.DELETE)
    return _delete_page(
        request,
        step,
        question=_("Delete level %(step)s of the escalation chain?") % {"step": step},
        list_url=reverse("incidents:escalation-list"),
        delete=services.delete_escalation_step,
        done=_("The level is deleted."),
    )


urlpatterns: list[URLPattern] = [
    path("contacts/", ContactListView.as_view(), name="contact-list"),
    path("contacts/new/", ContactCreateView.as_view(), name="contact-create"),
    path("contacts/<int:pk>/edit/", ContactUpdateView.as_view(), name="contact-update"),
    path("contacts/<int:pk>/delete/", contact_delete, name="contact-delete"),
    path("escalation/", EscalationListView.as_view(), name="escalation-list"),
    path("escalation/new/", EscalationCreateView.as_view(), name="escalation-create"),
    path("escalation/<int:pk>/edit/", EscalationUpdateView.as_view(), name="escalation-update"),
    path("escalation/<int:pk>/delete/", escalation_delete, name="escalation-delete"),
]
