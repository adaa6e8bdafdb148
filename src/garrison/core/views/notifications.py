"""The person's notifications: the inbox, marking read, and the channel preferences."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core import notification_kinds
from garrison.core.models import Notification, NotificationPreference, Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.core.services import notifications as notification_services

PAGE_SIZE = 25
FILTERS = {
    "all": gettext_lazy("All"),
    "unread": gettext_lazy("Unread"),
    "read": gettext_lazy("Read"),
}


def inbox_of(person: Any, action: Action = Action.VIEW) -> QuerySet[Notification]:
    """The person's own notifications. The explicit recipient filter keeps the inbox
    private even for people whose roles cover the whole organisation."""
    return restrict(Notification.objects.all(), person, action).filter(recipient=person)


def _person(request: HttpRequest) -> Person:
    assert isinstance(request.user, Person)  # login_required has run
    return request.user


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    shown = request.GET.get("show", "all")
    if shown not in FILTERS:
        shown = "all"
    notifications = inbox_of(request.user).annotate(
        is_unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    )
    if shown == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    elif shown == "read":
        notifications = notifications.filter(read_at__isnull=False)
    notifications = notifications.order_by("-is_unread", "-created_at", "-id")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications/list.html",
        {
            "page": page,
            "shown": shown,
            "filters": FILTERS.items(),
            "unread_count": notification_services.unread_count(_person(request)),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(inbox_of(request.user, Action.CHANGE), pk=pk)
    notification_services.mark_read(notification, by=request.user)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notification_services.mark_all_read(_person(request))
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return _back(request)


class PreferencesForm(forms.Form):
    """One pair of check boxes (in the app, by e-mail) per registered kind."""

    def __init__(self, *args: Any, current: dict[str, tuple[bool, bool]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for kind in notification_kinds.all_kinds():
            in_app, email = current[kind.code]
            self.fields[f"{kind.code}__in_app"] = forms.BooleanField(
                required=False, initial=in_app, label=_("%(kind)s in the app") % {"kind": kind.label}
            )
            self.fields[f"{kind.code}__email"] = forms.BooleanField(
                required=False, initial=email, label=_("%(kind)s by e-mail") % {"kind": kind.label}
            )
            self.rows.append((kind, self[f"{kind.code}__in_app"], self[f"{kind.code}__email"]))

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind.code: (self.cleaned_data[f"{kind.code}__in_app"], self.cleaned_data[f"{kind.code}__email"])
            for kind in notification_kinds.all_kinds()
        }


def current_channels(person: Person) -> dict[str, tuple[bool, bool]]:
    """Effective channels of every kind for `person`, in one query."""
    stored = {
        preference.kind: (preference.in_app, preference.email)
        for preference in NotificationPreference.objects.filter(person=person)
    }
    return {
        kind.code: stored.get(kind.code, (kind.in_app, kind.email)) for kind in notification_kinds.all_kinds()
    }


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    current = current_channels(person)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        for kind, (in_app, email) in form.choices().items():
            if current[kind] != (in_app, email):
                notification_services.set_preference(person, kind, in_app=in_app, email=email, by=person)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request, "core/notifications/preferences.html", {"form": form, "has_email": bool(person.email)}
    )
