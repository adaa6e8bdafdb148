"""Forms of the finding pages: a finding entered by hand, a change of status with its
reason, and the links to risk scenarios and incidents.

Choices (units, assets, penetration tests, risks, incidents) are limited to what the
acting person may see or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import OrgUnit
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.incidents.models import Incident
from garrison.risks.models import RiskScenario
from garrison.vulns.models import Finding, FindingStatus, PenetrationTest, Severity
from garrison.web.forms import StyledFormMixin, reason_field, style_form

SEPARATORS = re.compile(r"[\s,;]+")


class AssetReferenceField(forms.ModelChoiceField):
    """An asset picked by its reference: a select of every asset would not load."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("No asset with this reference.")})
        super().__init__(queryset, to_field_name="reference", **kwargs)

    def to_python(self, value: Any) -> Any:
        text = str(value or "").replace("\x00", "").strip()
        if not text:
            return None
        asset = self.queryset.filter(reference__iexact=text).first()  # type: ignore[union-attr]
        if asset is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return asset


class FindingForm(StyledFormMixin, forms.ModelForm):
    """A finding entered by hand, or a change to one."""

    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=[("", "---------"), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Scored from the CVSS vector when one is given; choose it otherwise."),
    )
    cve_ids = forms.CharField(
        label=_("CVE identifiers"),
        required=False,
        max_length=2000,
        help_text=_("Such as CVE-2021-44228; separate several with commas."),
    )
    cwe_ids = forms.CharField(
        label=_("CWE identifiers"),
        required=False,
        max_length=2000,
        help_text=_("Such as CWE-79; separate several with commas."),
    )
    references = forms.CharField(
        label=_("References"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Links or documents, one per line."),
    )

    class Meta:
        model = Finding
        fields = [
            "title",
            "asset",
            "unit",
            "severity",
            "cvss_vector",
            "cve_ids",
            "cwe_ids",
            "rule_id",
            "host",
            "port",
            "protocol",
            "service",
            "location",
            "component",
            "component_version",
            "fixed_version",
            "description",
            "solution",
            "evidence",
            "references",
            "penetration_test",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "solution": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        is_create = self.instance.pk is None
        action = Action.ADD if is_create else Action.CHANGE
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [
            unit.pk for unit in units if has_grant(person, Domain.VULNERABILITIES, action, unit.path)
        ]
        if not is_create:
            reachable.append(self.instance.unit_id)
        unit_field = self._model_choice("unit")
        unit_field.queryset = OrgUnit.objects.filter(pk__in=reachable).order_by("path")
        unit_field.required = False
        unit_field.help_text = _("Taken from the asset when one is given.")
        self.fields["asset"] = AssetReferenceField(
            restrict(Asset.objects.all(), person, Action.VIEW),
            label=_("Asset"),
            required=False,
            help_text=_("The reference of the asset it was found on (such as AST-00012), if any."),
        )
        tests = restrict(PenetrationTest.objects.all(), person, Action.VIEW).order_by("-starts_on", "-id")
        self._model_choice("penetration_test").queryset = tests
        if not is_create:
            instance: Finding = self.instance
            self.initial["asset"] = instance.asset.reference if instance.asset_id else ""  # type: ignore[union-attr]
            self.initial["cve_ids"] = ", ".join(instance.cve_ids)
            self.initial["cwe_ids"] = ", ".join(instance.cwe_ids)
            self.initial["references"] = "\n".join(instance.references)
            self.fields["reason"] = reason_field()
        style_form(self)

    def _model_choice(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def _post_clean(self) -> None:
        # The service validates the finding whole (severity, identifiers, reach) and names the field.
        pass


class StatusForm(StyledFormMixin, forms.Form):
    """Mark a finding fixed, or open it again; either needs a reason."""

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(FindingStatus.FIXED.value, _("Fixed")), (FindingStatus.OPEN.value, _("Open again"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the finding's history and the audit trail."),
    )


class ReferencesField(forms.CharField):
    """Objects named by their references, separated by commas or spaces, among those the
    person may see; any other reference is refused as unknown."""

    def __init__(self, queryset: models.QuerySet[Any], **kwargs: Any) -> None:
        self.queryset = queryset
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 5000)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Any]:
        text = str(super().clean(value) or "").replace("\x00", "")
        wanted = [item for item in SEPARATORS.split(text.upper()) if item]
        found = {obj.reference.upper(): obj for obj in self.queryset.filter(reference__in=_variants(text))}
        unknown = [item for item in wanted if item not in found]
        if unknown:
            raise ValidationError(_("Not found: %(references)s.") % {"references": ", ".join(unknown)})
        return list({found[item].pk: found[item] for item in wanted}.values())


def _variants(text: str) -> list[str]:
    """The references as typed and in capitals (references are stored in capitals)."""
    items = [item for item in SEPARATORS.split(text) if item]
    return sorted({*items, *(item.upper() for item in items)})


class LinksForm(StyledFormMixin, forms.Form):
    """The risk scenarios and incidents a finding is linked to, by reference."""

    def __init__(self, *args: Any, person: Any, finding: Finding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        risks = restrict(RiskScenario.objects.all(), person, Action.VIEW)
        incidents = restrict(Incident.objects.all(), person, Action.VIEW)
        self.fields["risks"] = ReferencesField(
            risks,
            label=_("Risk scenarios"),
            help_text=_("References such as R-000012, separated by commas; leave empty to unlink all."),
        )
        self.fields["incidents"] = ReferencesField(
            incidents,
            label=_("Incidents"),
            help_text=_("References such as INC-000003, separated by commas; leave empty to unlink all."),
        )
        if not self.is_bound:
            linked_risks = risks.filter(findings=finding).order_by("reference")
            linked_incidents = incidents.filter(findings=finding).order_by("reference")
            self.initial["risks"] = ", ".join(risk.reference for risk in linked_risks)
            self.initial["incidents"] = ", ".join(incident.reference for incident in linked_incidents)
        style_form(self)
