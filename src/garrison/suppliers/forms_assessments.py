"""Forms of the assessment and scorecard pages, and the respondent's questionnaire form.

Answer fields are plain text fields with the widget their answer type needs: the
service checks every answer (and says what is wrong in the respondent's language), so the
rules live in one place. Supplier choices are scoped to the suppliers the person may change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.library.text import localised
from garrison.suppliers.models import (
    AnswerType,
    Question,
    Questionnaire,
    ScorecardCriterion,
    Supplier,
)
from garrison.suppliers.services.assessments import COMMENT_MAX_LENGTH, DEFAULT_DAYS_VALID, MAX_DAYS_VALID
from garrison.web.forms import DateInput, StyledFormMixin, reason_field, style_form

ANSWER_PREFIX = "answer_"
COMMENT_PREFIX = "comment_"
EVIDENCE_PREFIX = "evidence_"
SCORE_PREFIX = "score_"


class SupplierReferenceField(forms.ModelChoiceField):
    """A supplier picked by its reference (SUP-000123): a select of thousands would not load."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The supplier's reference, such as SUP-000123."))
        kwargs.setdefault(
            "error_messages", {"invalid_choice": _("No supplier you may change has this reference.")}
        )
        super().__init__(queryset, to_field_name="reference", **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper().replace("\x00", "")
        return super().to_python(value)


class AssessmentForm(StyledFormMixin, forms.Form):
    supplier = SupplierReferenceField(Supplier.objects.none(), label=_("Supplier"))
    questionnaire = forms.ModelChoiceField(Questionnaire.objects.none(), label=_("Questionnaire"))
    respondent_name = forms.CharField(
        label=_("Respondent"), max_length=200, help_text=_("The person at the supplier who will answer.")
    )
    respondent_email = forms.EmailField(label=_("Respondent's e-mail"))
    reason = reason_field()

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supplier_field: Any = self.fields["supplier"]
        supplier_field.queryset = restrict(Supplier.objects.all(), person, Action.CHANGE)
        questionnaire_field: Any = self.fields["questionnaire"]
        questionnaire_field.queryset = restrict(
            Questionnaire.objects.filter(is_active=True), person, Action.VIEW
        )
        questionnaire_field.label_from_instance = localised


class SendForm(StyledFormMixin, forms.Form):
    days_valid = forms.IntegerField(
        label=_("Link valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS_VALID,
        initial=DEFAULT_DAYS_VALID,
        help_text=_("Sending again makes a new link; the previous one stops working."),
    )


class ReviewAnswerForm(StyledFormMixin, forms.Form):
    score = forms.DecimalField(
        label=_("Reviewer's score"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        help_text=_("0 to 100; replaces the computed score. Leave empty to use the computed score."),
    )
    comment = forms.CharField(
        label=_("Reviewer's comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteReviewForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Review comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(StyledFormMixin, forms.Form):
    reason = reason_field()


def _answer_field(question: Question, *, label: str) -> forms.Field:
    if question.answer_type == AnswerType.YES_NO:
        widget: forms.Widget = forms.RadioSelect(choices=[("yes", _("Yes")), ("no", _("No"))])
    elif question.answer_type == AnswerType.CHOICE:
        widget = forms.RadioSelect(
            choices=[(choice.get("value"), localised(choice, "label")) for choice in question.choices or []]
        )
    elif question.answer_type == AnswerType.NUMBER:
        widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control answer-number"})
    else:
        widget = forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    return forms.CharField(label=label, required=False, widget=widget, strip=False)


class RespondForm(forms.Form):
    """One answer field per question, a comment field each, and a file field for the
    questions that ask for a document."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            text = localised(question, "text")
            self.fields[ANSWER_PREFIX + question.code] = _answer_field(question, label=text)
            self.fields[COMMENT_PREFIX + question.code] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control"}),
            )
            if question.evidence_requested:
                self.fields[EVIDENCE_PREFIX + question.code] = forms.FileField(
                    label=_("Document"),
                    required=False,
                    widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
                    help_text=question.evidence_hint,
                )

    def answers(self) -> dict[str, Any]:
        return {
            name.removeprefix(ANSWER_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(ANSWER_PREFIX)
        }

    def comments(self) -> dict[str, Any]:
        return {
            name.removeprefix(COMMENT_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(COMMENT_PREFIX)
        }

    def evidence(self) -> dict[str, Any]:
        return {
            name.removeprefix(EVIDENCE_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(EVIDENCE_PREFIX) and value
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Refusals of the service, keyed by question code, shown on the answer fields."""
        for code, messages in errors.items():
            name = ANSWER_PREFIX + code
            self.add_error(name if name in self.fields else None, messages)


class ScorecardForm(StyledFormMixin, forms.Form):
    supplier = SupplierReferenceField(Supplier.objects.none(), label=_("Supplier"))
    period_start = forms.DateField(label=_("Period start"), widget=DateInput)
    period_end = forms.DateField(label=_("Period end"), widget=DateInput)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = reason_field()

    def __init__(self, *args: Any, person: Any, criteria: list[ScorecardCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supplier_field: Any = self.fields["supplier"]
        supplier_field.queryset = restrict(Supplier.objects.all(), person, Action.CHANGE)
        for criterion in criteria:
            self.fields[SCORE_PREFIX + criterion.code] = forms.DecimalField(
                label=localised(criterion),
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                help_text=_("0 to 100; weight %(weight)s") % {"weight": criterion.weight},
            )
        # The reason comes last, after the scores.
        self.fields["reason"] = self.fields.pop("reason")
        style_form(self)

    def scores(self) -> dict[str, Any]:
        return {
            name.removeprefix(SCORE_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(SCORE_PREFIX)
        }


class CriterionForm(StyledFormMixin, forms.Form):
    weight = forms.DecimalField(
        label=_("Weight"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        help_text=_("Greater than zero; criteria weigh against each other, so they need not add up to 100."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
    reason = reason_field()
