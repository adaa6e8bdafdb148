"""Signing a weekly audit report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.web.forms import StyledFormMixin


class SignForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Sign-off note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the report and in the audit trail."),
    )
