"""Forms of the grading pages: a grading threshold, and the grade decision of a case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.incidents.models import Grade, GradingThreshold
from garrison.web.forms import REASON_MAX_LENGTH, DateInput, StyledFormMixin, reason_field, style_form


class ThresholdForm(StyledFormMixin, forms.ModelForm):
    """Add or change a grading threshold (Administrators only)."""

    class Meta:
        model = GradingThreshold
        fields = ["metric", "threshold", "grade", "source", "effective_from", "effective_until", "notes"]
        widgets = {
            "effective_from": DateInput,
            "effective_until": DateInput,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "threshold": _("A case whose fact is at least this value is at least the grade below."),
            "effective_from": _("Cases discovered on or after this day are graded with the threshold."),
            "effective_until": _("The last day the threshold applies; leave empty while it is in force."),
            "source": _("The rule the threshold comes from, e.g. the grading guide of the CAC measures."),
        }

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grade = self.fields["grade"]
        assert isinstance(grade, forms.ChoiceField)
        grade.choices = [(value, label) for value, label in Grade.choices if value != Grade.GENERAL]
        self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates the threshold whole and names the field it refuses.
        pass


class GradeForm(StyledFormMixin, forms.Form):
    """The handler confirms the proposed grade or chooses another, giving the reason."""

    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the grade differs from the proposed one; kept with the decision."),
    )
