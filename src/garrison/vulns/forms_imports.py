"""The upload form of a scanner file: the file, its format, the scope a full scan covers,
the unit the import is made for and, optionally, the penetration test it reports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.models import OrgUnit
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.vulns.models import ImportFormat, PenetrationTest, PenetrationTestStatus, ScanImport
from garrison.web.forms import StyledFormMixin

# A penetration test still under way can receive findings; a closed or cancelled one cannot.
OPEN_TEST_STATUSES = (
    PenetrationTestStatus.PLANNED,
    PenetrationTestStatus.IN_PROGRESS,
    PenetrationTestStatus.REPORTING,
    PenetrationTestStatus.RETESTING,
)


def upload_limit_megabytes() -> int:
    """The largest scanner file accepted from a browser or the API: the import limit, or the
    platform's upload limit if that is lower (the file is kept in the evidence store)."""
    return min(int(settings.VULNS_MAX_IMPORT_MEGABYTES), int(settings.MAX_UPLOAD_MEGABYTES))


def too_large_message() -> str:
    return _("The file is larger than the upload limit of %(limit)s MB.") % {
        "limit": upload_limit_megabytes()
    }


def import_units(person: Any) -> QuerySet[OrgUnit]:
    """Units for which the person may import findings."""
    visible = restrict(OrgUnit.objects.all(), person, Action.VIEW).values_list("pk", "path")
    allowed = [pk for pk, path in visible if has_grant(person, Domain.VULNERABILITIES, Action.ADD, path)]
    return OrgUnit.objects.filter(pk__in=allowed).order_by("path")


def import_penetration_tests(person: Any) -> QuerySet[PenetrationTest]:
    """Penetration tests under way that the person sees: an import may report their findings."""
    tests = PenetrationTest.objects.filter(status__in=OPEN_TEST_STATUSES)
    return restrict(tests, person, Action.VIEW).order_by("-starts_on", "-pk")


class ScanImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Scanner file"),
        help_text=gettext_lazy(
            "Nessus (.nessus), OpenVAS/GVM XML, Trivy JSON, SARIF 2.1.0, Nmap XML or Garrison CSV."
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=ImportFormat.choices, initial=ImportFormat.AUTO
    )
    scan_scope = forms.CharField(
        label=gettext_lazy("Scan scope"),
        required=False,
        max_length=ScanImport._meta.get_field("scan_scope").max_length,
        help_text=ScanImport._meta.get_field("scan_scope").help_text,
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"),
        queryset=OrgUnit.objects.none(),
        help_text=ScanImport._meta.get_field("unit").help_text,
    )
    penetration_test = forms.ModelChoiceField(
        label=gettext_lazy("Penetration test"),
        queryset=PenetrationTest.objects.none(),
        required=False,
        help_text=gettext_lazy("Optional: the engagement whose findings this file reports."),
    )

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = import_units(person)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = units
        if not self.is_bound and person is not None and units.filter(pk=person.unit_id).exists():
            self.initial.setdefault("unit", person.unit_id)
        test_field: Any = self.fields["penetration_test"]
        test_field.queryset = import_penetration_tests(person)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > upload_limit_megabytes() * 1024 * 1024:
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload

    def clean_scan_scope(self) -> str:
        return str(self.cleaned_data.get("scan_scope") or "").replace("\x00", "").strip()
