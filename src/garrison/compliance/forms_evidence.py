"""Forms of the evidence pages: evidence with its first version, a new version, the
edit form, an evidence request and its fulfilment.

Choices (units, people, controls) are scoped to what the acting person may see or use;
the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import AppliedControl, Evidence, EvidenceKind
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.forms import DateInput, StyledFormMixin, UsernameChoiceField, reason_field, style_form


def _units(person: Any, action: Action, keep: OrgUnit | None = None) -> Any:
    """Units where the person may put compliance records (and the object's own)."""
    units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
    reachable = [unit.pk for unit in units if has_grant(person, Domain.COMPLIANCE, action, unit.path)]
    if keep is not None:
        reachable.append(keep.pk)
    return OrgUnit.objects.filter(pk__in=reachable)


def _controls(person: Any) -> Any:
    return restrict(AppliedControl.objects.all(), person, Action.VIEW).order_by("reference")


class VersionFields(StyledFormMixin, forms.Form):
    """The content of a version: a file or a link, a note and the validity period."""

    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("For link evidence."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty if it does not expire."),
    )

    def version_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        upload = data.get("file")
        return {
            "file": upload,
            "filename": getattr(upload, "name", "") if upload else "",
            "content_type": getattr(upload, "content_type", "") if upload else "",
            "url": data.get("url") or "",
            "note": data.get("note") or "",
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
        }


class EvidenceCreateForm(VersionFields):
    """New evidence with its first version."""

    name = forms.CharField(label=_("Name"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    controls = forms.ModelMultipleChoiceField(
        label=_("Controls"),
        required=False,
        queryset=AppliedControl.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(person, Action.ADD)  # type: ignore[attr-defined]
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW), label=_("Owner")
        )
        self.fields["controls"].queryset = _controls(person)  # type: ignore[attr-defined]
        self.order_fields(["name", "description", "kind", "unit", "owner", "controls", "file", "url"])
        style_form(self)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description") or "",
            "kind": data["kind"],
            "unit": data["unit"],
            "owner": data["owner"],
            "controls": list(data.get("controls") or []),
            **self.version_data(),
        }


class EvidenceForm(StyledFormMixin, forms.ModelForm):
    """Change evidence: its name, description, unit, owner and controls."""

    class Meta:
        model = Evidence
        fields = ["name", "description", "unit", "owner", "controls"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "controls": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(person, Action.CHANGE, keep=self.instance.unit)  # type: ignore[attr-defined]
        self.fields["unit"].help_text = _("Its files move with it.")
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW)
            | Person.objects.filter(pk=self.instance.owner_id),
            label=_("Owner"),
        )
        if self.initial.get("owner") == self.instance.owner_id:
            self.initial["owner"] = self.instance.owner.username
        self.fields["controls"].queryset = _controls(person)  # type: ignore[attr-defined]
        self.initial["controls"] = list(
            restrict(self.instance.controls.all(), person, Action.VIEW).values_list("pk", flat=True)
        )
        self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates and saves; the form only checks shapes.
        pass


class RequestForm(StyledFormMixin, forms.Form):
    """Ask a person for evidence by a date."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)
    control = forms.ModelChoiceField(
        label=_("Control"), required=False, queryset=AppliedControl.objects.none()
    )
    evidence = forms.ModelChoiceField(
        label=_("Evidence"),
        required=False,
        queryset=Evidence.objects.none(),
        help_text=_("To ask for a new version of existing evidence."),
    )

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(person, Action.ADD)  # type: ignore[attr-defined]
        self.fields["assignee"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW), label=_("Requested from")
        )
        self.fields["control"].queryset = _controls(person)  # type: ignore[attr-defined]
        self.fields["evidence"].queryset = restrict(Evidence.objects.all(), person, Action.VIEW)  # type: ignore[attr-defined]
        self.order_fields(["title", "description", "assignee", "unit", "due_on", "control", "evidence"])
        style_form(self)


class FulfilForm(VersionFields):
    """Answer a request with a file or a link (and a name, when it creates evidence)."""

    name = forms.CharField(
        label=_("Evidence name"),
        required=False,
        max_length=300,
        help_text=_("For new evidence; the request's title when left empty."),
    )

    def __init__(self, *args: Any, creates_evidence: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creates_evidence:
            del self.fields["name"]


class CommentForm(StyledFormMixin, forms.Form):
    reason = reason_field()
