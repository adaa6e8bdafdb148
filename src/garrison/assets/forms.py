"""Forms of the inventory pages: an asset, a dependency, an import file.

Choices are scoped to the acting person: custodian units where they manage assets,
owners and sites they can see. The forms only read input; the services validate the
rules (site type, cycles, reach) and the views show their errors on the fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from garrison.assets.identifiers import split_list
from garrison.assets.models import SITE_TYPES, Asset
from garrison.assets.queries import units_within_reach
from garrison.assets.services.import_format import sorted_tag_names
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.web.forms import StyledFormMixin, UsernameChoiceField, reason_field, style_form

LIST_HELP = _("One per line, or separated by commas.")


class ListField(forms.CharField):
    """A list typed as text, one item per line or separated by commas or semicolons."""

    widget = forms.Textarea(attrs={"rows": 2})

    def __init__(self, *, joiner: str = "\n", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", LIST_HELP)
        super().__init__(**kwargs)
        self.joiner = joiner

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return self.joiner.join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return split_list(super().to_python(value) or "")


class AssetForm(StyledFormMixin, forms.ModelForm):
    """Create or edit an asset. IP addresses, host names and tags are typed as lists."""

    ip_addresses = ListField(label=_("IP addresses"))
    host_names = ListField(label=_("Host names"))
    tags = ListField(
        label=_("Tags"), widget=forms.TextInput, joiner=", ", help_text=_("Separated by commas.")
    )

    class Meta:
        model = Asset
        fields = [
            "reference",
            "name",
            "asset_type",
            "owner",
            "unit",
            "site",
            "description",
            "lifecycle_status",
            "confidentiality",
            "integrity",
            "availability",
            "criticality",
            "is_critical_system",
            "ip_addresses",
            "host_names",
            "tags",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.is_create = self.instance.pk is None
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person), label=_("Owner"), help_text=_("The owner's username.")
        )
        if self.instance.owner_id is not None and not self.is_bound:
            self.initial["owner"] = self.instance.owner.username
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units_within_reach(person, Action.ADD if self.is_create else Action.CHANGE)
        unit_field.label = _("Custodian unit")
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        sites = restrict(Asset.objects.filter(asset_type__in=SITE_TYPES), person)
        site_field.queryset = sites.exclude(pk=self.instance.pk) if not self.is_create else sites
        site_field.help_text = _("The data-center site or room where it is.")
        reference_field = self.fields["reference"]
        if self.is_create:
            reference_field.required = False
            reference_field.help_text = _("Leave empty to number it automatically (AST-…).")
        else:
            if not self.is_bound:
                self.initial["tags"] = sorted_tag_names(self.instance)
            self.fields["reason"] = reason_field()
        style_form(self)


class DependencyForm(StyledFormMixin, forms.Form):
    """Say that this asset needs another, or that another needs it, by its reference."""

    DEPENDS_ON = "depends_on"
    NEEDED_BY = "needed_by"

    direction = forms.ChoiceField(
        label=_("This asset"),
        choices=((DEPENDS_ON, _("depends on")), (NEEDED_BY, _("is needed by"))),
        initial=DEPENDS_ON,
    )
    other = forms.CharField(label=_("Asset reference"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_other(self) -> Asset:
        reference = self.cleaned_data["other"].replace("\x00", "").strip()
        other = (
            restrict(Asset.objects.select_related("unit"), self.person).filter(reference=reference).first()
        )
        if other is None:
            raise forms.ValidationError(_("No asset with this reference."))
        return other


class ImportUploadForm(StyledFormMixin, forms.Form):
    """The inventory file to import."""

    file = forms.FileField(
        label=_("Inventory file"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        help_text=_("CSV (UTF-8) or XLSX, with the columns of the inventory export."),
    )
