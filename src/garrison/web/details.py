"""The one detail/edit pattern every domain reuses.

`ObjectDetailView` shows an object's labelled fields, the RACI responsibilities
for it and its history; `ObjectFormView` creates or edits an object through a
ModelForm whose cleaned data goes to a service (never `form.save()`), so every
write is validated once and audited. Both find objects only through scoping, so
an object out of reach answers 404 exactly like a missing one.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import View

from garrison.core.models import Responsibility
from garrison.core.roles import Action
from garrison.core.scoping import can, has_grant, restrict
from garrison.web.forms import apply_service_errors
from garrison.web.history import history_for
from garrison.web.links import object_url
from garrison.web.lists import Cell, ListColumn


@dataclass(frozen=True)
class HeldResponsibility:
    """A responsibility with the object it is for, named and linked."""

    responsibility: Responsibility
    target_label: str
    target_url: str | None


def responsibilities_for(obj: models.Model, person: Any) -> models.QuerySet[Responsibility]:
    """Who is responsible, accountable, consulted and informed for `obj`."""
    content_type = ContentType.objects.get_for_model(obj)
    queryset = Responsibility.objects.filter(content_type=content_type, object_id=str(obj.pk))
    return restrict(queryset.select_related("person", "assignee_unit"), person, Action.VIEW)


def describe_targets(responsibilities: Iterable[Responsibility], person: Any) -> list[HeldResponsibility]:
    """Name the objects of many responsibilities with one query per object type."""
    items = list(responsibilities)
    wanted: dict[int, set[str]] = defaultdict(set)
    for item in items:
        wanted[item.content_type_id].add(item.object_id)
    names: dict[tuple[int, str], str] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not hasattr(model, "scope"):
            continue
        visible = restrict(model._default_manager.filter(pk__in=ids), person, Action.VIEW)
        names.update({(content_type_id, str(obj.pk)): str(obj) for obj in visible})
    described = []
    for item in items:
        content_type = ContentType.objects.get_for_id(item.content_type_id)
        label = names.get((item.content_type_id, item.object_id))
        object_type = f"{content_type.app_label}.{content_type.model}"
        described.append(
            HeldResponsibility(
                item,
                label or f"{content_type.name} #{item.object_id}",
                object_url(object_type, item.object_id) if label else None,
            )
        )
    return described


class ObjectDetailView(LoginRequiredMixin, View):
    """An object's page: declare `model` (or `queryset`) and `fields`; subclasses add
    sections by extending web/detail.html and overriding `get_extra_context`."""

    model: ClassVar[type[models.Model]]
    queryset: ClassVar[models.QuerySet[Any] | None] = None
    fields: ClassVar[Sequence[ListColumn]] = ()
    edit_url_name: ClassVar[str | None] = None
    list_url_name: ClassVar[str | None] = None
    template_name: ClassVar[str] = "web/detail.html"

    request: HttpRequest

    def get_queryset(self, action: Action = Action.VIEW) -> models.QuerySet[Any]:
        queryset = self.queryset if self.queryset is not None else self.model._default_manager.all()
        return restrict(queryset.all(), self.request.user, action)

    def get_object(self) -> Any:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return render(request, self.template_name, self.get_context_data(obj))

    def get_context_data(self, obj: Any) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        label = obj._meta.label_lower
        return {
            "object": obj,
            "title": str(obj),
            "kind": obj._meta.verbose_name,
            "fields": [
                (field.label, Cell(field.value(obj), field.url(obj), field.template)) for field in self.fields
            ],
            "may_change": may_change,
            "edit_url": reverse(self.edit_url_name, args=[obj.pk])
            if may_change and self.edit_url_name
            else None,
            "list_url": reverse(self.list_url_name) if self.list_url_name else None,
            "responsibilities": responsibilities_for(obj, person),
            "responsibility_add_url": (
                reverse("core:responsibility-add", args=[label, obj.pk]) if may_change else None
            ),
            "history": history_for(obj, person),
            **self.get_extra_context(obj),
        }

    def get_extra_context(self, obj: Any) -> dict[str, Any]:
        return {}


class ObjectFormView(LoginRequiredMixin, View, ABC):
    """A create or edit page: the form validates, `save` calls the service.

    Forms used here take the acting `person` as a keyword argument, so that their
    choices (units, managers) are scoped to what that person may use.
    """

    model: ClassVar[type[models.Model]]
    queryset: ClassVar[models.QuerySet[Any] | None] = None
    form_class: ClassVar[type[forms.BaseForm]]
    is_create: ClassVar[bool] = False
    title: ClassVar[str | Promise] = ""
    template_name: ClassVar[str] = "web/form.html"
    cancel_url_name: ClassVar[str | None] = None

    request: HttpRequest

    def get_object(self) -> Any:
        """The object to edit, or None on a create page (refused unless the person may add)."""
        person = self.request.user
        if self.is_create:
            if not has_grant(person, self.model.scope.domain, Action.ADD):  # type: ignore[attr-defined]
                raise Http404
            return None
        queryset = self.queryset if self.queryset is not None else self.model._default_manager.all()
        return get_object_or_404(restrict(queryset.all(), person, Action.CHANGE), pk=self.kwargs["pk"])

    def get_form(self, obj: Any, data: Any = None) -> forms.BaseForm:
        # The form works on a copy: ModelForm validation writes the new values onto
        # its instance, and the service must still see the old ones to record the change.
        instance = copy.copy(obj) if obj is not None else None
        return self.form_class(  # type: ignore[call-arg]
            data, instance=instance, initial=self.get_initial(), person=self.request.user
        )

    def get_initial(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def save(self, form: forms.BaseForm, obj: Any) -> models.Model:
        """Call the service with the form's cleaned data; return the saved object."""

    def success_url(self, obj: models.Model) -> str:
        return object_url(obj._meta.label_lower, obj.pk) or self.request.path

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return self.render_form(obj, self.get_form(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        if form.is_valid():
            try:
                saved = self.save(form, obj)
            except ValidationError as error:
                apply_service_errors(form, error)
            except IntegrityError:
                form.add_error(None, _("This conflicts with an existing record."))
            else:
                messages.success(request, _("Saved."))
                return redirect(self.success_url(saved))
        return self.render_form(obj, form, status=400)

    def render_form(self, obj: Any, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        if obj is not None:
            cancel_url = object_url(obj._meta.label_lower, obj.pk)
        else:
            cancel_url = reverse(self.cancel_url_name) if self.cancel_url_name else None
        context = {
            "object": obj,
            "form": form,
            "title": self.title or (str(obj) if obj is not None else self.model._meta.verbose_name),
            "cancel_url": cancel_url,
        }
        return render(self.request, self.template_name, context, status=status)
