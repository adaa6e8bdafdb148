"""The reviewer's triage of a log-audit finding."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.logaudit.models import Triage
from garrison.web.forms import StyledFormMixin

# A decision: "not triaged" is where a finding starts, never what a reviewer chooses.
TRIAGE_DECISIONS = [(value, label) for value, label in Triage.choices if value != Triage.UNTRIAGED]


class TriageForm(StyledFormMixin, forms.Form):
    triage = forms.ChoiceField(label=_("Triage"), choices=TRIAGE_DECISIONS)
    change_ticket = forms.CharField(
        label=_("Change ticket"),
        max_length=100,
        required=False,
        help_text=_("Required for an expected operation: the approved change it belongs to."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["change_ticket"] = (cleaned.get("change_ticket") or "").strip()
        if cleaned.get("triage") == Triage.EXPECTED and not cleaned["change_ticket"]:
            self.add_error("change_ticket", _("Name the change ticket of the expected operation."))
        return cleaned
