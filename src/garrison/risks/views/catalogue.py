"""Web pages of the risk catalogue: risk matrices and threats.

Thin: lists and pages come from the generic patterns in garrison.web; every write
goes through garrison.risks.services.catalogue. Library data belongs to the whole
organisation, so the add, edit and remove pages need the grant over every tree; a
library's own objects change only with a newer version of their library (a library
matrix's appetite and default flag excepted).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.forms.org import ReasonForm
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.risks.forms_catalogue import MatrixFilter, MatrixForm, ThreatFilter, ThreatForm, category_label
from garrison.risks.heatmap import level_css_class
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services import catalogue
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.lists import ListColumn, ObjectListView

SCENARIOS_SHOWN = 20

MATRIX_COLUMNS = (
    ListColumn(
        gettext_lazy("name"),
        "name",
        sort_key="name",
        link="risks:matrix-detail",
        template="risks/matrix_cell_name.html",
    ),
    ListColumn(gettext_lazy("size"), "pk", template="risks/matrix_cell_size.html", exportable=False),
    ListColumn(gettext_lazy("risk levels"), "pk", template="risks/matrix_cell_levels.html", exportable=False),
    ListColumn(gettext_lazy("risk appetite"), "appetite", template="risks/matrix_cell_appetite.html"),
    ListColumn(gettext_lazy("default matrix"), "is_default", sort_key="is_default"),
    ListColumn(gettext_lazy("library"), "library_urn", sort_key="library_urn"),
    ListColumn(gettext_lazy("risk scenarios"), "scenario_count", sort_key="scenario_count"),
    ListColumn(gettext_lazy("URN"), "urn", sort_key="urn"),
)

THREAT_COLUMNS = (
    ListColumn(gettext_lazy("reference"), "reference", sort_key="reference", link="risks:threat-detail"),
    ListColumn(gettext_lazy("name"), "name", sort_key="name", template="risks/threat_cell_name.html"),
    ListColumn(
        gettext_lazy("category"), "category", sort_key="category", template="risks/threat_cell_category.html"
    ),
    ListColumn(gettext_lazy("library"), "library_urn", sort_key="library_urn"),
    ListColumn(gettext_lazy("risk scenarios"), "scenario_count", sort_key="scenario_count"),
)


class CatalogueCreateMixin:
    """Adding library data needs the grant over every organisation tree."""

    request: HttpRequest

    def may_create(self) -> bool:
        return catalogue.may_change_catalogue(self.request.user, Action.ADD)


# Matrices ---------------------------------------------------------------------------------------


class MatrixListView(CatalogueCreateMixin, ObjectListView):
    """The risk matrices: the shipped ones and the organisation's own."""

    model = RiskMatrix
    queryset = RiskMatrix.objects.annotate(scenario_count=Count("scenarios"))
    filterset_class = MatrixFilter
    columns = MATRIX_COLUMNS
    search_fields = ("name", "name_zh", "urn")
    default_ordering = ("-is_default", "name")
    title = gettext_lazy("Risk matrices")
    empty_message = gettext_lazy("No matrix matches these filters.")
    create_url_name = "risks:matrix-create"
    create_label = gettext_lazy("Add matrix")
    export_name = "risk-matrices"
    template_name = "risks/matrix_list.html"


def grid_rows(matrix: RiskMatrix) -> list[dict[str, Any]]:
    """The grid as drawn: the highest likelihood on top, impact rising to the right."""
    likelihood_names = matrix.step_names("likelihood")
    rows = []
    for index in reversed(range(len(matrix.grid))):
        cells = [
            {
                "rank": rank,
                "name": matrix.level_name(rank),
                "css_class": level_css_class(matrix, rank),
                "is_above_appetite": rank > matrix.appetite,
            }
            for rank in matrix.grid[index]
        ]
        rows.append({"number": index + 1, "name": likelihood_names[index], "cells": cells})
    return rows


def level_legend(matrix: RiskMatrix) -> list[dict[str, Any]]:
    return [
        {
            "rank": rank,
            "key": level.get("key", ""),
            "level": level,
            "colour": level.get("colour", ""),
            "css_class": level_css_class(matrix, rank),
            "is_appetite": rank == matrix.appetite,
        }
        for rank, level in enumerate(matrix.levels, start=1)
    ]


class MatrixDetailView(ObjectDetailView):
    """A matrix drawn as its grid, coloured by level, with its scales and appetite."""

    model = RiskMatrix
    queryset = RiskMatrix.objects.annotate(scenario_count=Count("scenarios"))
    fields = (
        ListColumn(gettext_lazy("name"), "name"),
        ListColumn(gettext_lazy("Chinese name"), "name_zh"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("URN"), "urn"),
        ListColumn(gettext_lazy("library"), "library_urn"),
        ListColumn(gettext_lazy("default matrix"), "is_default"),
        ListColumn(gettext_lazy("risk scenarios"), "scenario_count"),
    )
    edit_url_name = "risks:matrix-edit"
    list_url_name = "risks:matrix-list"
    template_name = "risks/matrix_detail.html"

    def get_extra_context(self, obj: RiskMatrix) -> dict[str, Any]:
        may_delete = (
            not obj.library_urn
            and not obj.scenario_count  # type: ignore[attr-defined]
            and catalogue.may_change_catalogue(self.request.user, Action.DELETE)
        )
        return {
            "grid_rows": grid_rows(obj),
            "impact_names": obj.step_names("impact"),
            "legend": level_legend(obj),
            "appetite_name": obj.level_name(obj.appetite),
            "likelihood_steps": list(enumerate(obj.likelihood, start=1)),
            "impact_steps": list(enumerate(obj.impact, start=1)),
            "delete_url": reverse("risks:matrix-delete", args=[obj.pk]) if may_delete else None,
        }


class CatalogueFormView(ObjectFormView):
    """Create and edit pages of library data: adding needs the grant over every tree."""

    def get_object(self) -> Any:
        if self.is_create and not catalogue.may_change_catalogue(self.request.user, Action.ADD):
            raise Http404
        return super().get_object()


class MatrixCreateView(CatalogueFormView):
    model = RiskMatrix
    form_class = MatrixForm
    is_create = True
    title = gettext_lazy("New risk matrix")
    cancel_url_name = "risks:matrix-list"

    def get_initial(self) -> dict[str, Any]:
        # Start from the default matrix, the usual starting point of a variant.
        default = RiskMatrix.objects.filter(is_default=True).first()
        if default is None:
            return {}
        initial = MatrixForm.initial_from(default)
        initial.update(name="", name_zh="", description="", is_default=False)
        return initial

    def save(self, form: forms.BaseForm, obj: None) -> RiskMatrix:
        assert isinstance(form, MatrixForm)
        data, reason = form.service_data()
        return catalogue.create_matrix(by=self.request.user, reason=reason, **data)

    def success_url(self, obj: models.Model) -> str:
        return reverse("risks:matrix-detail", args=[obj.pk])


class MatrixEditView(CatalogueFormView):
    model = RiskMatrix
    form_class = MatrixForm

    def save(self, form: forms.BaseForm, obj: RiskMatrix) -> RiskMatrix:
        assert isinstance(form, MatrixForm)
        data, reason = form.service_data()
        return catalogue.update_matrix(obj, by=self.request.user, reason=reason, **data)

    def success_url(self, obj: models.Model) -> str:
        return reverse("risks:matrix-detail", args=[obj.pk])


# Threats ----------------------------------------------------------------------------------------


class ThreatListView(CatalogueCreateMixin, ObjectListView):
    """The threat catalogue: the shipped threats and the organisation's own."""

    model = Threat
    queryset = Threat.objects.annotate(scenario_count=Count("scenarios"))
    filterset_class = ThreatFilter
    columns = THREAT_COLUMNS
    search_fields = ("reference", "name", "name_zh", "description", "description_zh")
    default_ordering = ("reference",)
    title = gettext_lazy("Threats")
    empty_message = gettext_lazy("No threat matches these filters.")
    create_url_name = "risks:threat-create"
    create_label = gettext_lazy("Add threat")
    export_name = "threats"
    template_name = "risks/threat_list.html"


class ThreatDetailView(ObjectDetailView):
    """A threat, and the risk scenarios (within the reader's reach) that name it."""

    model = Threat
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(gettext_lazy("name"), "name"),
        ListColumn(gettext_lazy("Chinese name"), "name_zh"),
        ListColumn(gettext_lazy("category"), "category", template="risks/threat_cell_category.html"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("Chinese description"), "description_zh"),
        ListColumn(gettext_lazy("URN"), "urn"),
        ListColumn(gettext_lazy("library"), "library_urn"),
    )
    edit_url_name = "risks:threat-edit"
    list_url_name = "risks:threat-list"
    template_name = "risks/threat_detail.html"

    def get_context_data(self, obj: Threat) -> dict[str, Any]:
        context = super().get_context_data(obj)
        if obj.library_urn:
            # A library's threat changes only with a newer version of its library.
            context["edit_url"] = None
        return context

    def get_extra_context(self, obj: Threat) -> dict[str, Any]:
        person = self.request.user
        scenarios = restrict(obj.scenarios.select_related("owner"), person, Action.VIEW).order_by("reference")
        count = scenarios.count()
        may_delete = (
            not obj.library_urn
            and not obj.scenarios.exists()
            and catalogue.may_change_catalogue(person, Action.DELETE)
        )
        return {
            "scenarios": scenarios[:SCENARIOS_SHOWN],
            "scenario_count": count,
            "category_name": category_label(obj.category),
            "delete_url": reverse("risks:threat-delete", args=[obj.pk]) if may_delete else None,
        }


class ThreatCreateView(CatalogueFormView):
    model = Threat
    form_class = ThreatForm
    is_create = True
    title = gettext_lazy("New threat")
    cancel_url_name = "risks:threat-list"

    def save(self, form: forms.BaseForm, obj: None) -> Threat:
        assert isinstance(form, ThreatForm)
        data, reason = form.service_data()
        return catalogue.create_threat(by=self.request.user, reason=reason, **data)


class ThreatEditView(CatalogueFormView):
    model = Threat
    form_class = ThreatForm

    def save(self, form: forms.BaseForm, obj: Threat) -> Threat:
        assert isinstance(form, ThreatForm)
        data, reason = form.service_data()
        return catalogue.update_threat(obj, by=self.request.user, reason=reason, **data)


# Removing ---------------------------------------------------------------------------------------


def _delete(request: HttpRequest, model: type[RiskMatrix] | type[Threat], pk: int) -> HttpResponseBase:
    """Confirm and remove one of the organisation's own matrices or threats."""
    obj = get_object_or_404(restrict(model.objects.all(), request.user, Action.DELETE), pk=pk)
    is_matrix = model is RiskMatrix
    detail_url = reverse("risks:matrix-detail" if is_matrix else "risks:threat-detail", args=[obj.pk])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        remove = catalogue.delete_matrix if is_matrix else catalogue.delete_threat
        try:
            remove(obj, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Removed."))
            return redirect("risks:matrix-list" if is_matrix else "risks:threat-list")
    context = {
        "title": _("Remove a risk matrix") if is_matrix else _("Remove a threat"),
        "question": _("Remove “%(object)s” from the catalogue?") % {"object": obj},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": detail_url,
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@login_required
def matrix_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _delete(request, RiskMatrix, pk)


@login_required
def threat_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _delete(request, Threat, pk)


urlpatterns = [
    path("matrices/", MatrixListView.as_view(), name="matrix-list"),
    path("matrices/new/", MatrixCreateView.as_view(), name="matrix-create"),
    path("matrices/<int:pk>/", MatrixDetailView.as_view(), name="matrix-detail"),
    path("matrices/<int:pk>/edit/", MatrixEditView.as_view(), name="matrix-edit"),
    path("matrices/<int:pk>/delete/", matrix_delete, name="matrix-delete"),
    path("threats/", ThreatListView.as_view(), name="threat-list"),
    path("threats/new/", ThreatCreateView.as_view(), name="threat-create"),
    path("threats/<int:pk>/", ThreatDetailView.as_view(), name="threat-detail"),
    path("threats/<int:pk>/edit/", ThreatEditView.as_view(), name="threat-edit"),
    path("threats/<int:pk>/delete/", threat_delete, name="threat-delete"),
]
