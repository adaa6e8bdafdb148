"""Columns of the suppression list, shared by the web page and the API export so that a
file downloaded from either has the same columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.logaudit.models import Suppression, SuppressionKind
from garrison.logaudit.services.suppressions import ACTIVE, EXPIRED, REVOKED, state_of
from garrison.web.links import optional_url
from garrison.web.lists import ListColumn

SUPPRESSION_QUERYSET = Suppression.objects.select_related("rule", "unit", "asset", "owner", "revoked_by")

STATE_LABELS = {
    ACTIVE: gettext_lazy("Active"),
    EXPIRED: gettext_lazy("Expired"),
    REVOKED: gettext_lazy("Revoked"),
}


def describe_target(suppression: Suppression) -> str:
    """What the suppression applies to, in words: the site, the asset, or the account where."""
    if suppression.kind == SuppressionKind.ASSET and suppression.asset is not None:
        return f"{suppression.asset.reference} {suppression.asset.name}"
    if suppression.kind == SuppressionKind.ACCOUNT:
        where = suppression.asset.reference if suppression.asset is not None else suppression.unit.name
        return _("%(account)s on %(where)s") % {"account": suppression.account, "where": where}
    return suppression.unit.name


@dataclass(frozen=True)
class StateColumn(ListColumn):
    """Active, expired or revoked, as of today."""

    def value(self, obj: Any) -> Any:
        return STATE_LABELS[state_of(obj)]


@dataclass(frozen=True)
class TargetColumn(ListColumn):
    def value(self, obj: Any) -> Any:
        return describe_target(obj)


@dataclass(frozen=True)
class RuleColumn(ListColumn):
    """The rule's title, linked to its page, or "every rule"."""

    def value(self, obj: Any) -> Any:
        return obj.rule.title if obj.rule is not None else gettext_lazy("Every rule")

    def url(self, obj: Any) -> str | None:
        return optional_url("logaudit:rule-detail", obj.rule_id) if obj.rule_id is not None else None


SUPPRESSION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(
        gettext_lazy("reference"), "reference", sort_key="reference", link="logaudit:suppression-detail"
    ),
    ListColumn(gettext_lazy("applies to"), "get_kind_display", sort_key="kind"),
    TargetColumn(gettext_lazy("where"), "unit", sort_key="unit__name"),
    RuleColumn(gettext_lazy("rule"), "rule", sort_key="rule__title"),
    StateColumn(gettext_lazy("state"), "expires_on"),
    ListColumn(gettext_lazy("expires"), "expires_on", sort_key="expires_on"),
    ListColumn(gettext_lazy("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(gettext_lazy("matches suppressed"), "match_count", sort_key="match_count"),
    ListColumn(gettext_lazy("reason"), "reason"),
)
