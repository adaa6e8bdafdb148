"""Forms of the supplier master pages: the supplier, a contact, a qualification document,
a category, and the deletion.

Choices (units, assets, people, categories) are scoped to what the acting person may see
or use; the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.suppliers import regions
from garrison.suppliers.models import QualificationDocument, Supplier, SupplierCategory, SupplierContact
from garrison.web.forms import DateInput, StyledFormMixin, UsernameChoiceField, reason_field, style_form

ALLOW_DUPLICATE = "allow_duplicate"


def allow_duplicate_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Create anyway: this is a different company"),
        required=False,
        help_text=_("Tick only after checking the registered supplier named above is another company."),
    )


class SupplierForm(StyledFormMixin, forms.ModelForm):
    """Register a supplier or change its facts (its status changes elsewhere). The
    "create anyway" box appears once the service has warned of a near-identical name."""

    country = forms.ChoiceField(label=_("Country or region"), choices=regions.country_choices, initial="CN")
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Supplier
        fields = [
            "name",
            "name_en",
            "credit_code",
            "registration_number",
            "country",
            "unit",
            "manager",
            "tier",
            "categories",
            "assets",
            "services",
            "website",
            "address",
            "notes",
        ]
        widgets = {
            "services": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.SUPPLIERS, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        self._model_choice("unit").queryset = OrgUnit.objects.filter(pk__in=reachable)
        categories = SupplierCategory.objects.filter(is_active=True)
        if not self.is_create:
            categories = categories | SupplierCategory.objects.filter(suppliers=self.instance)
        self._model_choice("categories").queryset = categories.distinct().order_by("name")
        self._model_choice("assets").queryset = restrict(Asset.objects.all(), person, Action.VIEW).order_by(
            "reference"
        )
        self.fields["manager"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW),
            label=_("Supplier manager"),
            required=False,
            help_text=_("The username of the person who looks after this supplier (reminders go to them)."),
        )
        self.fields["credit_code"].help_text = _(
            "18 characters from the business licence; required for mainland suppliers, checked with its "
            "check digit."
        )
        if self.is_create:
            self.initial.setdefault("manager", getattr(person, "username", ""))
            if self.data.get(ALLOW_DUPLICATE) is not None:
                self.fields[ALLOW_DUPLICATE] = allow_duplicate_field()
        else:
            manager = self.instance.manager
            if manager is not None and self.initial.get("manager") == manager.pk:
                self.initial["manager"] = manager.username
            self.fields["reason"] = reason_field()
        style_form(self)

    def offer_duplicate(self) -> None:
        """Show the "create anyway" box (after the service warned of a near-identical name)."""
        if ALLOW_DUPLICATE not in self.fields:
            self.fields[ALLOW_DUPLICATE] = allow_duplicate_field()
            style_form(self)

    def _model_choice(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def _post_clean(self) -> None:
        # The service validates the supplier whole (code, names, reach) and names the field.
        pass


class ContactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SupplierContact
        fields = ["name", "role", "email", "phone", "is_primary"]

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class DocumentForm(StyledFormMixin, forms.ModelForm):
    upload = forms.FileField(
        label=_("Scanned document"),
        required=False,
        help_text=_("Optional: the file is kept in the evidence store with its SHA-256."),
    )

    class Meta:
        model = QualificationDocument
        fields = ["kind", "number", "issuer", "issued_on", "expires_on", "notes"]
        widgets = {"issued_on": DateInput, "expires_on": DateInput}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].help_text = _(
            "Reminders go to the supplier manager before this date (see the supplier policy)."
        )
        if self.instance.pk is not None:
            self.fields["upload"].help_text = _("Optional: replaces the file kept for this document.")
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class CategoryForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SupplierCategory
        fields = ["code", "name", "name_zh", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["is_active"].help_text = _(
            "A category out of use is not offered for new suppliers; suppliers filed under it keep it."
        )
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class DeleteForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
