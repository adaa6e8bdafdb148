"""Forms of the detection-rule pages: a new rule pasted or uploaded as Sigma YAML, and the
reason given when a rule is switched on or off."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.logaudit.models import RuleOrigin
from garrison.web.forms import StyledFormMixin, reason_field

# A Sigma rule is a page of YAML; anything far larger is not one.
RULE_MAX_BYTES = 256 * 1024


class RuleForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Rule (Sigma YAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace", "spellcheck": "false"}),
        help_text=gettext_lazy("Paste one Sigma rule or correlation rule, or upload its file below."),
    )
    file = forms.FileField(
        label=gettext_lazy("or a rule file (.yml)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".yml,.yaml"}),
    )
    origin = forms.ChoiceField(
        label=gettext_lazy("Origin"),
        choices=[(RuleOrigin.CUSTOM.value, RuleOrigin.CUSTOM.label), (RuleOrigin.SIGMAHQ.value, "SigmaHQ")],
        initial=RuleOrigin.CUSTOM.value,
        help_text=gettext_lazy(
            "A rule taken from SigmaHQ keeps its author, link and the Detection Rule License notice."
        ),
    )

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        text = (cleaned.get("text") or "").strip()
        if upload is not None:
            if upload.size > RULE_MAX_BYTES:
                raise forms.ValidationError(
                    _("The file is larger than %(limit)s KB; a Sigma rule is much smaller.")
                    % {"limit": RULE_MAX_BYTES // 1024}
                )
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not UTF-8 text."))
                return cleaned
            cleaned["source_path"] = upload.name
        else:
            cleaned["source_path"] = ""
        if not text.strip():
            raise forms.ValidationError(_("Paste the rule's YAML or choose its file."))
        if len(text.encode("utf-8", "surrogatepass")) > RULE_MAX_BYTES:
            self.add_error(
                "text", _("The rule is longer than %(limit)s KB.") % {"limit": RULE_MAX_BYTES // 1024}
            )
        cleaned["text"] = text
        return cleaned


class ToggleForm(StyledFormMixin, forms.Form):
    reason = reason_field()
