"""Web pages of the inventory: the list, an asset's page with its dependency graph and
risks, the create and edit forms, dependencies, confirmation and deletion.

Thin: assets are found only through scoping (out of reach answers 404 like missing),
and every write goes through garrison.assets.services. The import pages are in
garrison.assets.import_views.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.assets import services
from garrison.assets.filtersets import AssetFilter
from garrison.assets.forms import AssetForm, DependencyForm
from garrison.assets.models import Asset, AssetDependency, AssetIdentifier
from garrison.assets.queries import dependency_tree, explain_criticality
from garrison.assets.tables import EXPORT_COLUMNS, LIST_COLUMNS, TagsColumn
from garrison.core import exports
from garrison.core.forms.org import ReasonForm
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.lists import ListColumn, ObjectListView

ASSET_QUERYSET = Asset.objects.select_related("owner", "unit", "site")
RISKS_SHOWN = 50


class AssetListView(ObjectListView):
    """The inventory: every asset the person may see, filtered, searched and sorted."""

    model = Asset
    queryset = ASSET_QUERYSET.prefetch_related("tags")
    filterset_class = AssetFilter
    columns = LIST_COLUMNS
    search_fields = ("reference", "name")
    default_ordering = ("reference",)
    title = gettext_lazy("Information assets")
    empty_message = gettext_lazy("No assets match these filters.")
    create_url_name = "assets:asset-create"
    create_label = gettext_lazy("Add asset")
    export_name = "assets"
    template_name = "assets/asset_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # The export is the import format, whatever columns the page shows; the
            # columns are a class-level declaration, replaced for this request only.
            setattr(self, "columns", EXPORT_COLUMNS)  # noqa: B010
        return super().get(request, *args, **kwargs)

    def sort_keys(self) -> set[str]:
        return {column.sort_key for column in (*LIST_COLUMNS, *EXPORT_COLUMNS) if column.sort_key}

    def search(self, queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
        """By reference, name, IP address or host name (the last two without duplicating rows)."""
        if not text:
            return queryset
        identified = AssetIdentifier.objects.filter(value__icontains=text).values("asset_id")
        return queryset.filter(Q(reference__icontains=text) | Q(name__icontains=text) | Q(pk__in=identified))

    def get_extra_context(self, page: Any) -> dict[str, Any]:
        return {"import_url": reverse("assets:asset-import") if self.may_create() else None}


def _joined(values: list[str]) -> str:
    return ", ".join(values)


class AssetDetailView(ObjectDetailView):
    """An asset's page: its fields, what it depends on and what needs it (several levels),
    why its effective criticality is what it is, the risks assessing it, its history."""

    model = Asset
    queryset = ASSET_QUERYSET.prefetch_related("tags")
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(gettext_lazy("name"), "name"),
        ListColumn(gettext_lazy("type"), "get_asset_type_display"),
        ListColumn(gettext_lazy("owner"), "owner.full_name", link="core:person-detail", link_arg="owner_id"),
        ListColumn(gettext_lazy("custodian unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("site"), "site", link="assets:asset-detail", link_arg="site_id"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("lifecycle status"), "get_lifecycle_status_display"),
        ListColumn(gettext_lazy("confidentiality"), "get_confidentiality_display"),
        ListColumn(gettext_lazy("integrity"), "get_integrity_display"),
        ListColumn(gettext_lazy("availability"), "get_availability_display"),
        ListColumn(
            gettext_lazy("classification"), "classification", template="assets/cells/classification.html"
        ),
        ListColumn(
            gettext_lazy("business criticality"), "criticality", template="assets/cells/criticality.html"
        ),
        ListColumn(
            gettext_lazy("effective criticality"),
            "effective_criticality",
            template="assets/cells/criticality.html",
        ),
        ListColumn(gettext_lazy("critical information system"), "is_critical_system"),
        ListColumn(gettext_lazy("IP addresses"), "ip_addresses", template="assets/cells/list.html"),
        ListColumn(gettext_lazy("host names"), "host_names", template="assets/cells/list.html"),
        TagsColumn(gettext_lazy("tags"), "tags", template="assets/cells/tags.html"),
        ListColumn(gettext_lazy("needs review"), "needs_review", template="assets/cells/review.html"),
        ListColumn(gettext_lazy("created"), "created_at"),
        ListColumn(gettext_lazy("last changed"), "updated_at"),
    )
    edit_url_name = "assets:asset-edit"
    list_url_name = "assets:asset-list"
    template_name = "assets/asset_detail.html"

    def get_extra_context(self, obj: Asset) -> dict[str, Any]:
        person = self.request.user
        # Changing and deleting an asset only ever come from a grant over its unit.
        may_change = has_grant(person, Domain.ASSETS, Action.CHANGE, obj.unit.path)
        tree = dependency_tree(obj, person)
        for node in tree.depends_on:
            node.may_remove = may_change
        for node in tree.needed_by:
            node.may_remove = has_grant(person, Domain.ASSETS, Action.CHANGE, node.asset.unit.path)
        risks = restrict(obj.risk_scenarios.select_related("owner"), person, Action.VIEW).order_by(
            "reference"
        )
        return {
            "tree": tree,
            "explanation": explain_criticality(obj, person),
            "risks": risks[:RISKS_SHOWN],
            "risk_count": risks.count(),
            "dependency_form": DependencyForm(person=person) if may_change else None,
            "may_confirm": obj.needs_review and (obj.owner_id == person.pk or may_change),
            "delete_url": reverse("assets:asset-delete", args=[obj.pk])
            if has_grant(person, Domain.ASSETS, Action.DELETE, obj.unit.path)
            else None,
        }


class AssetCreateView(ObjectFormView):
    """A new asset, in a custodian unit whose assets the person manages."""

    model = Asset
    form_class = AssetForm
    is_create = True
    title = gettext_lazy("New asset")
    cancel_url_name = "assets:asset-list"

    def save(self, form: forms.BaseForm, obj: None) -> Asset:
        fields, _reason = split_reason(form.cleaned_data)
        return services.create_asset(by=self.request.user, **fields)


class AssetEditView(ObjectFormView):
    """Change an asset; the reason given is kept with the change."""

    model = Asset
    queryset = ASSET_QUERYSET.prefetch_related("tags")
    form_class = AssetForm

    def save(self, form: forms.BaseForm, obj: Asset) -> Asset:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_asset(obj, by=self.request.user, reason=reason, **fields)


def _reachable_asset(request: HttpRequest, pk: int, action: Action) -> Asset:
    return get_object_or_404(restrict(ASSET_QUERYSET.all(), request.user, action), pk=pk)


@login_required
def asset_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Confirm, then delete; refused (with the reason) while anything still needs the asset."""
    asset = _reachable_asset(request, pk, Action.DELETE)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_asset(asset, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("assets:asset-detail", pk=asset.pk)
        messages.success(request, _("The asset is deleted."))
        return redirect("assets:asset-list")
    context = {
        "title": _("Delete an asset"),
        "question": _("Delete %(asset)s from the inventory? Its history stays in the audit trail.")
        % {"asset": asset},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("assets:asset-detail", args=[asset.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def asset_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner confirms an asset a scan or an import found."""
    asset = _reachable_asset(request, pk, Action.VIEW)
    try:
        services.confirm_asset(asset, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The asset is confirmed."))
    return redirect("assets:asset-detail", pk=asset.pk)


@login_required
def dependency_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Say what the asset depends on, or what depends on it."""
    asset = _reachable_asset(request, pk, Action.VIEW)
    form = DependencyForm(request.POST or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        depends_on = form.cleaned_data["direction"] == DependencyForm.DEPENDS_ON
        dependent, dependency = (asset, other) if depends_on else (other, asset)
        try:
            services.add_dependency(
                dependent, dependency, by=request.user, description=form.cleaned_data["description"]
            )
        except PermissionDenied:
            message = _("You cannot change the dependencies of %(asset)s.") % {"asset": dependent}
            form.add_error("other", message)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "dependency" in error.message_dict:
                error = ValidationError({"other": error.message_dict["dependency"]})
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The dependency is recorded."))
            return redirect("assets:asset-detail", pk=asset.pk)
    return render_form_page(
        request,
        form,
        title=_("Add a dependency of %(asset)s") % {"asset": asset},
        cancel_url=reverse("assets:asset-detail", args=[asset.pk]),
    )


@login_required
def dependency_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Confirm, then take a dependency back; the page returns to the asset it came from."""
    queryset = AssetDependency.objects.select_related("dependent__unit", "dependency")
    edge = get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)
    came_from = request.GET.get("from", "")
    back_to = edge.dependency_id if came_from == str(edge.dependency_id) else edge.dependent_id
    back_url = reverse("assets:asset-detail", args=[back_to])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.remove_dependency(edge, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The dependency is removed."))
        return redirect(back_url)
    context = {
        "title": _("Remove a dependency"),
        "question": _("Remove “%(dependent)s depends on %(dependency)s”?")
        % {"dependent": edge.dependent, "dependency": edge.dependency},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": back_url,
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)
