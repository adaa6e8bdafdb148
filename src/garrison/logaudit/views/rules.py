"""Pages of the detection-rule library: the list, a rule with its YAML, licence notice and
findings, the page that adds a rule (pasted or uploaded YAML) and the switch on or off.

Everyone with the log-audit domain reads the rules (others get 404, as for a missing page);
Security Officers and Administrators of the whole organisation add and switch them (others
who read them are refused with 403). Writes go through garrison.logaudit.services.rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core import exports
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.logaudit.forms_rules import RuleForm, ToggleForm
from garrison.logaudit.models import AuditFinding, DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services
from garrison.logaudit.tables_rules import (
    RULE_COLUMNS,
    RULE_EXPORT_COLUMNS,
    RULE_QUERYSET,
    RuleFilter,
    logsource_label,
)
from garrison.web.details import ObjectDetailView
from garrison.web.forms import apply_service_errors
from garrison.web.lists import ListColumn, ObjectListView

# The findings shown on a rule's page, newest reports first.
FINDINGS_SHOWN = 50


def _require_domain(request: HttpRequest) -> None:
    if not has_grant(request.user, Domain.LOG_AUDIT, Action.VIEW):
        raise Http404


class RuleListView(ObjectListView):
    """Every rule of the library: Garrison's pack, SigmaHQ's and the organisation's own."""

    model = DetectionRule
    queryset = RULE_QUERYSET
    filterset_class = RuleFilter
    columns = RULE_COLUMNS
    search_fields = ("title", "rule_id", "author", "description", "source_path")
    default_ordering = ("title",)
    title = gettext_lazy("Detection rules")
    empty_message = gettext_lazy("No rule matches these filters.")
    create_url_name = "logaudit:rule-create"
    create_label = gettext_lazy("Add a rule")
    export_name = "detection-rules"

    def may_create(self) -> bool:
        return services.may_change_rules(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_domain(request)
        if request.GET.get("export", "") in exports.FORMATS:
            self.columns = RULE_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


class RuleDetailView(ObjectDetailView):
    """A rule: what it says of itself, its YAML, whether it runs and the findings it produced."""

    model = DetectionRule
    queryset = RULE_QUERYSET
    fields = (
        ListColumn(gettext_lazy("rule identifier"), "rule_id"),
        ListColumn(gettext_lazy("level"), "get_level_display"),
        ListColumn(gettext_lazy("origin"), "get_origin_display"),
        ListColumn(gettext_lazy("author"), "author"),
        ListColumn(gettext_lazy("licence"), "licence"),
        ListColumn(gettext_lazy("Sigma status"), "sigma_status"),
        ListColumn(gettext_lazy("correlation rule"), "is_correlation"),
        ListColumn(gettext_lazy("enabled"), "enabled"),
        ListColumn(gettext_lazy("the engine can run it"), "runnable"),
        ListColumn(gettext_lazy("file"), "source_path"),
        ListColumn(gettext_lazy("description"), "description"),
    )
    list_url_name = "logaudit:rule-list"
    template_name = "logaudit/rule_detail.html"

    def get_extra_context(self, obj: DetectionRule) -> dict[str, Any]:
        person = self.request.user
        findings = restrict(AuditFinding.objects.filter(rule=obj), person, Action.VIEW)
        findings = findings.select_related("report", "asset").order_by("-report__period_start", "-pk")
        references = [reference for reference in obj.references or [] if isinstance(reference, str)]
        return {
            "logsource": logsource_label(obj.logsource),
            "references": [
                (reference, reference.startswith(("https://", "http://"))) for reference in references
            ],
            "tags": obj.tags or [],
            "findings": list(findings[:FINDINGS_SHOWN]),
            "finding_count": findings.count(),
            "findings_shown": FINDINGS_SHOWN,
            "is_sigmahq": obj.origin == RuleOrigin.SIGMAHQ,
            "may_toggle": services.may_change_rules(person) and can(person, Action.CHANGE, obj),
            "toggle_form": ToggleForm(),
        }


def _rule_to_change(request: HttpRequest, pk: int) -> DetectionRule:
    """The rule if the person may switch it; 403 if they only read it, 404 otherwise."""
    _require_domain(request)
    rule = get_object_or_404(restrict(RULE_QUERYSET.all(), request.user, Action.VIEW), pk=pk)
    if not (services.may_change_rules(request.user) and can(request.user, Action.CHANGE, rule)):
        raise PermissionDenied
    return rule


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    """Add a rule from pasted YAML or an uploaded .yml file."""
    _require_domain(request)
    if not services.may_change_rules(request.user):
        raise PermissionDenied
    form = RuleForm(request.POST or None, request.FILES or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = services.add_rule(
                data["text"], by=request.user, origin=data["origin"], source_path=data["source_path"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if rule.runnable:
                messages.success(request, _("The rule is added."))
            else:
                messages.warning(
                    request,
                    _("The rule is added, but the engine cannot run it: %(problem)s")
                    % {"problem": rule.problem},
                )
            return redirect("logaudit:rule-detail", pk=rule.pk)
    context = {
        "form": form,
        "title": _("Add a detection rule"),
        "cancel_url": reverse("logaudit:rule-list"),
    }
    return render(request, "logaudit/rule_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Switch a rule on or off (`enabled` = "true"/"false"; without it, the other way round)."""
    rule = _rule_to_change(request, pk)
    form = ToggleForm(request.POST)
    wanted = request.POST.get("enabled", "").strip().lower()
    enabled = {"true": True, "1": True, "on": True, "false": False, "0": False, "off": False}.get(
        wanted, not rule.enabled
    )
    if form.is_valid():
        services.set_enabled(rule, enabled, by=request.user, reason=form.cleaned_data["reason"])
        if enabled:
            messages.success(request, _("The rule is enabled: the next weekly audits run it."))
        else:
            messages.success(request, _("The rule is disabled: the next weekly audits leave it out."))
    else:
        messages.error(request, " ".join(str(error) for error in form.errors.get("reason", [])))
    return redirect("logaudit:rule-detail", pk=rule.pk)


urlpatterns: list[URLPattern] = [
    path("rules/", RuleListView.as_view(), name="rule-list"),
    path("rules/new/", rule_create, name="rule-create"),
    path("rules/<int:pk>/", RuleDetailView.as_view(), name="rule-detail"),
    path("rules/<int:pk>/toggle/", rule_toggle, name="rule-toggle"),
]
