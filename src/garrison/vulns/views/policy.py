"""The vulnerability policy page: the SLA per severity, the scan window and the
penetration-test period. Everyone who reads vulnerabilities sees it; whoever may change
vulnerability records over the whole organisation changes it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.vulns.forms_exceptions import PolicyForm
from garrison.vulns.services import policy as services
from garrison.web.forms import apply_service_errors, split_reason


@login_required
def policy(request: HttpRequest) -> HttpResponseBase:
    """Show the policy; for those who may change it, a form whose saving says how many open
    findings got a new due date."""
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
                change = services.change_policy(current, by=request.user, reason=reason, **fields)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                count = change.findings_recomputed
                messages.success(
                    request,
                    ngettext(
                        "The vulnerability policy is saved; %(count)d open finding got a new due date.",
                        "The vulnerability policy is saved; %(count)d open findings got a new due date.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("vulns:policy")
    context = {
        "title": _("Vulnerability policy"),
        "policy": current,
        "form": form,
        "sla_rows": [
            (_("Critical"), current.critical_days),
            (_("High"), current.high_days),
            (_("Medium"), current.medium_days),
            (_("Low"), current.low_days),
        ],
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "vulns/policy.html", context, status=status)


urlpatterns: list[URLPattern] = [path("policy/", policy, name="policy")]
