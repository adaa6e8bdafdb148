"""Forms of the certification register's pages: a certificate, its file, its renewal and
its surveillance audits.

Choices (units, owners, frameworks, assessments) are scoped to what the acting person may
see or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    Assessment,
    Audit,
    Certification,
    Framework,
    SurveillanceAudit,
    SurveillanceKind,
)
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.forms import DateInput, StyledFormMixin, UsernameChoiceField, reason_field, style_form


def certificate_file_field(*, required: bool = False) -> forms.FileField:
    return forms.FileField(
        label=_("Certificate file"),
        required=required,
        help_text=_("The certificate or report as issued (PDF or image); kept in the evidence store."),
    )


class CertificationForm(StyledFormMixin, forms.ModelForm):
    """Record or change a certificate, report or filing."""

    class Meta:
        model = Certification
        fields = [
            "scheme",
            "name",
            "scope_description",
            "body",
            "number",
            "issued_on",
            "expires_on",
            "status",
            "unit",
            "owner",
            "framework",
            "assessment",
            "notes",
        ]
        widgets = {
            "scope_description": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "issued_on": DateInput,
            "expires_on": DateInput,
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        # Units where the person may keep certifications (and, on an edit, the certificate's own).
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.COMPLIANCE, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=reachable)
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW),
            label=_("Owner"),
            help_text=_("The username of the person who keeps the certification and is reminded."),
        )
        if not self.is_create and self.initial.get("owner") == self.instance.owner_id:
            self.initial["owner"] = self.instance.owner.username
        framework_field = self.fields["framework"]
        assert isinstance(framework_field, forms.ModelChoiceField)
        framework_field.queryset = restrict(Framework.objects.all(), person, Action.VIEW)
        assessment_field = self.fields["assessment"]
        assert isinstance(assessment_field, forms.ModelChoiceField)
        assessment_field.queryset = restrict(Assessment.objects.all(), person, Action.VIEW)
        if self.is_create:
            self.fields["certificate_file"] = certificate_file_field()
        else:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates the certificate whole (dates, reach) and names the field.
        pass


class CertificateFileForm(StyledFormMixin, forms.Form):
    """Upload or replace the certificate's file."""

    certificate_file = certificate_file_field(required=True)
    reason = reason_field()


class RenewalForm(StyledFormMixin, forms.Form):
    """The next certificate of the lineage: the new period, number and file."""

    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    expires_on = forms.DateField(label=_("Expires on"), widget=DateInput)
    number = forms.CharField(label=_("Certificate number"), max_length=120, required=False)
    certificate_file = certificate_file_field()
    reason = reason_field()


class SurveillanceAuditForm(StyledFormMixin, forms.ModelForm):
    """Plan an audit the certificate depends on."""

    class Meta:
        model = SurveillanceAudit
        fields = ["kind", "due_on", "audit", "outcome"]
        widgets = {"due_on": DateInput, "outcome": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = SurveillanceKind.choices
        audit_field = self.fields["audit"]
        assert isinstance(audit_field, forms.ModelChoiceField)
        audit_field.queryset = restrict(Audit.objects.all(), person, Action.VIEW)
        audit_field.help_text = _("The audit of the audit programme it is, when recorded there.")
        style_form(self)

    def _post_clean(self) -> None:
        # The certificate is not on the instance of a new audit; the service validates it whole.
        pass


class CompleteSurveillanceAuditForm(StyledFormMixin, forms.Form):
    completed_on = forms.DateField(
        label=_("Completed on"), widget=DateInput, required=False, help_text=_("Today when left empty.")
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
