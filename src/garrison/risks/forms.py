"""Forms of the risk register's pages: a scenario, a step of its treatment plan, an
acceptance request and the decision on it.

Choices (units, owners, matrices, assets, threats) are scoped to what the acting
person may see or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.risks.models import (
    ActionStatus,
    RiskMatrix,
    RiskScenario,
    ScenarioStatus,
    Threat,
    Treatment,
    TreatmentAction,
)
from garrison.risks.services.scenarios import default_matrix
from garrison.web.forms import (
    REASON_MAX_LENGTH,
    DateInput,
    StyledFormMixin,
    UsernameChoiceField,
    reason_field,
    style_form,
)

RATING_FIELDS = (
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
)
ASSET_SEPARATORS = re.compile(r"[\s,;]+")
ASSETS_SHOWN_AT_MOST = 200


def deepest_scales() -> dict[str, int]:
    """The most likelihood and impact steps any matrix has."""
    deepest = {"likelihood": 0, "impact": 0}
    for likelihood, impact in RiskMatrix.objects.values_list("likelihood", "impact"):
        deepest["likelihood"] = max(deepest["likelihood"], len(likelihood))
        deepest["impact"] = max(deepest["impact"], len(impact))
    return deepest


def rating_choices(
    matrix: RiskMatrix | None, scale: str, *, steps: int, required: bool
) -> list[tuple[Any, str]]:
    """Steps 1..`steps` named after `matrix` (by number beyond it, for larger matrices)."""
    names = matrix.step_names(scale) if matrix is not None else []
    choices: list[tuple[Any, str]] = [("", "---------" if required else "—")]
    for step in range(1, max(steps, len(names)) + 1):
        label = f"{step} · {names[step - 1]}" if step <= len(names) else str(step)
        choices.append((step, label))
    return choices


class AssetReferencesField(forms.CharField):
    """Assets named by their references (a list of every asset would not load),
    resolved among the assets the person may see."""

    def __init__(self, *, person: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", _("Asset references, separated by commas or spaces."))
        super().__init__(**kwargs)
        self.person = person

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(getattr(item, "reference", item)) for item in value)
        return value

    def clean(self, value: Any) -> list[Asset]:
        text = super().clean(value) or ""
        references = [item for item in ASSET_SEPARATORS.split(text.replace("\x00", "")) if item]
        if not references:
            return []
        found = {
            asset.reference: asset
            for asset in restrict(Asset.objects.filter(reference__in=references), self.person, Action.VIEW)
        }
        unknown = [reference for reference in dict.fromkeys(references) if reference not in found]
        if unknown:
            raise forms.ValidationError(
                _("No asset with the reference %(references)s.") % {"references": ", ".join(unknown)}
            )
        return [found[reference] for reference in dict.fromkeys(references)]


class RiskScenarioForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a risk scenario. Accepting a risk is not a choice here: it goes
    through an acceptance request decided by someone else."""

    class Meta:
        model = RiskScenario
        fields = [
            "reference",
            "title",
            "description",
            "unit",
            "owner",
            "matrix",
            "threats",
            "existing_controls",
            *RATING_FIELDS,
            "treatment",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "existing_controls": forms.Textarea(attrs={"rows": 3}),
            "threats": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        # Units where the person may put risks (and, on an edit, the scenario's own).
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.RISKS, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=reachable)
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW),
            label=_("Risk owner"),
            help_text=_("The risk owner's username."),
        )
        if not self.is_create and self.initial.get("owner") == self.instance.owner_id:
            self.initial["owner"] = self.instance.owner.username
        matrix_field = self.fields["matrix"]
        assert isinstance(matrix_field, forms.ModelChoiceField)
        matrix_field.queryset = restrict(RiskMatrix.objects.all(), person, Action.VIEW)
        matrix = self.instance.matrix if not self.is_create else default_matrix()
        if self.is_create and matrix is not None:
            self.initial.setdefault("matrix", matrix.pk)
        deepest = deepest_scales()
        for name in RATING_FIELDS:
            required = not name.startswith("target")
            scale = "likelihood" if name.endswith("likelihood") else "impact"
            label = self.fields[name].label
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=rating_choices(matrix, scale, steps=deepest[scale], required=required),
                coerce=int,
                required=required,
                empty_value=None,
            )
        threats_field = self.fields["threats"]
        assert isinstance(threats_field, forms.ModelMultipleChoiceField)
        threats_field.queryset = restrict(Threat.objects.all(), person, Action.VIEW)
        self.fields["assets"] = AssetReferencesField(person=person, label=_("Assets"))
        if not self.is_create:
            self.initial["assets"] = list(
                restrict(self.instance.assets.all(), person, Action.VIEW)[:ASSETS_SHOWN_AT_MOST]
            )
        treatments = [
            choice
            for choice in Treatment.choices
            if choice[0] != Treatment.ACCEPT or self.instance.treatment == Treatment.ACCEPT
        ]
        treatment_field = self.fields["treatment"]
        assert isinstance(treatment_field, forms.ChoiceField)
        treatment_field.choices = treatments
        treatment_field.help_text = _("To accept a risk, ask for an acceptance on the scenario's page.")
        reference_field = self.fields["reference"]
        self.order_fields(
            ["reference", "title", "description", "unit", "owner", "matrix", "assets", "threats"]
        )
        if self.is_create:
            reference_field.required = False
            reference_field.help_text = _("Leave empty to number the scenario automatically (R-000001).")
            del self.fields["status"]
        else:
            del self.fields["reference"]
            status_field = self.fields["status"]
            assert isinstance(status_field, forms.ChoiceField)
            status_field.choices = ScenarioStatus.choices
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates and rates the scenario against its matrix; the model
        # form must not half-validate an instance whose levels are not derived yet.
        pass


class TreatmentActionForm(StyledFormMixin, forms.ModelForm):
    """Add or change a step of a scenario's treatment plan."""

    class Meta:
        model = TreatmentAction
        fields = ["title", "description", "owner", "due_on", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_on": DateInput}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW), label=_("Owner")
        )
        if not self.is_create and self.initial.get("owner") == self.instance.owner_id:
            self.initial["owner"] = self.instance.owner.username
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = ActionStatus.choices
        if not self.is_create:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The scenario is not on the instance of a new action; the service validates it whole.
        pass


class AcceptanceRequestForm(StyledFormMixin, forms.Form):
    """Ask to accept a risk until a date, saying why."""

    justification = forms.CharField(
        label=_("Justification"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DateInput,
        help_text=_("The risk returns to review on this date."),
    )


class DecisionForm(StyledFormMixin, forms.Form):
    """The comment going with a decision on an acceptance (required to reject)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
