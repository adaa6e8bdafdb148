"""Web pages of suppressions: the list (filters, CSV export), the form making one, a
suppression's page with its history, and the revoke button.

Thin: objects are found through scoping (out of reach answers 404 like missing) and every
write goes through garrison.logaudit.services.suppressions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.logaudit.filtersets_suppressions import SuppressionFilter
from garrison.logaudit.forms_suppressions import RevokeForm, SuppressionForm
from garrison.logaudit.models import Suppression
from garrison.logaudit.services import suppressions as services
from garrison.logaudit.tables_suppressions import (
    STATE_LABELS,
    SUPPRESSION_COLUMNS,
    SUPPRESSION_QUERYSET,
    RuleColumn,
    StateColumn,
    TargetColumn,
)
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.lists import ListColumn, ObjectListView


class SuppressionListView(ObjectListView):
    """Suppressions in force, expired and revoked, with what they kept out."""

    model = Suppression
    queryset = SUPPRESSION_QUERYSET
    filterset_class = SuppressionFilter
    columns = SUPPRESSION_COLUMNS
    search_fields = ("reference", "account", "reason", "rule__title", "asset__name", "unit__name")
    default_ordering = ("expires_on",)
    title = gettext_lazy("Suppressions")
    empty_message = gettext_lazy(
        "No suppression matches these filters. Make one when matches of a rule are expected at a site, "
        "on an asset or for an account."
    )
    create_url_name = "logaudit:suppression-create"
    create_label = gettext_lazy("New suppression")
    export_name = "logaudit-suppressions"


class SuppressionCreateView(ObjectFormView):
    model = Suppression
    form_class = SuppressionForm
    is_create = True
    title = gettext_lazy("New suppression")
    cancel_url_name = "logaudit:suppression-list"

    def save(self, form: forms.BaseForm, obj: Any) -> Suppression:
        return services.create_suppression(by=self.request.user, **form.cleaned_data)


class SuppressionDetailView(ObjectDetailView):
    """A suppression's page: what it applies to, why, until when, what it kept out, its
    history, and the revoke form for those who may change it."""

    model = Suppression
    queryset = SUPPRESSION_QUERYSET
    template_name = "logaudit/suppression_detail.html"
    list_url_name = "logaudit:suppression-list"
    fields = (
        ListColumn(gettext_lazy("applies to"), "get_kind_display"),
        TargetColumn(gettext_lazy("where"), "unit"),
        RuleColumn(gettext_lazy("rule"), "rule"),
        StateColumn(gettext_lazy("state"), "expires_on"),
        ListColumn(gettext_lazy("expires"), "expires_on"),
        ListColumn(gettext_lazy("owner"), "owner.full_name"),
        ListColumn(gettext_lazy("matches suppressed"), "match_count"),
        ListColumn(gettext_lazy("created by"), "created_by.full_name"),
        ListColumn(gettext_lazy("created"), "created_at"),
        ListColumn(gettext_lazy("revoked by"), "revoked_by.full_name"),
        ListColumn(gettext_lazy("revoked"), "revoked_at"),
    )

    def get_context_data(self, obj: Any) -> dict[str, Any]:
        context = super().get_context_data(obj)
        # Nothing is edited in place: a suppression is revoked and made anew.
        context["edit_url"] = None
        context["responsibility_add_url"] = None
        return context

    def get_extra_context(self, obj: Any) -> dict[str, Any]:
        state = services.state_of(obj)
        may_revoke = state == services.ACTIVE and can(self.request.user, Action.CHANGE, obj)
        return {
            "state": state,
            "state_label": STATE_LABELS[state],
            "revoke_form": RevokeForm(prefix="revoke") if may_revoke else None,
        }


@require_POST
@login_required
def suppression_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """End a suppression before its date, saying why (needs the right to change it)."""
    suppression = get_object_or_404(restrict(SUPPRESSION_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)
    form = RevokeForm(request.POST, prefix="revoke")
    if not form.is_valid():
        messages.error(request, _("Say why the suppression is revoked."))
    else:
        try:
            services.revoke_suppression(suppression, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The suppression is revoked; its matches count again from the next audit.")
            )
    return redirect(reverse("logaudit:suppression-detail", args=[suppression.pk]))


urlpatterns: list[URLPattern] = [
    path("suppressions/", SuppressionListView.as_view(), name="suppression-list"),
    path("suppressions/new/", SuppressionCreateView.as_view(), name="suppression-create"),
    path("suppressions/<int:pk>/", SuppressionDetailView.as_view(), name="suppression-detail"),
    path("suppressions/<int:pk>/revoke/", suppression_revoke, name="suppression-revoke"),
]
