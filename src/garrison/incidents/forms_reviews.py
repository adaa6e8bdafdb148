"""Forms of the post-incident review pages: the review, its corrective actions, and the
reason to reopen it.

People are picked by username, risks and controls among those the acting person may
see; the services check again and name the field they refuse.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import AppliedControl
from garrison.core.models import Person
from garrison.core.models.org import EmploymentStatus
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.models import PostIncidentReview, ReviewAction, ReviewActionStatus
from garrison.risks.models import RiskScenario
from garrison.web.forms import DateInput, StyledFormMixin, UsernameChoiceField, reason_field, style_form

USERNAME_SEPARATORS = re.compile(r"[\s,;\uff0c\uff1b]+")


class UsernamesField(forms.CharField):
    """Several people picked by username (separated by commas or spaces), among those the
    queryset holds."""

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        self.queryset = queryset
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and value and isinstance(value[0], Person):
            return ", ".join(person.username for person in value)
        return value

    def clean(self, value: Any) -> list[Person]:
        text = super().clean(value) or ""
        names = [name for name in USERNAME_SEPARATORS.split(text.replace("\x00", "")) if name]
        found = {person.username: person for person in self.queryset.filter(username__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise ValidationError(
                _("No person with the username %(names)s.") % {"names": ", ".join(missing)},
                code="invalid_choice",
            )
        return list(dict.fromkeys(found[name] for name in names))


class ReviewForm(StyledFormMixin, forms.ModelForm):
    """Write the review: what happened and why, what was learned, who took part."""

    class Meta:
        model = PostIncidentReview
        fields = [
            "review_date",
            "summary",
            "root_cause",
            "lessons_learned",
            "what_went_well",
            "what_to_improve",
        ]
        widgets = {
            "review_date": DateInput,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "lessons_learned": forms.Textarea(attrs={"rows": 3}),
            "what_went_well": forms.Textarea(attrs={"rows": 2}),
            "what_to_improve": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = restrict(
            Person.objects.exclude(employment_status=EmploymentStatus.LEFT), person, Action.VIEW
        )
        self.fields["participants"] = UsernamesField(
            visible,
            label=_("Participants"),
            help_text=_("Usernames, separated by commas or spaces."),
        )
        if self.instance.pk is not None and "participants" not in self.initial:
            shown = restrict(self.instance.participants.all(), person, Action.VIEW).order_by("username")
            self.initial["participants"] = ", ".join(shown.values_list("username", flat=True))
        self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates the review whole and names the field it refuses.
        pass


class ReviewActionForm(StyledFormMixin, forms.ModelForm):
    """Add or change a corrective action of the review."""

    class Meta:
        model = ReviewAction
        fields = ["title", "description", "owner", "due_on", "status", "risks", "controls"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_on": DateInput}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.exclude(employment_status=EmploymentStatus.LEFT), person, Action.VIEW),
            label=_("Owner"),
            help_text=_("The username of the person who carries the action out and is reminded."),
        )
        if not self.is_create and self.initial.get("owner") == self.instance.owner_id:
            self.initial["owner"] = self.instance.owner.username
        risks = self.fields["risks"]
        assert isinstance(risks, forms.ModelMultipleChoiceField)
        risks.queryset = restrict(RiskScenario.objects.order_by("reference"), person, Action.VIEW)
        risks.help_text = _("The risk scenarios this action changes.")
        controls = self.fields["controls"]
        assert isinstance(controls, forms.ModelMultipleChoiceField)
        controls.queryset = restrict(AppliedControl.objects.order_by("reference"), person, Action.VIEW)
        controls.help_text = _("The controls this action adds or improves.")
        if self.is_create:
            del self.fields["status"]
        else:
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [
                (value, label)
                for value, label in ReviewActionStatus.choices
                if value != ReviewActionStatus.DONE
            ]
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The owner and links are checked by the service, which names the field it refuses.
        pass


class CompleteActionForm(StyledFormMixin, forms.Form):
    completed_on = forms.DateField(
        label=_("Completed on"), widget=DateInput, required=False, help_text=_("Today when left empty.")
    )


class ReopenReviewForm(StyledFormMixin, forms.Form):
    reason = reason_field(required=True)


class MetricsFilterForm(StyledFormMixin, forms.Form):
    """The metrics page's grouping and discovery date range (`from` and `to`, both days
    included), named as the API names them."""

    group = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("month", _("Month of discovery")), ("category", _("Category")), ("grade", _("Grade"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("Discovered from"), required=False, widget=DateInput)
        self.fields["to"] = forms.DateField(label=_("Discovered to"), required=False, widget=DateInput)
        style_form(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("The end of the range cannot be before its start."))
        cleaned["group"] = cleaned.get("group") or "month"
        return cleaned
