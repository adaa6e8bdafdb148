"""Web pages of screening: the candidate matches (pending ones first), a match's page with
why it matched and the confirm/dismiss forms, the "screen now" button, the screening
runs, the watch lists with their entries, the CSV import, and the supplier page's panel.

Thin: rows are found through scoping (out of reach answers 404 like missing) and every
write goes through garrison.suppliers.services.screening and .watchlists.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.suppliers.filtersets_screening import MatchListFilter, RunFilter
from garrison.suppliers.forms_screening import DecisionForm, DeleteListForm, WatchListImportForm
from garrison.suppliers.models import (
    MatchStatus,
    ScreeningMatch,
    ScreeningRun,
    ScreeningTrigger,
    Supplier,
    WatchList,
    WatchListEntry,
    WatchListKind,
)
from garrison.suppliers.names import name_parts
from garrison.suppliers.panels import register_panel
from garrison.suppliers.screening import IDENTIFIER, JOINED_RATIO, SORTED_RATIO, compared_forms
from garrison.suppliers.services import screening as services
from garrison.suppliers.services import watchlists
from garrison.suppliers.tables_screening import (
    ENTRY_COLUMNS,
    ENTRY_QUERYSET,
    MATCH_COLUMNS,
    MATCH_EXPORT_COLUMNS,
    MATCH_QUERYSET,
    RUN_COLUMNS,
    RUN_QUERYSET,
    WATCH_LIST_COLUMNS,
    WATCH_LIST_QUERYSET,
)
from garrison.web.details import ObjectDetailView
from garrison.web.forms import apply_service_errors, render_form_page
from garrison.web.links import object_url, optional_url
from garrison.web.lists import ListColumn, ObjectListView

PANEL_MATCHES = 10
SCORER_LABELS = {
    JOINED_RATIO: gettext_lazy("letters compared, spaces ignored (fuzz.ratio)"),
    SORTED_RATIO: gettext_lazy("the same words in another order"),
    "exact": gettext_lazy("identical identifier"),
}


def _match(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> ScreeningMatch:
    return get_object_or_404(restrict(MATCH_QUERYSET.all(), request.user, action), pk=pk)


def _match_url(match: ScreeningMatch) -> str:
    return reverse("suppliers:match-detail", args=[match.pk])


def _watch_list(request: HttpRequest, pk: int) -> WatchList:
    return get_object_or_404(restrict(WatchList.objects.all(), request.user, Action.VIEW), pk=pk)


def _refused(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))


# Candidate matches ------------------------------------------------------------------------------------


class MatchListView(ObjectListView):
    """The candidate matches: pending ones by default, best score first."""

    model = ScreeningMatch
    queryset = MATCH_QUERYSET
    filterset_class = MatchListFilter
    columns = MATCH_COLUMNS
    search_fields = ("supplier__reference", "supplier__name", "supplier__name_en", "entry__name")
    default_ordering = ("-score", "-found_at")
    title = gettext_lazy("Screening: candidate matches")
    empty_message = gettext_lazy("No candidate matches with these filters.")
    export_name = "screening-matches"
    template_name = "suppliers/screening_match_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            self.columns = MATCH_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return {
            "may_screen": services.may_screen_all(self.request.user),
            "last_run": restrict(ScreeningRun.objects.all(), self.request.user).first(),
        }


def _reason_rows(match: ScreeningMatch) -> list[dict[str, Any]]:
    rows = []
    for item in match.reasons or []:
        row = dict(item)
        row["is_identifier"] = item.get("kind") == IDENTIFIER
        row["scorer_label"] = SCORER_LABELS.get(item.get("scorer", ""), item.get("scorer", ""))
        if not row["is_identifier"]:
            forms = compared_forms(item.get("normalised_supplier", ""))
            listed = compared_forms(item.get("normalised_list", ""))
            scorer = item.get("scorer", JOINED_RATIO)
            row["compared_supplier"] = forms.get(scorer, "")
            row["compared_list"] = listed.get(scorer, "")
        rows.append(row)
    return rows


class MatchDetailView(ObjectDetailView):
    """A candidate match: the supplier and the listed company side by side, the names as
    normalised, each reason with its scorer and score, and the decision."""

    model = ScreeningMatch
    queryset = MATCH_QUERYSET
    fields = (
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("score"), "score"),
        ListColumn(gettext_lazy("found at"), "found_at"),
        ListColumn(gettext_lazy("decided by"), "decided_by.full_name"),
        ListColumn(gettext_lazy("decided at"), "decided_at"),
        ListColumn(gettext_lazy("decision note"), "decision_note"),
    )
    list_url_name = "suppliers:match-list"
    template_name = "suppliers/screening_match_detail.html"

    def get_extra_context(self, obj: ScreeningMatch) -> dict[str, Any]:
        person = self.request.user
        supplier, entry = obj.supplier, obj.entry
        may_decide = obj.status == MatchStatus.PENDING and can(person, Action.CHANGE, obj)
        may_change_supplier = can(person, Action.CHANGE, supplier)
        return {
            "match": obj,
            "supplier": supplier,
            "entry": entry,
            "supplier_url": object_url("suppliers.supplier", supplier.pk),
            "supplier_names": [name_parts(name) for name in (supplier.name, supplier.name_en) if name],
            "entry_parts": name_parts(entry.name),
            "reasons": _reason_rows(obj),
            "may_decide": may_decide,
            "decision_form": DecisionForm() if may_decide else None,
            "propose_url": (
                optional_url("suppliers:status-change-create", supplier.pk)
                if obj.status == MatchStatus.CONFIRMED and may_change_supplier
                else None
            ),
        }


def _decide(request: HttpRequest, pk: int, *, confirm: bool) -> HttpResponseBase:
    match = _match(request, pk, Action.CHANGE)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if confirm:
        form.fields["note"].help_text = _("Optional: what showed the supplier is the listed company.")
    else:
        form.fields["note"].required = True
        form.fields["note"].help_text = _(
            "Why the supplier is not the listed company; kept with the decision."
        )
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if confirm:
                services.confirm_match(match, by=request.user, note=note)
            else:
                services.dismiss_match(match, by=request.user, note=note)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if confirm:
                messages.success(
                    request,
                    _(
                        "The match is confirmed. If the supplier should be blacklisted or suspended, "
                        "propose the new status from its page."
                    ),
                )
            else:
                messages.success(request, _("The match is dismissed; it will not be raised again."))
            return redirect(_match_url(match))
    title = _("Confirm: %(match)s") if confirm else _("Dismiss: %(match)s")
    return render_form_page(request, form, title=title % {"match": match}, cancel_url=_match_url(match))


@login_required
def match_confirm(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _decide(request, pk, confirm=True)


@login_required
def match_dismiss(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _decide(request, pk, confirm=False)


@login_required
@require_POST
def screen_now(request: HttpRequest) -> HttpResponseBase:
    """Screen every supplier against the active lists (the button of the match list)."""
    if not services.may_screen_all(request.user):
        raise Http404
    run = services.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=request.user)
    messages.success(
        request,
        _("Screened %(suppliers)d suppliers against %(entries)d entries: %(new)d new candidate matches.")
        % {"suppliers": run.suppliers_screened, "entries": run.entries_compared, "new": run.new_matches},
    )
    return redirect("suppliers:match-list")


class RunListView(ObjectListView):
    model = ScreeningRun
    queryset = RUN_QUERYSET
    filterset_class = RunFilter
    columns = RUN_COLUMNS
    default_ordering = ("-started_at",)
    title = gettext_lazy("Screening runs")
    empty_message = gettext_lazy("No screening has run yet.")
    export_name = "screening-runs"


# Watch lists ---------------------------------------------------------------------------------------


class WatchListListView(ObjectListView):
    model = WatchList
    queryset = WATCH_LIST_QUERYSET
    columns = WATCH_LIST_COLUMNS
    search_fields = ("name", "source")
    default_ordering = ("kind", "name")
    title = gettext_lazy("Watch lists")
    empty_message = gettext_lazy("No watch lists. Import one from CSV.")
    create_url_name = "suppliers:watchlist-import"
    create_label = gettext_lazy("Import a list")
    export_name = "watch-lists"

    def may_create(self) -> bool:
        return watchlists.may_manage_watch_lists(self.request.user, Action.ADD)


class WatchListDetailView(ObjectListView):
    """A watch list: its details and actions, and its entries paged, searchable, exportable."""

    model = WatchListEntry
    queryset = ENTRY_QUERYSET
    columns = ENTRY_COLUMNS
    search_fields = ("name", "normalised_name", "reference")
    default_ordering = ("name",)
    empty_message = gettext_lazy("No entries match.")
    export_name = "watch-list-entries"
    template_name = "suppliers/screening_watchlist_detail.html"

    def get_queryset(self) -> models.QuerySet[Any]:
        self.watch_list = _watch_list(self.request, self.kwargs["pk"])
        return super().get_queryset().filter(watch_list=self.watch_list)

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        watch_list = self.watch_list
        person = self.request.user
        is_imported = watch_list.kind == WatchListKind.IMPORTED
        return {
            "title": str(watch_list),
            "watch_list": watch_list,
            "may_manage": is_imported and watchlists.may_manage_watch_lists(person),
            "may_delete": is_imported and watchlists.may_manage_watch_lists(person, Action.DELETE),
            "pending_matches": restrict(
                ScreeningMatch.objects.filter(entry__watch_list=watch_list, status=MatchStatus.PENDING),
                person,
            ).count(),
        }


@login_required
def watchlist_import(request: HttpRequest) -> HttpResponseBase:
    if not watchlists.may_manage_watch_lists(request.user, Action.ADD):
        raise Http404
    form = WatchListImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"name": request.GET.get("name", "")[:200]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = watchlists.import_watch_list(
                data["file"],
                by=request.user,
                name=data["name"],
                source=data["source"],
                description=data["description"],
                replace=data["replace"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(list)s imported: %(added)d entries added, %(removed)d removed, %(kept)d kept; "
                    "%(new)d new candidate matches."
                )
                % {
                    "list": result.watch_list.name,
                    "added": result.added,
                    "removed": result.removed,
                    "kept": result.kept,
                    "new": result.run.new_matches if result.run else 0,
                },
            )
            return redirect("suppliers:watchlist-detail", result.watch_list.pk)
    context = {
        "form": form,
        "title": _("Import a watch list"),
        "list_url": reverse("suppliers:watchlist-list"),
        "columns": watchlists.COLUMNS,
    }
    return render(
        request, "suppliers/screening_watchlist_import.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def watchlist_toggle(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Switch an imported list off or on (a switched-on list is screened at once)."""
    watch_list = _watch_list(request, pk)
    if not watchlists.may_manage_watch_lists(request.user):
        raise Http404
    try:
        watchlists.set_watch_list_active(watch_list, by=request.user, is_active=not watch_list.is_active)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("The list is switched on and screened.")
            if watch_list.is_active
            else _("The list is switched off."),
        )
    return redirect("suppliers:watchlist-detail", watch_list.pk)


@login_required
def watchlist_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    watch_list = _watch_list(request, pk)
    if not watchlists.may_manage_watch_lists(request.user, Action.DELETE):
        raise Http404
    form = DeleteListForm(request.POST if request.method == "POST" else None)
    detail_url = reverse("suppliers:watchlist-detail", args=[watch_list.pk])
    if request.method == "POST" and form.is_valid():
        try:
            watchlists.delete_watch_list(watch_list, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _refused(request, error)
            return redirect(detail_url)
        messages.success(request, _("The watch list is deleted."))
        return redirect("suppliers:watchlist-list")
    context = {
        "title": _("Delete a watch list"),
        "question": _(
            "Delete %(list)s with its %(count)d entries and their candidate matches, decided ones "
            "included? The audit trail keeps the decisions."
        )
        % {"list": watch_list.name, "count": watch_list.entry_count},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": detail_url,
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# The supplier page's panel ---------------------------------------------------------------------------


def panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    person = request.user
    matches = restrict(
        MATCH_QUERYSET.filter(supplier=supplier).order_by("status", "-score", "-found_at"), person
    )
    return {
        "supplier": supplier,
        "screening_matches": list(matches[:PANEL_MATCHES]),
        "screening_match_count": matches.count(),
        "screening_pending_count": matches.filter(status=MatchStatus.PENDING).count(),
        "blacklist_entries": list(
            WatchListEntry.objects.filter(supplier=supplier, watch_list__kind=WatchListKind.BLACKLIST)
        ),
        "screening_list_url": reverse("suppliers:match-list") + f"?supplier={supplier.pk}&status=all",
    }


register_panel("screening", order=50, template="suppliers/_screening_panel.html", context=panel_context)


urlpatterns: list[URLPattern] = [
    path("screening/", MatchListView.as_view(), name="match-list"),
    path("screening/run/", screen_now, name="screening-run"),
    path("screening/runs/", RunListView.as_view(), name="screening-run-list"),
    path("screening/<int:pk>/", MatchDetailView.as_view(), name="match-detail"),
    path("screening/<int:pk>/confirm/", match_confirm, name="match-confirm"),
    path("screening/<int:pk>/dismiss/", match_dismiss, name="match-dismiss"),
    path("watch-lists/", WatchListListView.as_view(), name="watchlist-list"),
    path("watch-lists/import/", watchlist_import, name="watchlist-import"),
    path("watch-lists/<int:pk>/", WatchListDetailView.as_view(), name="watchlist-detail"),
    path("watch-lists/<int:pk>/active/", watchlist_toggle, name="watchlist-toggle"),
    path("watch-lists/<int:pk>/delete/", watchlist_delete, name="watchlist-delete"),
]
