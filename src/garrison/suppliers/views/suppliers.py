"""Web pages of the supplier master: the supplier list (the suppliers home page), a
supplier's page with its gates, facts, contacts, documents, linked assets and incidents
and every other part's panel, the create, edit and delete forms, the full history, and
the category list.

Thin: every supplier is found through scoping (so forbidden answers 404 like missing),
and every write goes through garrison.suppliers.services.suppliers.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, restrict
from garrison.incidents.models import Incident
from garrison.suppliers import regions
from garrison.suppliers.filtersets_suppliers import SupplierFilter
from garrison.suppliers.forms_suppliers import (
    ALLOW_DUPLICATE,
    CategoryForm,
    ContactForm,
    DeleteForm,
    DocumentForm,
    SupplierForm,
)
from garrison.suppliers.gates import gates_for
from garrison.suppliers.models import QualificationDocument, Supplier, SupplierCategory, SupplierContact
from garrison.suppliers.panels import panels_for
from garrison.suppliers.services import suppliers as services
from garrison.suppliers.tables_suppliers import (
    CATEGORY_COLUMNS,
    SUPPLIER_COLUMNS,
    SUPPLIER_EXPORT_COLUMNS,
    SUPPLIER_QUERYSET,
)
from garrison.suppliers.tasks import DEFAULT_REMINDER_DAYS, reminder_days
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.files import attachment_download
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.history import history_for
from garrison.web.lists import ListColumn, ObjectListView

DOCUMENT_FORM_TEMPLATE = "suppliers/document_form.html"
GATE_LABELS = (
    ("may_be_invited", gettext_lazy("May be invited to sourcing")),
    ("may_be_awarded", gettext_lazy("May be awarded")),
    ("may_receive_orders", gettext_lazy("May receive new orders")),
)


def _supplier(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Supplier:
    return get_object_or_404(restrict(SUPPLIER_QUERYSET.all(), request.user, action), pk=pk)


def _supplier_url(supplier_id: int, section: str = "") -> str:
    url = reverse("suppliers:supplier-detail", args=[supplier_id])
    return f"{url}#{section}" if section else url


# The list ------------------------------------------------------------------------------------------


class SupplierListView(ObjectListView):
    """The suppliers, by reference."""

    model = Supplier
    queryset = SUPPLIER_QUERYSET
    filterset_class = SupplierFilter
    columns = SUPPLIER_COLUMNS
    search_fields = ("reference", "name", "name_en", "credit_code")
    default_ordering = ("reference",)
    title = gettext_lazy("Suppliers")
    empty_message = gettext_lazy("No supplier matches these filters.")
    create_url_name = "suppliers:supplier-create"
    create_label = gettext_lazy("Register a supplier")
    export_name = "suppliers"
    template_name = "suppliers/supplier_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # A file holds the codes, country, unit and manager too.
            self.columns = SUPPLIER_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


# A supplier's page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryField(ListColumn):
    def value(self, obj: Any) -> Any:
        return f"{regions.country_name(obj.country)} ({obj.country})"


@dataclass(frozen=True)
class CategoriesField(ListColumn):
    def value(self, obj: Any) -> Any:
        return ", ".join(sorted(category.name for category in obj.categories.all())) or None


def _horizon_days() -> int:
    return max(reminder_days(), default=max(DEFAULT_REMINDER_DAYS))


def render_panels(request: HttpRequest, supplier: Supplier) -> list[SafeString]:
    """Every other part's panel, rendered with its own context, in order."""
    return [
        render_to_string(template, context, request=request)
        for template, context in panels_for(request, supplier)
    ]


class SupplierDetailView(ObjectDetailView):
    """A supplier's page: status and gates, facts, contacts, documents, linked assets and
    incidents, then the panel of each part (access, assessments, status, screening, sourcing)."""

    model = Supplier
    queryset = SUPPLIER_QUERYSET.select_related("created_by")
    fields = (
        ListColumn(gettext_lazy("legal name (Chinese)"), "name"),
        ListColumn(gettext_lazy("legal name (English)"), "name_en"),
        ListColumn(gettext_lazy("unified social credit code"), "credit_code"),
        ListColumn(gettext_lazy("registration number"), "registration_number"),
        CountryField(gettext_lazy("country or region"), "country"),
        ListColumn(gettext_lazy("region"), "get_region_display"),
        ListColumn(gettext_lazy("criticality tier"), "get_tier_display"),
        CategoriesField(gettext_lazy("categories"), "categories"),
        ListColumn(gettext_lazy("owning unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(
            gettext_lazy("supplier manager"),
            "manager.full_name",
            link="core:person-detail",
            link_arg="manager_id",
        ),
        ListColumn(gettext_lazy("status since"), "status_since"),
        ListColumn(gettext_lazy("suspended until"), "suspended_until"),
        ListColumn(gettext_lazy("access path"), "get_access_path_display"),
        ListColumn(gettext_lazy("qualified at"), "qualified_at"),
        ListColumn(gettext_lazy("complete review due"), "full_review_due"),
        ListColumn(gettext_lazy("ESG score"), "esg_score"),
        ListColumn(gettext_lazy("security score"), "security_score"),
        ListColumn(gettext_lazy("performance score"), "performance_score"),
        ListColumn(gettext_lazy("performance standing"), "performance_band"),
        ListColumn(gettext_lazy("services provided"), "services"),
        ListColumn(gettext_lazy("website"), "website"),
        ListColumn(gettext_lazy("address"), "address"),
        ListColumn(gettext_lazy("notes"), "notes"),
    )
    edit_url_name = "suppliers:supplier-edit"
    list_url_name = "suppliers:supplier-list"
    template_name = "suppliers/supplier_detail.html"

    def get_extra_context(self, obj: Supplier) -> dict[str, Any]:
        person = self.request.user
        gates = gates_for(obj.status)
        today = organisation_today()
        documents = list(obj.documents.select_related("attachment__stored_file"))
        soon = today + dt.timedelta(days=_horizon_days())
        incidents = restrict(Incident.objects.filter(suppliers=obj), person, Action.VIEW).order_by(
            "-discovered_at"
        )
        return {
            "supplier": obj,
            "can_change": can(person, Action.CHANGE, obj),
            "may_delete": can(person, Action.DELETE, obj),
            "gates": [(label, getattr(gates, name)) for name, label in GATE_LABELS],
            "contacts": list(obj.contacts.all()),
            "documents": [
                (
                    document,
                    document.expires_on is not None and document.expires_on < today,
                    document.expires_on is not None and today <= document.expires_on <= soon,
                )
                for document in documents
            ],
            "assets": list(restrict(obj.assets.all(), person, Action.VIEW).order_by("reference")),
            "incidents": list(incidents[:50]),
            "panels": render_panels(self.request, obj),
        }


@login_required
def supplier_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every recorded change of the supplier (its page shows the latest)."""
    supplier = _supplier(request, pk)
    context = {
        "supplier": supplier,
        "title": _("History of %(supplier)s") % {"supplier": supplier},
        "history": history_for(supplier, request.user, limit=1000),
    }
    return render(request, "suppliers/supplier_history.html", context)


# Create, edit, delete ------------------------------------------------------------------------------


def _supplier_fields(form: forms.BaseForm) -> tuple[dict[str, Any], str, bool]:
    fields, reason = split_reason(form.cleaned_data)
    allow_duplicate = bool(fields.pop(ALLOW_DUPLICATE, False))
    return fields, reason, allow_duplicate


class SupplierCreateView(ObjectFormView):
    model = Supplier
    form_class = SupplierForm
    is_create = True
    title = gettext_lazy("Register a supplier")
    cancel_url_name = "suppliers:supplier-list"

    def save(self, form: forms.BaseForm, obj: None) -> Supplier:
        fields, reason, allow_duplicate = _supplier_fields(form)
        try:
            return services.create_supplier(
                by=self.request.user, reason=reason, allow_duplicate=allow_duplicate, **fields
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and ALLOW_DUPLICATE in error.error_dict:
                assert isinstance(form, SupplierForm)
                form.offer_duplicate()
            raise


class SupplierUpdateView(ObjectFormView):
    model = Supplier
    queryset = SUPPLIER_QUERYSET
    form_class = SupplierForm

    def save(self, form: forms.BaseForm, obj: Supplier) -> Supplier:
        fields, reason, _allow = _supplier_fields(form)
        return services.update_supplier(obj, by=self.request.user, reason=reason, **fields)


@login_required
def supplier_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    supplier = _supplier(request, pk, Action.DELETE)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_supplier(supplier, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_supplier_url(supplier.pk))
        messages.success(request, _("The supplier is deleted."))
        return redirect("suppliers:supplier-list")
    context = {
        "title": _("Delete a supplier"),
        "question": _(
            "Delete %(supplier)s with its contacts and documents? Only a supplier registered by mistake "
            "should be deleted; a supplier the organisation stops working with is marked unqualified."
        )
        % {"supplier": supplier},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": _supplier_url(supplier.pk),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Contacts and documents ----------------------------------------------------------------------------


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _write(form: forms.BaseForm, write: Any, **extra: Any) -> bool:
    fields, reason = split_reason(form.cleaned_data)
    try:
        write(reason=reason, **fields, **extra)
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    return True


def _contact(request: HttpRequest, pk: int, contact_pk: int) -> SupplierContact:
    queryset = SupplierContact.objects.select_related("supplier").filter(supplier_id=pk)
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=contact_pk)


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    supplier = _supplier(request, pk, Action.CHANGE)
    form = ContactForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():

        def write(**fields: Any) -> Any:
            return services.add_contact(supplier, by=request.user, **fields)

        if _write(form, write):
            messages.success(request, _("The contact is added."))
            return redirect(_supplier_url(supplier.pk, "contacts"))
    title = _("Add a contact to %(supplier)s") % {"supplier": supplier}
    return render_form_page(request, form, title=title, cancel_url=_supplier_url(supplier.pk, "contacts"))


@login_required
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponseBase:
    contact = _contact(request, pk, contact_pk)
    form = ContactForm(_post_or_none(request), instance=copy.copy(contact))
    if request.method == "POST" and form.is_valid():

        def write(**fields: Any) -> Any:
            return services.update_contact(contact, by=request.user, **fields)

        if _write(form, write):
            messages.success(request, _("Saved."))
            return redirect(_supplier_url(pk, "contacts"))
    return render_form_page(request, form, title=str(contact), cancel_url=_supplier_url(pk, "contacts"))


@login_required
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponseBase:
    contact = _contact(request, pk, contact_pk)
    form = DeleteForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        services.remove_contact(contact, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The contact is removed."))
        return redirect(_supplier_url(pk, "contacts"))
    context = {
        "title": _("Remove a contact"),
        "question": _("Remove %(contact)s from %(supplier)s?")
        % {"contact": contact, "supplier": contact.supplier.reference},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": _supplier_url(pk, "contacts"),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


def _document(request: HttpRequest, pk: int, document_pk: int, action: Action) -> QualificationDocument:
    queryset = QualificationDocument.objects.select_related("supplier__unit", "attachment__stored_file")
    return get_object_or_404(restrict(queryset.filter(supplier_id=pk), request.user, action), pk=document_pk)


def _document_page(
    request: HttpRequest, form: forms.BaseForm, *, title: str, supplier_id: int
) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": _supplier_url(supplier_id, "documents")}
    return render(request, DOCUMENT_FORM_TEMPLATE, context, status=400 if form.errors else 200)


def _upload_fields(form: forms.BaseForm) -> dict[str, Any]:
    upload = form.cleaned_data.pop("upload", None)
    if upload is None:
        return {}
    return {
        "upload": upload,
        "filename": upload.name or "",
        "content_type": getattr(upload, "content_type", "") or "",
    }


@login_required
def document_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    supplier = _supplier(request, pk, Action.CHANGE)
    form = DocumentForm(_post_or_none(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():

        def write(**fields: Any) -> Any:
            return services.add_document(supplier, by=request.user, **fields)

        if _write(form, write, **_upload_fields(form)):
            messages.success(request, _("The document is recorded."))
            return redirect(_supplier_url(supplier.pk, "documents"))
    title = _("Add a qualification document to %(supplier)s") % {"supplier": supplier}
    return _document_page(request, form, title=title, supplier_id=supplier.pk)


@login_required
def document_edit(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    document = _document(request, pk, document_pk, Action.CHANGE)
    form = DocumentForm(_post_or_none(request), request.FILES or None, instance=copy.copy(document))
    if request.method == "POST" and form.is_valid():

        def write(**fields: Any) -> Any:
            return services.update_document(document, by=request.user, **fields)

        if _write(form, write, **_upload_fields(form)):
            messages.success(request, _("Saved."))
            return redirect(_supplier_url(pk, "documents"))
    return _document_page(request, form, title=str(document), supplier_id=pk)


@login_required
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    document = _document(request, pk, document_pk, Action.CHANGE)
    form = DeleteForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        services.remove_document(document, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The document is removed."))
        return redirect(_supplier_url(pk, "documents"))
    context = {
        "title": _("Remove a qualification document"),
        "question": _("Remove %(document)s of %(supplier)s, with its file?")
        % {"document": document, "supplier": document.supplier.reference},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": _supplier_url(pk, "documents"),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@login_required
def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    """The document's file, streamed from the evidence store with its name and SHA-256."""
    document = _document(request, pk, document_pk, Action.VIEW)
    attachment = document.attachment
    if attachment is None:
        raise Http404
    return attachment_download(attachment)


# Categories ----------------------------------------------------------------------------------------


class CategoryListView(ObjectListView):
    """What suppliers provide; Administrators and Procurement Officers over the whole
    organisation add, rename and take categories out of use."""

    model = SupplierCategory
    columns = CATEGORY_COLUMNS
    search_fields = ("code", "name", "name_zh")
    default_ordering = ("name",)
    title = gettext_lazy("Supplier categories")
    empty_message = gettext_lazy("No category matches this search.")
    create_url_name = "suppliers:category-create"
    create_label = gettext_lazy("Add a category")
    export_name = "supplier-categories"
    template_name = "suppliers/category_list.html"

    def may_create(self) -> bool:
        return services.may_manage_categories(self.request.user)

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return {"may_edit": services.may_manage_categories(self.request.user)}


class CategoryFormView(ObjectFormView):
    model = SupplierCategory
    form_class = CategoryForm
    cancel_url_name = "suppliers:category-list"

    def success_url(self, obj: models.Model) -> str:
        return reverse("suppliers:category-list")

    def render_form(self, obj: Any, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "object": obj,
            "form": form,
            "title": _("Change a supplier category") if obj is not None else _("New supplier category"),
            "cancel_url": reverse("suppliers:category-list"),
        }
        return render(self.request, self.template_name, context, status=status)


class CategoryCreateView(CategoryFormView):
    is_create = True

    def get_object(self) -> None:
        if not services.may_manage_categories(self.request.user):
            raise Http404
        return None

    def save(self, form: forms.BaseForm, obj: None) -> SupplierCategory:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_category(by=self.request.user, reason=reason, **fields)


class CategoryUpdateView(CategoryFormView):
    def save(self, form: forms.BaseForm, obj: SupplierCategory) -> SupplierCategory:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_category(obj, by=self.request.user, reason=reason, **fields)


urlpatterns: list[URLPattern] = [
    path("", SupplierListView.as_view(), name="supplier-list"),
    path("new/", SupplierCreateView.as_view(), name="supplier-create"),
    path("<int:pk>/", SupplierDetailView.as_view(), name="supplier-detail"),
    path("<int:pk>/edit/", SupplierUpdateView.as_view(), name="supplier-edit"),
    path("<int:pk>/delete/", supplier_delete, name="supplier-delete"),
    path("<int:pk>/history/", supplier_history, name="supplier-history"),
    path("<int:pk>/contacts/new/", contact_create, name="contact-create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", contact_edit, name="contact-edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", contact_delete, name="contact-delete"),
    path("<int:pk>/documents/new/", document_create, name="document-create"),
    path("<int:pk>/documents/<int:document_pk>/edit/", document_edit, name="document-edit"),
    path("<int:pk>/documents/<int:document_pk>/delete/", document_delete, name="document-delete"),
    path("<int:pk>/documents/<int:document_pk>/file/", document_download, name="document-download"),
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("categories/new/", CategoryCreateView.as_view(), name="category-create"),
    path("categories/<int:pk>/edit/", CategoryUpdateView.as_view(), name="category-edit"),
]
