"""Forms and list filters of the risk catalogue pages: risk matrices and threats.

A matrix is typed as text, one line per item, so that it can be written and
reviewed without JavaScript: steps as ``name | 中文名 | description | 中文说明``,
levels as ``key | name | 中文名 | #colour``, the grid as one line of level keys per
likelihood step (lowest first), one key per impact step (lowest first). The form
only splits the lines; the service checks the matrix and names what is wrong.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services.catalogue import matrix_as_input
from garrison.web.forms import StyledFormMixin, reason_field, split_reason

SEPARATOR = "|"
TEXTAREA_ROWS = 6
STEP_PARTS = ("name", "name_zh", "description", "description_zh")
LEVEL_PARTS = ("key", "name", "name_zh", "colour")

# Categories of the shipped threat catalogue (docs/library-format.md); a threat the
# organisation adds may use another word, shown as it is.
THREAT_CATEGORIES = {
    "facility": _("Facilities and power"),
    "natural": _("Natural hazards"),
    "physical": _("Physical security"),
    "technical": _("Technical failures"),
    "cyber": _("Cyber attacks"),
    "human": _("People"),
    "supplier": _("Suppliers"),
    "compliance": _("Legal and regulatory"),
}


def category_label(category: str) -> str:
    return str(THREAT_CATEGORIES.get(category, category))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def _split(line: str, names: tuple[str, ...], number: int, field_name: str) -> dict[str, str]:
    parts = [part.strip() for part in line.split(SEPARATOR)]
    if len(parts) > len(names):
        raise forms.ValidationError(
            _("Line %(number)d has %(found)d parts; at most %(allowed)d are separated by “|”."),
            params={"number": number, "found": len(parts), "allowed": len(names)},
            code=f"{field_name}_parts",
        )
    return dict(zip(names, parts, strict=False))


def _join(values: dict[str, Any], names: tuple[str, ...]) -> str:
    parts = [str(values.get(name) or "") for name in names]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return f" {SEPARATOR} ".join(parts)


class MatrixForm(StyledFormMixin, forms.Form):
    """Create or edit a matrix. A library's matrix shows only what the organisation decides:
    its appetite and whether it is the default."""

    urn = forms.CharField(
        label=_("URN"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to have one made from the name."),
    )
    name = forms.CharField(label=_("name"), max_length=200)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200, required=False)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    likelihood = forms.CharField(
        label=_("likelihood scale"),
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
        help_text=_(
            "One step per line, lowest first: name | Chinese name | description | Chinese description."
        ),
    )
    impact = forms.CharField(
        label=_("impact scale"),
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
        help_text=_(
            "One step per line, lowest first: name | Chinese name | description | Chinese description."
        ),
    )
    levels = forms.CharField(
        label=_("risk levels"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One level per line, lowest first: key | name | Chinese name | #colour."),
    )
    grid = forms.CharField(
        label=_("grid"),
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
        help_text=_(
            "One line of level keys per likelihood step, lowest likelihood first; one key per "
            "impact step, lowest impact first, separated by spaces or commas."
        ),
    )
    appetite = forms.CharField(
        label=_("risk appetite"),
        max_length=40,
        help_text=_("The key of the highest level tolerated without a treatment."),
    )
    is_default = forms.BooleanField(label=_("default matrix"), required=False)

    def __init__(
        self, *args: Any, instance: RiskMatrix | None = None, person: Any = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        self.person = person
        if instance is not None:
            initial = self.initial_from(instance)
            initial.update(kwargs.pop("initial", None) or {})
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if instance is not None:
            del self.fields["urn"]
            self.fields["reason"] = reason_field()
            if instance.library_urn:
                for name in ("name", "name_zh", "description", "likelihood", "impact", "levels", "grid"):
                    del self.fields[name]
                keys = [str(level.get("key", "")) for level in instance.levels]
                names = [instance.level_name(rank) for rank in range(1, len(keys) + 1)]
                appetite = forms.ChoiceField(
                    label=_("risk appetite"),
                    choices=list(zip(keys, names, strict=True)),
                    help_text=_("The highest level tolerated without a treatment."),
                )
                self.fields["appetite"] = appetite
                self.order_fields(["appetite", "is_default", "reason"])
            self.library_urn = instance.library_urn
        else:
            self.library_urn = ""

    @staticmethod
    def initial_from(matrix: RiskMatrix) -> dict[str, Any]:
        data = matrix_as_input(matrix)
        return {
            "name": data["name"],
            "name_zh": data["name_zh"],
            "description": data["description"],
            "likelihood": "\n".join(_join(step, STEP_PARTS) for step in data["likelihood"]),
            "impact": "\n".join(_join(step, STEP_PARTS) for step in data["impact"]),
            "levels": "\n".join(_join(level, LEVEL_PARTS) for level in data["levels"]),
            "grid": "\n".join(" ".join(row) for row in data["grid"]),
            "appetite": data["appetite"],
            "is_default": data["is_default"],
        }

    def _steps(self, name: str) -> list[dict[str, str]]:
        return [
            _split(line, STEP_PARTS, number, name)
            for number, line in enumerate(_lines(self.cleaned_data.get(name) or ""), start=1)
        ]

    def clean_likelihood(self) -> list[dict[str, str]]:
        return self._steps("likelihood")

    def clean_impact(self) -> list[dict[str, str]]:
        return self._steps("impact")

    def clean_levels(self) -> list[dict[str, str]]:
        return [
            _split(line, LEVEL_PARTS, number, "levels")
            for number, line in enumerate(_lines(self.cleaned_data.get("levels") or ""), start=1)
        ]

    def clean_grid(self) -> list[list[str]]:
        return [line.replace(",", " ").split() for line in _lines(self.cleaned_data.get("grid") or "")]

    def service_data(self) -> tuple[dict[str, Any], str]:
        """The matrix in the services' input shape, and the reason given with the change."""
        data, reason = split_reason(self.cleaned_data)
        if not data.get("urn"):
            data.pop("urn", None)
        return data, reason


class ThreatForm(StyledFormMixin, forms.ModelForm):
    """Create or edit one of the organisation's own threats."""

    urn = forms.CharField(
        label=_("URN"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to have one made from the reference."),
    )

    class Meta:
        model = Threat
        fields = ["reference", "name", "name_zh", "category", "description", "description_zh"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_zh": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "category": _(
                "A short word grouping threats; the shipped catalogue uses facility, natural, physical, "
                "technical, cyber, human, supplier and compliance."
            ),
        }

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        if self.instance.pk is not None:
            del self.fields["urn"]
            self.fields["reason"] = reason_field()

    def service_data(self) -> tuple[dict[str, Any], str]:
        return split_reason(self.cleaned_data)


# List filters -----------------------------------------------------------------------------------

ORIGIN_CHOICES = (("library", _("From a library")), ("organisation", _("Added by the organisation")))


def _filter_origin(queryset: models.QuerySet[Any], name: str, value: str) -> models.QuerySet[Any]:
    if value == "library":
        return queryset.exclude(library_urn="")
    if value == "organisation":
        return queryset.filter(library_urn="")
    return queryset


class ThreatFilter(ScopedFilterSet):
    category = django_filters.ChoiceFilter(label=_("Category"), choices=list(THREAT_CATEGORIES.items()))
    origin = django_filters.ChoiceFilter(label=_("Origin"), choices=ORIGIN_CHOICES, method="filter_origin")

    class Meta:
        model = Threat
        fields = ["category", "origin"]

    def filter_origin(self, queryset: models.QuerySet[Threat], name: str, value: str) -> Any:
        return _filter_origin(queryset, name, value)


class MatrixFilter(ScopedFilterSet):
    origin = django_filters.ChoiceFilter(label=_("Origin"), choices=ORIGIN_CHOICES, method="filter_origin")

    class Meta:
        model = RiskMatrix
        fields = ["origin"]

    def filter_origin(self, queryset: models.QuerySet[RiskMatrix], name: str, value: str) -> Any:
        return _filter_origin(queryset, name, value)
