"""Forms of case handling: timeline events, tasks, evidence, applying a playbook, and the
library pages (playbooks and their steps, emergency contacts, the escalation chain).

Times are typed in the viewer's time zone (the middleware activates it) and arrive
aware; choices are scoped to what the acting person may see, and the services check
again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import Person
from garrison.core.models.org import EmploymentStatus
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.models import (
    OPEN_TASK_STATUSES,
    EmergencyContact,
    EscalationStep,
    Incident,
    IncidentCategory,
    Indicator,
    Playbook,
    PlaybookStep,
    TaskStatus,
    TimelineEvent,
    TimelineKind,
)
from garrison.web.forms import (
    StyledFormMixin,
    UsernameChoiceField,
    local_datetime_field,
    reason_field,
    style_form,
)


def _active_people(person: Any) -> Any:
    return restrict(Person.objects.exclude(employment_status=EmploymentStatus.LEFT), person, Action.VIEW)


# Timeline --------------------------------------------------------------------------------------


class TimelineEventForm(StyledFormMixin, forms.Form):
    """What happened in the case and when, linked to its assets and indicators."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TimelineKind.choices, initial=TimelineKind.NOTE)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    assets = forms.ModelMultipleChoiceField(label=_("Assets"), queryset=Asset.objects.none(), required=False)
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators"), queryset=Indicator.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, person: Any, incident: Incident, event: TimelineEvent | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"occurred_at": local_datetime_field(_("When")), **self.fields}
        assets = self.fields["assets"]
        assert isinstance(assets, forms.ModelMultipleChoiceField)
        # The case's assets the person can see, and any visible asset already linked.
        linked = list(event.assets.values_list("pk", flat=True)) if event is not None else []
        candidates = Asset.objects.filter(Q(incidents=incident) | Q(pk__in=linked)).distinct()
        assets.queryset = restrict(candidates, person, Action.VIEW)
        indicators = self.fields["indicators"]
        assert isinstance(indicators, forms.ModelMultipleChoiceField)
        indicators.queryset = incident.indicators.all()
        if event is not None:
            self.fields["reason"] = reason_field()
        style_form(self)


# Tasks -----------------------------------------------------------------------------------------


class TaskForm(StyledFormMixin, forms.Form):
    """A task of the case: who does what by when."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, person: Any, is_create: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = UsernameChoiceField(
            _active_people(person),
            label=_("Owner"),
            help_text=_("The username of the person who does the task; they are told."),
        )
        self.fields["due_at"] = local_datetime_field(_("Due"), required=False)
        if not is_create:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"),
                choices=[
                    (value, label) for value, label in TaskStatus.choices if value in OPEN_TASK_STATUSES
                ],
            )
            self.fields["reason"] = reason_field()
        style_form(self)


class ApplyPlaybookForm(StyledFormMixin, forms.Form):
    playbook = forms.ModelChoiceField(label=_("Playbook"), queryset=Playbook.objects.none())

    def __init__(self, *args: Any, playbooks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["playbook"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = playbooks
        style_form(self)


# Evidence --------------------------------------------------------------------------------------


class EvidenceForm(StyledFormMixin, forms.Form):
    upload = forms.FileField(label=_("File"), help_text=_("Kept in the evidence store with its SHA-256."))
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    source = forms.CharField(
        label=_("Collected from"),
        max_length=300,
        required=False,
        help_text=_("The system, host or person the file comes from."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collected_at"] = local_datetime_field(_("Collected at"))
        style_form(self)


# Library ---------------------------------------------------------------------------------------


class PlaybookForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Playbook
        fields = ["name", "name_zh", "description", "category", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = IncidentCategory.objects.order_by("order", "code")
        category.help_text = _("The playbook is suggested for cases of this category; leave empty for any.")
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates and saves.
        pass


class PlaybookStepForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = PlaybookStep
        fields = ["order", "title", "title_zh", "description", "due_after_hours"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        else:
            order = self.fields["order"]
            order.required = False
            order.initial = None
            order.help_text = _("Leave empty to add the step at the end.")
        style_form(self)

    def _post_clean(self) -> None:
        pass


class EmergencyContactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = EmergencyContact
        fields = ["name", "organisation", "role", "kind", "phone", "email", "notes", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass


class EscalationStepForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = EscalationStep
        fields = ["level", "person", "after_minutes", "contact_note", "is_active"]

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = UsernameChoiceField(
            _active_people(person),
            label=_("Person"),
            help_text=_("The username of the person told at this level."),
        )
        if self.instance.pk is not None:
            self.initial["person"] = self.instance.person.username
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        pass
