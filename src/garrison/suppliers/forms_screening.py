"""Forms of screening: a decision on a candidate match and the CSV import of a watch list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.suppliers.services.screening import NOTE_MAX_LENGTH
from garrison.suppliers.services.watchlists import LIST_NAME_MAX_LENGTH, SOURCE_MAX_LENGTH
from garrison.web.forms import StyledFormMixin


class DecisionForm(StyledFormMixin, forms.Form):
    """Confirm or dismiss: the note is kept with the decision (required to dismiss)."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the supplier is, or is not, the listed company. Required to dismiss."),
    )


class WatchListImportForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name of the list"),
        max_length=LIST_NAME_MAX_LENGTH,
        help_text=_("Importing under the name of an existing list replaces its entries."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with a header row: name (required), identifiers, country, reason, reference."),
    )
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=SOURCE_MAX_LENGTH,
        help_text=_("Where the list comes from, such as the publishing authority and the date."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    replace = forms.BooleanField(
        label=_("Replace the list of this name if it exists"),
        required=False,
        initial=True,
    )


class DeleteListForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
