"""Forms of supplier classification: proposing and deciding a status change, rectification
plans and their actions, the supplier policy. They only shape input; the services in
garrison.suppliers.services.classification and .rectification validate and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.models import EmploymentStatus, Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.suppliers.models import StandingBand, Supplier, SupplierPolicy
from garrison.suppliers.services.classification import allowed_targets, status_label
from garrison.web.forms import (
    REASON_MAX_LENGTH,
    DateInput,
    StyledFormMixin,
    UsernameChoiceField,
    reason_field,
)

NOTE_MAX_LENGTH = 2000
MAX_ACTION_LINES = 50


class ProposeStatusForm(StyledFormMixin, forms.Form):
    to_status = forms.ChoiceField(label=gettext_lazy("New status"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the supplier's history; the approvers read it."),
    )
    suspended_until = forms.DateField(
        label=gettext_lazy("Suspended until"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy(
            "Only for a suspension: on this date the supplier becomes rectifying, and returns to "
            "qualified through a completed rectification plan."
        ),
    )

    def __init__(self, *args: Any, supplier: Supplier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_status"]
        field.choices = [(status, status_label(status)) for status in allowed_targets(supplier)]


class DecideForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required to reject; the proposer is told."),
    )


def parse_action_lines(text: str) -> tuple[list[tuple[str, dt.date]], list[str]]:
    """Lines "YYYY-MM-DD description" as (description, due_on) pairs, and the refusals."""
    actions: list[tuple[str, dt.date]] = []
    problems: list[str] = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_ACTION_LINES:
        return [], [
            _("List at most %(count)d actions here; add more on the plan's page.")
            % {"count": MAX_ACTION_LINES}
        ]
    for number, line in enumerate(lines, start=1):
        date_text, _space, description = line.partition(" ")
        try:
            due_on = dt.date.fromisoformat(date_text)
        except ValueError:
            problems.append(
                _("Line %(number)d: start with the due date as YYYY-MM-DD, then the action.")
                % {"number": number}
            )
            continue
        actions.append((description.strip(), due_on))
    return actions, problems


class PlanForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("What must be put right"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput)
    owner = UsernameChoiceField(
        Person.objects.none(),
        label=gettext_lazy("Follow-up owner"),
        help_text=gettext_lazy(
            "The username of the person who follows the plan up and is reminded of due actions."
        ),
    )
    actions = forms.CharField(
        label=gettext_lazy("Actions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One action per line: its due date as YYYY-MM-DD, a space, then the action. "
            "You can add more later."
        ),
    )
    reason = reason_field()

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = restrict(
            Person.objects.exclude(employment_status=EmploymentStatus.LEFT), person, Action.VIEW
        )

    def clean_actions(self) -> list[tuple[str, dt.date]]:
        actions, problems = parse_action_lines(self.cleaned_data.get("actions", ""))
        if problems:
            raise ValidationError(problems)
        return actions


class ActionForm(StyledFormMixin, forms.Form):
    description = forms.CharField(label=gettext_lazy("Action"), max_length=500)
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput)
    follow_up = forms.CharField(
        label=gettext_lazy("Follow-up notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What was checked, agreed or delivered, and when."),
    )
    reason = reason_field()

    def __init__(self, *args: Any, is_create: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_create:
            del self.fields["follow_up"]


class CompleteActionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Added to the action's follow-up notes."),
    )


class CancelPlanForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the supplier's history."),
    )


class PolicyForm(StyledFormMixin, forms.Form):
    excellent_from = forms.DecimalField(
        label=gettext_lazy("Excellent from"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    good_from = forms.DecimalField(
        label=gettext_lazy("Good from"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    acceptable_from = forms.DecimalField(
        label=gettext_lazy("Acceptable from"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=gettext_lazy("A score below this is poor."),
    )
    downgrade_below = forms.ChoiceField(
        label=gettext_lazy("Propose a downgrade below"),
        choices=StandingBand.choices,
        help_text=gettext_lazy(
            "A scorecard whose standing is below this band proposes moving the supplier to rectifying."
        ),
    )
    document_reminder_days = forms.CharField(
        label=gettext_lazy("Remind before document expiry (days)"),
        max_length=200,
        help_text=gettext_lazy("Whole numbers separated by commas, such as 90, 30, 7."),
    )
    screening_threshold = forms.IntegerField(
        label=gettext_lazy("Screening match threshold"),
        min_value=50,
        max_value=100,
        help_text=gettext_lazy("A name similarity from 50 to 100 at which screening proposes a match."),
    )
    reason = reason_field()

    def clean_document_reminder_days(self) -> list[str]:
        text = self.cleaned_data.get("document_reminder_days", "")
        # People typing Chinese often separate with the full-width comma.
        text = text.replace("\uff0c", ",")
        return [part.strip() for part in text.split(",") if part.strip()]

    @staticmethod
    def initial_from(policy: SupplierPolicy) -> dict[str, Any]:
        return {
            "excellent_from": policy.excellent_from,
            "good_from": policy.good_from,
            "acceptable_from": policy.acceptable_from,
            "downgrade_below": policy.downgrade_below,
            "document_reminder_days": ", ".join(str(day) for day in policy.document_reminder_days or []),
            "screening_threshold": policy.screening_threshold,
        }
