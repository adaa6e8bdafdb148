"""Forms of the applied-control pages: a control with its test plan and links, a scheduled
test, and the completion of a test.

Choices (units, people, requirements, assets, risk scenarios, evidence) are scoped to what
the acting person may see or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.compliance.models import (
    COMPLETED_TEST_RESULTS,
    AppliedControl,
    ControlTest,
    Evidence,
    ReferenceControl,
    RequirementNode,
    TestResult,
)
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.library.text import localised
from garrison.risks.models import RiskScenario
from garrison.web.forms import DateInput, StyledFormMixin, UsernameChoiceField, reason_field, style_form

SEPARATORS = re.compile(r"[\s,;]+")
LINKS_SHOWN_AT_MOST = 200


class ReferencesField(forms.CharField):
    """Objects named by their references (a list of every asset or scenario would not
    load), resolved among those the person may see."""

    def __init__(self, *, model: type[models.Model], person: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)
        self.model = model
        self.person = person

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(getattr(item, "reference", item)) for item in value)
        return value

    def clean(self, value: Any) -> list[Any]:
        text = super().clean(value) or ""
        references = list(dict.fromkeys(item for item in SEPARATORS.split(text.replace("\x00", "")) if item))
        if not references:
            return []
        queryset = self.model._default_manager.filter(reference__in=references)
        found = {
            str(getattr(item, "reference", "")): item for item in restrict(queryset, self.person, Action.VIEW)
        }
        unknown = [reference for reference in references if reference not in found]
        if unknown:
            raise forms.ValidationError(
                _("Nothing found with the reference %(references)s.") % {"references": ", ".join(unknown)}
            )
        return [found[reference] for reference in references]


def requirement_choices(person: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    """The assessable requirements the person may see, grouped by framework, in the
    frameworks' own order: one query however many."""
    nodes = restrict(
        RequirementNode.objects.filter(is_assessable=True).select_related("framework"), person, Action.VIEW
    ).order_by("framework__reference", "order", "pk")
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for node in nodes:
        framework = node.framework
        groups[f"{framework.reference} {localised(framework)}".strip()].append(
            (node.pk, f"{node.reference} {localised(node)}".strip())
        )
    return list(groups.items())


class RequirementsField(forms.TypedMultipleChoiceField):
    """Requirements of every framework, grouped by framework; a browser jumps to a
    reference as it is typed in the list."""

    def __init__(self, *, person: Any, **kwargs: Any) -> None:
        super().__init__(coerce=int, required=False, **kwargs)
        self.person = person
        self.choices = requirement_choices(person)
        self.widget.attrs["size"] = 14

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [getattr(item, "pk", item) for item in value]
        return value

    def clean(self, value: Any) -> list[RequirementNode]:
        ids = super().clean(value)
        found = restrict(RequirementNode.objects.filter(pk__in=ids), self.person, Action.VIEW)
        by_id = {node.pk: node for node in found.select_related("framework")}
        return [by_id[pk] for pk in ids if pk in by_id]


class ControlForm(StyledFormMixin, forms.ModelForm):
    """Create or edit an applied control, its test plan and what it is linked to."""

    class Meta:
        model = AppliedControl
        fields = [
            "reference",
            "name",
            "description",
            "unit",
            "owner",
            "category",
            "status",
            "implemented_on",
            "reference_control",
            "test_frequency",
            "test_method",
            "test_success_criteria",
            "tester",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "test_success_criteria": forms.Textarea(attrs={"rows": 2}),
            "implemented_on": DateInput,
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.COMPLIANCE, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=reachable)
        people = restrict(Person.objects.all(), person, Action.VIEW)
        self.fields["owner"] = UsernameChoiceField(people, label=_("Owner"))
        self.fields["tester"] = UsernameChoiceField(
            people,
            label=_("Tester"),
            required=False,
            help_text=_("Who performs the tests: a username; needed when the control is tested."),
        )
        for name in ("owner", "tester"):
            current = getattr(self.instance, name, None) if not self.is_create else None
            if current is not None and self.initial.get(name) == current.pk:
                self.initial[name] = current.username
        reference_control = self.fields["reference_control"]
        assert isinstance(reference_control, forms.ModelChoiceField)
        reference_control.queryset = restrict(ReferenceControl.objects.all(), person, Action.VIEW)
        self.fields["requirements"] = RequirementsField(
            person=person,
            label=_("Requirements met"),
            help_text=_(
                "Requirements of any framework this control meets. Hold Ctrl (⌘ on a Mac) to pick "
                "several; typing a reference jumps to it."
            ),
        )
        self.fields["assets"] = ReferencesField(
            model=Asset,
            person=person,
            label=_("Assets"),
            help_text=_("Asset references, separated by commas."),
        )
        self.fields["risks"] = ReferencesField(
            model=RiskScenario,
            person=person,
            label=_("Risk scenarios"),
            help_text=_("References of the risk scenarios this control reduces (R-000001)."),
        )
        if not self.is_create:
            for name in ("requirements", "assets", "risks"):
                linked = restrict(getattr(self.instance, name).all(), person, Action.VIEW)
                self.initial[name] = (
                    list(linked[:LINKS_SHOWN_AT_MOST]) if name != "requirements" else list(linked)
                )
            del self.fields["reference"]
            self.fields["reason"] = reason_field()
        else:
            reference_field = self.fields["reference"]
            reference_field.required = False
            reference_field.help_text = _("Leave empty to number the control automatically (CTL-000001).")
        self.order_fields(
            [
                "reference",
                "name",
                "description",
                "unit",
                "owner",
                "category",
                "status",
                "implemented_on",
                "reference_control",
                "requirements",
                "assets",
                "risks",
            ]
        )
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates the control whole, with its reach checks.
        pass


class ControlTestForm(StyledFormMixin, forms.ModelForm):
    """Move a scheduled test or change who performs it."""

    class Meta:
        model = ControlTest
        fields = ["due_on", "tester", "method", "success_criteria"]
        widgets = {"due_on": DateInput, "success_criteria": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tester"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW), label=_("Tester"), required=False
        )
        tester = self.instance.tester
        if tester is not None and self.initial.get("tester") == tester.pk:
            self.initial["tester"] = tester.username
        self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class CompleteTestForm(StyledFormMixin, forms.Form):
    """The outcome of a test: passed, failed (opens a nonconformity) or skipped."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(value, label) for value, label in TestResult.choices if value in COMPLETED_TEST_RESULTS],
    )
    performed_on = forms.DateField(label=_("Performed on"), widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was checked and what was found; required when the test failed or was skipped."),
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence"), queryset=Evidence.objects.none(), required=False
    )

    def __init__(self, *args: Any, person: Any, control: AppliedControl, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        evidence = self.fields["evidence"]
        assert isinstance(evidence, forms.ModelMultipleChoiceField)
        # The evidence filed for this control, among what the person may see.
        evidence.queryset = restrict(Evidence.objects.filter(controls=control), person, Action.VIEW)
        evidence.help_text = _("Evidence filed for this control that shows the result.")
        style_form(self)
