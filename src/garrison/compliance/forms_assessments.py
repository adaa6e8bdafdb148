"""Forms of the assessment pages: an assessment, a requirement's result, a status step.

Choices (units, frameworks, controls, evidence) are scoped to what the acting person may
see or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    AppliedControl,
    Assessment,
    AssessmentStatus,
    Evidence,
    Framework,
    RequirementResult,
    Result,
)
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.forms import DateInput, StyledFormMixin, UsernameChoiceField, reason_field


class AssessmentForm(StyledFormMixin, forms.ModelForm):
    """Open or edit an assessment. The framework is chosen once: it decides which results
    exist. The status moves through the buttons of the assessment's page."""

    reason = reason_field()

    class Meta:
        model = Assessment
        fields = ["name", "framework", "unit", "lead", "scope_description", "status", "starts_on", "due_on"]
        widgets = {
            "scope_description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DateInput(),
            "due_on": DateInput(),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.COMPLIANCE, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=reachable)
        self.fields["lead"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW),
            label=_("Lead assessor"),
            help_text=_("The lead assessor's username."),
        )
        if self.is_create:
            self.initial.setdefault("lead", getattr(person, "username", ""))
            framework_field = self.fields["framework"]
            assert isinstance(framework_field, forms.ModelChoiceField)
            framework_field.queryset = restrict(Framework.objects.all(), person, Action.VIEW)
            framework_field.help_text = _(
                "Every assessable requirement of the framework gets a result to give."
            )
            status_field = self.fields["status"]
            assert isinstance(status_field, forms.ChoiceField)
            status_field.choices = [
                choice for choice in AssessmentStatus.choices if choice[0] != AssessmentStatus.COMPLETED
            ]
        else:
            del self.fields["framework"]
            del self.fields["status"]
            if self.initial.get("lead") == self.instance.lead_id:
                self.initial["lead"] = self.instance.lead.username


class ResultForm(StyledFormMixin, forms.ModelForm):
    """A requirement's result with its justification and the controls and evidence
    behind it, chosen among those the person may see."""

    reason = reason_field()

    class Meta:
        model = RequirementResult
        fields = ["result", "justification", "controls", "evidence"]
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 3}),
            "controls": forms.SelectMultiple(attrs={"size": 8}),
            "evidence": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        result_field = self.fields["result"]
        assert isinstance(result_field, forms.ChoiceField)
        result_field.choices = Result.choices
        self.fields["justification"].help_text = _(
            "Required when the requirement does not apply; printed in the Statement of Applicability."
        )
        controls_field = self.fields["controls"]
        assert isinstance(controls_field, forms.ModelMultipleChoiceField)
        controls_field.queryset = restrict(AppliedControl.objects.all(), person, Action.VIEW).order_by(
            "reference"
        )
        evidence_field = self.fields["evidence"]
        assert isinstance(evidence_field, forms.ModelMultipleChoiceField)
        evidence_field.queryset = restrict(Evidence.objects.all(), person, Action.VIEW).order_by("reference")
        if self.instance.pk is not None:
            # Only the links the person may see are shown, and kept by a change they make.
            self.initial["controls"] = list(controls_field.queryset.filter(requirement_results=self.instance))
            self.initial["evidence"] = list(evidence_field.queryset.filter(requirement_results=self.instance))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        justification = (cleaned.get("justification") or "").strip()
        if cleaned.get("result") == Result.NOT_APPLICABLE and not justification:
            self.add_error("justification", _("Say why this requirement does not apply."))
        return cleaned


class StatusForm(StyledFormMixin, forms.Form):
    reason = reason_field()
