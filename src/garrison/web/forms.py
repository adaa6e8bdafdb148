"""Form helpers shared by every page: Bootstrap styling, the "reason for change"
field, picking people by username, and turning service errors into field errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

REASON_MAX_LENGTH = 2000


def style_form(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget its Bootstrap class (widgets render no style of their own)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        existing = widget.attrs.get("class", "")
        if css not in existing.split():
            widget.attrs["class"] = f"{existing} {css}".strip()
    return form


class StyledFormMixin:
    """Mixed into every form so that fields render with Bootstrap classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)  # type: ignore[arg-type]


def reason_field(*, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=_("Reason for change"),
        required=required,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail with the change."),
    )


def split_reason(cleaned: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A form's cleaned data as the service's fields, and the reason given with them apart."""
    fields = dict(cleaned)
    return fields, fields.pop("reason", "") or ""


class UsernameChoiceField(forms.ModelChoiceField):
    """A person picked by typing their username: a select of thousands of people
    would not load, and the queryset keeps the choice within what the person may see."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The person's username."))
        kwargs.setdefault("error_messages", {"invalid_choice": _("No person with this username.")})
        super().__init__(queryset, to_field_name="username", **kwargs)

    def to_python(self, value: Any) -> Any:
        # PostgreSQL refuses NUL characters in a lookup; no username contains one.
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a ValidationError raised by a service on the form, field by field where
    the field exists on the form and as a form-level error otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, messages)


def render_form_page(
    request: HttpRequest, form: forms.BaseForm, *, title: Any, cancel_url: str
) -> HttpResponse:
    """A page holding one form (web/form.html); a form with errors answers 400."""
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, "web/form.html", context, status=400 if form.errors else 200)


DATE_FORMAT = "%Y-%m-%d"
LOCAL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """The browser's date picker; the value is written ISO, whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATE_FORMAT)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, read in the viewer's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=LOCAL_DATETIME_FORMAT)


def _in_your_time_zone() -> str:
    return gettext("In your time zone (%(zone)s).") % {"zone": timezone.get_current_timezone_name()}


in_your_time_zone = lazy(_in_your_time_zone, str)


def local_datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    """A moment picked in the viewer's time zone (which the help text names when shown)."""
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeInput,
        input_formats=[LOCAL_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=help_text or in_your_time_zone(),
    )
