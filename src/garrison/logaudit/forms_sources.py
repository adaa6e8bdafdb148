"""Forms of the log source pages: the source itself and the upload of a batch of logs.

Choices are scoped: the assets offered are those in units where the person may keep log
sources (critical information systems first, and flagged); people are picked by
username among those the person sees. The services check again and name the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.logaudit.models import LogSource
from garrison.logaudit.services.ingest import max_batch_bytes, max_batch_megabytes, too_large_message
from garrison.logaudit.services.sources import source_assets
from garrison.web.forms import StyledFormMixin, UsernameChoiceField, reason_field, style_form


class AssetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        asset: Asset = obj
        label = f"{asset.reference} {asset.name}"
        if asset.is_critical_system:
            label += " · " + gettext("critical information system")
        return label


class LogSourceForm(StyledFormMixin, forms.ModelForm):
    """Register or change a log source."""

    class Meta:
        model = LogSource
        fields = ["name", "asset", "log_format", "description", "owner", "reviewer", "audit_enabled"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        assets = source_assets(person, action)
        if not self.is_create:
            assets = (assets | Asset.objects.filter(pk=self.instance.asset_id)).order_by(
                "-is_critical_system", "name", "pk"
            )
        self.fields["asset"] = AssetChoiceField(
            assets,
            label=_("Asset"),
            help_text=_("The asset whose logs these are; critical information systems come first."),
        )
        people = restrict(Person.objects.all(), person, Action.VIEW)
        self.fields["owner"] = UsernameChoiceField(
            people, label=_("Owner"), help_text=_("The username of the person who answers for this source.")
        )
        self.fields["reviewer"] = UsernameChoiceField(
            people,
            label=_("Reviewer"),
            required=False,
            help_text=_(
                "The username of who triages findings and signs the weekly reports; the owner when blank."
            ),
        )
        self.fields["log_format"].help_text = _("How the logs are written; fixed once logs are sealed.")
        self.fields["audit_enabled"].help_text = _("Audit the past week's logs every week.")
        if self.is_create:
            self.initial.setdefault("owner", getattr(person, "username", ""))
        else:
            for name in ("owner", "reviewer"):
                current = getattr(self.instance, name)
                if current is not None and self.initial.get(name) == current.pk:
                    self.initial[name] = current.username
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service validates the source whole (reach, people, format) and names the field.
        pass


class BatchUploadForm(StyledFormMixin, forms.Form):
    """A file of logs to seal into the source as its next batch."""

    file = forms.FileField(label=_("Log file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Up to %(limit)s MB, in the source's format. "
            "Malformed lines are counted and listed, never refused."
        ) % {"limit": max_batch_megabytes()}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > max_batch_bytes():
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload
