"""The log-audit policy page: the weekly audit day, the escalation delay, log retention and
the sample events kept per finding. Everyone who reads log audits sees it; whoever may
change log-audit records over the whole organisation changes it, giving a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.logaudit.forms_policy import WEEKDAYS, PolicyForm
from garrison.logaudit.models import MINIMUM_RETENTION_DAYS
from garrison.logaudit.services import policy as services
from garrison.web.forms import apply_service_errors, split_reason


@login_required
def policy(request: HttpRequest) -> HttpResponseBase:
    """Show the policy; for those who may change it, the form."""
    current = services.current_policy()
    if not can(request.user, Action.VIEW, current):
        raise Http404
    may_change = can(request.user, Action.CHANGE, current)
    if request.method == "POST" and not may_change:
        raise Http404
    form = None
    if may_change:
        form = PolicyForm(request.POST or None, initial=PolicyForm.initial_from(current))
        if request.method == "POST" and form.is_valid():
            fields, reason = split_reason(form.cleaned_data)
            try:
                services.change_policy(current, by=request.user, reason=reason, **fields)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The log-audit policy is saved."))
                return redirect("logaudit:policy")
    context = {
        "title": _("Log-audit policy"),
        "policy": current,
        "weekday": dict(WEEKDAYS)[current.audit_weekday],
        "minimum_retention_days": MINIMUM_RETENTION_DAYS,
        "form": form,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "logaudit/policy.html", context, status=status)


urlpatterns: list[URLPattern] = [path("policy/", policy, name="policy")]
