"""Forms of the personal account pages: preferences, password, API tokens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from garrison.core.models import Person
from garrison.core.models.identity import TokenScope
from garrison.core.services.identity import is_time_zone
from garrison.core.services.tokens import default_days


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control", "list": "time-zones", "autocomplete": "off"}),
        help_text=_("A name from the IANA time zone database, such as Asia/Shanghai or Europe/London."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language_field = cast(forms.ChoiceField, self.fields["language"])
        language_field.choices = [("", _("As my browser asks")), *settings.LANGUAGES]

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if not is_time_zone(name):
            raise forms.ValidationError(_("Unknown time zone; use a name such as Asia/Shanghai."))
        return name


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "autofocus": True, "class": "form-control"}
        ),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"}),
        help_text=password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"}),
    )

    def __init__(self, person: Person, *args: Any, **kwargs: Any) -> None:
        self.person = person
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.person.check_password(password):
            raise forms.ValidationError(_("This is not your current password."))
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second:
            if first != second:
                self.add_error("new_password2", _("The two new passwords differ."))
            else:
                try:
                    validate_password(first, self.person)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script that uses it."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    days = forms.IntegerField(
        label=_("Lifetime in days"),
        min_value=1,
        initial=default_days,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days_field = cast(forms.IntegerField, self.fields["days"])
        days_field.max_value = settings.API_TOKEN_MAX_DAYS
        days_field.validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        days_field.widget.attrs.update({"min": 1, "max": settings.API_TOKEN_MAX_DAYS})
