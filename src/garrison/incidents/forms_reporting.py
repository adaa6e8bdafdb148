"""Forms of the reporting pages: the profile, the organisation's own rules, a
submission, a waiver, a supplementary obligation, a report and a communication.

Times are typed in the viewer's time zone (the one activated for the request) and
stored aware; the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.incidents.models import (
    Audience,
    Channel,
    Communication,
    CustomReportingRule,
    Direction,
    Incident,
    IncidentReport,
    ObligationStatus,
    ReportingObligation,
    ReportingProfile,
)
from garrison.web.forms import StyledFormMixin, local_datetime_field, reason_field, style_form


class ReportingProfileForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ReportingProfile
        fields = [
            "operator_kind",
            "reporting_unit_name",
            "cii_protection_department",
            "public_security_body",
            "cyberspace_affairs_body",
            "provincial_cyberspace_administration",
            "personal_information_authority",
        ]
        help_texts = {
            "operator_kind": _("Decides which bodies the initial report goes to and how soon."),
            "cii_protection_department": _("Left blank, the generic name is shown."),
        }

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class CustomReportingRuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CustomReportingRule
        fields = [
            "name",
            "recipient",
            "minimum_grade",
            "deadline_hours",
            "only_with_personal_information_breach",
            "content",
            "basis",
            "is_active",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class SubmissionForm(StyledFormMixin, forms.Form):
    """Record a report sent: to whom, how, when, the receipt and the file."""

    obligation = forms.ModelChoiceField(
        queryset=ReportingObligation.objects.none(), required=False, label=_("Obligation met")
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=300, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    sent_at = local_datetime_field(_("Sent at"), required=False)
    receipt = forms.CharField(label=_("Reference or receipt"), max_length=300, required=False)
    report = forms.ModelChoiceField(
        queryset=IncidentReport.objects.none(), required=False, label=_("Report sent")
    )
    file = forms.FileField(
        label=_("File sent"), required=False, help_text=_("Kept in the evidence store with its SHA-256.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        obligation_field = self.fields["obligation"]
        assert isinstance(obligation_field, forms.ModelChoiceField)
        obligation_field.queryset = incident.obligations.filter(
            status__in=[ObligationStatus.PENDING, ObligationStatus.SUBMITTED]
        ).order_by("due_at", "pk")
        report_field = self.fields["report"]
        assert isinstance(report_field, forms.ModelChoiceField)
        report_field.queryset = incident.reports.order_by("-created_at", "-pk")
        style_form(self)


class WaiveForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is it waived?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required; kept with the obligation and in the audit trail."),
    )


class SupplementaryObligationForm(StyledFormMixin, forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=300, required=False)
    due_at = local_datetime_field(_("Due"), required=False)
    content = forms.CharField(
        label=_("New facts to report"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class IncidentReportForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = IncidentReport
        fields = [
            "kind",
            "reporting_unit",
            "occurrence",
            "impact",
            "measures",
            "trend",
            "cause",
            "attribution",
            "next_steps",
            "scene_preservation",
            "other_matters",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "reporting_unit",
                "occurrence",
                "impact",
                "measures",
                "trend",
                "cause",
                "attribution",
                "next_steps",
                "scene_preservation",
                "other_matters",
            )
        }

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class CommunicationForm(StyledFormMixin, forms.ModelForm):
    occurred_at = local_datetime_field(_("When"))

    class Meta:
        model = Communication
        fields = ["audience", "direction", "party", "channel", "occurred_at", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (("audience", Audience.choices), ("direction", Direction.choices)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
        style_form(self)

    def _post_clean(self) -> None:
        pass
