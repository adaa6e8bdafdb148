"""Forms of the audit pages: an audit, a finding, a corrective action, and the
verification, closure and workflow steps.

Choices (units, people, controls, assessments) are scoped to what the acting person
may see or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    OPEN_CORRECTIVE_STATUSES,
    AppliedControl,
    Assessment,
    Audit,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Framework,
    RequirementNode,
)
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.forms import (
    REASON_MAX_LENGTH,
    DateInput,
    StyledFormMixin,
    UsernameChoiceField,
    reason_field,
    style_form,
)


def _person_field(
    person: Any, label: Any, instance_value: Person | None, form: forms.BaseForm, name: str
) -> None:
    form.fields[name] = UsernameChoiceField(restrict(Person.objects.all(), person, Action.VIEW), label=label)
    if instance_value is not None and form.initial.get(name) == instance_value.pk:
        form.initial[name] = instance_value.username


class AuditForm(StyledFormMixin, forms.ModelForm):
    """Plan or edit an audit; its status moves with the buttons of its page."""

    class Meta:
        model = Audit
        fields = [
            "reference",
            "title",
            "kind",
            "unit",
            "lead",
            "auditing_body",
            "framework",
            "assessment",
            "scope_description",
            "starts_on",
            "ends_on",
            "summary",
        ]
        widgets = {
            "scope_description": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DateInput,
            "ends_on": DateInput,
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.COMPLIANCE, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=reachable)
        _person_field(person, _("Audit lead"), None if self.is_create else self.instance.lead, self, "lead")
        framework_field = self.fields["framework"]
        assert isinstance(framework_field, forms.ModelChoiceField)
        framework_field.queryset = Framework.objects.order_by("name")
        assessment_field = self.fields["assessment"]
        assert isinstance(assessment_field, forms.ModelChoiceField)
        assessment_field.queryset = restrict(Assessment.objects.all(), person, Action.VIEW).order_by(
            "reference"
        )
        if self.is_create:
            self.fields["reference"].required = False
            self.fields["reference"].help_text = _(
                "Leave empty to number the audit automatically (AUD-000001)."
            )
        else:
            del self.fields["reference"]
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates the whole audit (and the reference it is given).
        pass


class FindingForm(StyledFormMixin, forms.ModelForm):
    """Raise a finding on an audit, or edit one. The requirement is one of the audit's
    framework (when it has one)."""

    class Meta:
        model = Finding
        fields = ["title", "description", "kind", "owner", "requirement", "control", "root_cause", "due_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "due_on": DateInput,
        }

    def __init__(self, *args: Any, person: Any, audit: Audit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        audit = audit if audit is not None else self.instance.audit if not self.is_create else None
        _person_field(person, _("Owner"), None if self.is_create else self.instance.owner, self, "owner")
        requirement_field = self.fields["requirement"]
        assert isinstance(requirement_field, forms.ModelChoiceField)
        framework_id = audit.framework_id if audit is not None else None
        if framework_id is None and not self.is_create and self.instance.requirement_id:
            framework_id = self.instance.requirement.framework_id
        if framework_id is None:
            del self.fields["requirement"]
        else:
            requirement_field.queryset = RequirementNode.objects.filter(
                framework_id=framework_id, is_assessable=True
            ).order_by("order", "pk")
        control_field = self.fields["control"]
        assert isinstance(control_field, forms.ModelChoiceField)
        control_field.queryset = restrict(AppliedControl.objects.all(), person, Action.VIEW).order_by(
            "reference"
        )
        if not self.is_create:
            self.fields["reason"] = reason_field()
        else:
            del self.fields["root_cause"]
        style_form(self)

    def _post_clean(self) -> None:
        pass


class CorrectiveActionForm(StyledFormMixin, forms.ModelForm):
    """Plan a corrective action or change an open one."""

    class Meta:
        model = CorrectiveAction
        fields = ["title", "description", "owner", "due_on", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_on": DateInput}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        _person_field(person, _("Owner"), None if self.is_create else self.instance.owner, self, "owner")
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [
            choice for choice in CorrectiveActionStatus.choices if choice[0] in OPEN_CORRECTIVE_STATUSES
        ]
        if not self.is_create:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class VerificationForm(StyledFormMixin, forms.Form):
    """Whether the corrective actions of a finding were effective."""

    effective = forms.TypedChoiceField(
        label=_("Were the corrective actions effective?"),
        choices=(("yes", _("Yes: close the finding")), ("no", _("No: reopen the finding"))),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Verification notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was checked; required when the actions were not effective."),
    )


class NoteForm(StyledFormMixin, forms.Form):
    """A note that goes with a step: closing a finding, cancelling an action, a workflow step."""

    notes = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
