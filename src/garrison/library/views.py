"""Web pages of the reference libraries: which are loaded, what their last load
changed, and an upload form that loads a library file and shows what it did."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from garrison.library import registry
from garrison.library.format import MAXIMUM_SIZE
from garrison.library.models import LoadedLibrary
from garrison.library.services import load_library, may_load_libraries
from garrison.web.details import ObjectDetailView
from garrison.web.forms import StyledFormMixin, reason_field
from garrison.web.lists import ListColumn, ObjectListView

LIBRARY_COLUMNS = (
    ListColumn(
        _("name"), "name", sort_key="name", link="library:library-detail", template="library/cells/name.html"
    ),
    ListColumn(_("URN"), "urn", sort_key="urn"),
    ListColumn(_("version"), "version", sort_key="version"),
    ListColumn(_("publisher"), "publisher", sort_key="publisher"),
    ListColumn(_("objects"), "objects_summary", template="library/cells/object_counts.html"),
    ListColumn(_("loaded at"), "loaded_at", sort_key="loaded_at"),
    ListColumn(_("loaded by"), "loaded_by.full_name"),
    ListColumn(_("changes at the last load"), "changes_summary", template="library/cells/changes.html"),
)


class LibraryListView(ObjectListView):
    """The libraries loaded into this installation, with their versions and last changes."""

    model = LoadedLibrary
    queryset = LoadedLibrary.objects.select_related("loaded_by")
    columns = LIBRARY_COLUMNS
    search_fields = ("name", "name_zh", "urn", "publisher")
    default_ordering = ("name",)
    title = _("Reference libraries")
    empty_message = _("No library matches this search.")
    create_url_name = "library:library-upload"
    create_label = _("Load a library")
    export_name = "libraries"

    def may_create(self) -> bool:
        return may_load_libraries(self.request.user)


class LibraryDetailView(ObjectDetailView):
    """One loaded library: its header and, per kind, what its last load changed."""

    model = LoadedLibrary
    queryset = LoadedLibrary.objects.select_related("loaded_by")
    fields = (
        ListColumn(_("name"), "name"),
        ListColumn(_("Chinese name"), "name_zh"),
        ListColumn(_("URN"), "urn"),
        ListColumn(_("version"), "version"),
        ListColumn(_("publisher"), "publisher"),
        ListColumn(_("description"), "description"),
        ListColumn(_("loaded at"), "loaded_at"),
        ListColumn(_("loaded by"), "loaded_by.full_name"),
    )
    list_url_name = "library:library-list"
    template_name = "library/library_detail.html"

    def get_extra_context(self, obj: LoadedLibrary) -> dict[str, Any]:
        kinds = registry.registered_kinds()
        return {
            "object_counts": sorted(obj.object_counts.items(), key=lambda item: _kind_order(kinds, item[0])),
            "last_changes": sorted(obj.last_changes.items(), key=lambda item: _kind_order(kinds, item[0])),
            "upload_url_allowed": may_load_libraries(self.request.user),
        }


def _kind_order(kinds: dict[str, registry.KindLoader], kind: str) -> tuple[int, str]:
    loader = kinds.get(kind)
    return (loader.order if loader else 10_000, kind)


class LibraryUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Library file"),
        help_text=_(
            "A library in YAML, as described in the library format guide, or an OSCAL catalog or profile"
            " in JSON (at most 5 MB)."
        ),
    )
    reason = reason_field()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAXIMUM_SIZE:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class LibraryUploadView(LoginRequiredMixin, View):
    """Load a library file and show what the load did, or why it was refused."""

    template_name = "library/library_upload.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not may_load_libraries(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(LibraryUploadForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LibraryUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            result = load_library(
                form.cleaned_data["file"], by=request.user, reason=form.cleaned_data["reason"] or ""
            )
        except PermissionDenied as refusal:
            form.add_error("file", str(refusal))
            return self.render(form, status=403)
        return self.render(LibraryUploadForm(), result=result, status=400 if result.is_refused else 200)

    def render(self, form: forms.Form, *, result: Any = None, status: int = 200) -> HttpResponse:
        context = {"form": form, "result": result, "title": _("Load a library")}
        return render(self.request, self.template_name, context, status=status)
