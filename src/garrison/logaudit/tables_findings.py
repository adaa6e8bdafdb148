"""Columns of the log-audit finding list, shared by the web page and the exports (web and API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy

from garrison.logaudit.models import AuditFinding, RuleLevel
from garrison.web.lists import ListColumn

# Sigma's levels in their order, so that "most severe first" is a sort on a number.
LEVEL_RANK = Case(
    *(When(level=value, then=Value(rank)) for rank, value in enumerate(RuleLevel.values)),
    default=Value(-1),
    output_field=IntegerField(),
)

# What a row of the list reads, in one query: the report, its source, the asset, the rule.
FINDING_QUERYSET = AuditFinding.objects.select_related(
    "report__source", "asset", "rule", "triaged_by", "incident"
).annotate(level_rank=LEVEL_RANK)


def level_rank(level: str) -> int:
    """A level's place in Sigma's order (informational 0 … critical 4; unknown -1)."""
    return RuleLevel.values.index(level) if level in RuleLevel.values else -1


def account_labels(accounts: Any) -> list[str]:
    """The accounts a finding names, as text: plain names, or {"account"/"name", "count"}."""
    labels = []
    for account in accounts or []:
        if isinstance(account, dict):
            name = account.get("account", account.get("name", ""))
            count = account.get("count")
            labels.append(f"{name} ({count})" if count is not None else str(name))
        else:
            labels.append(str(account))
    return labels


@dataclass(frozen=True)
class AccountsColumn(ListColumn):
    def value(self, obj: Any) -> Any:
        return ", ".join(account_labels(super().value(obj))) or None


FINDING_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(gettext_lazy("title"), "title", sort_key="title", link="logaudit:finding-detail"),
    ListColumn(
        gettext_lazy("level"), "level", sort_key="level_rank", template="logaudit/finding_level_cell.html"
    ),
    ListColumn(gettext_lazy("asset"), "asset.name", link="assets:asset-detail", link_arg="asset_id"),
    ListColumn(
        gettext_lazy("report"), "report.reference", link="logaudit:report-detail", link_arg="report_id"
    ),
    ListColumn(gettext_lazy("matches"), "match_count", sort_key="match_count"),
    ListColumn(gettext_lazy("last match"), "last_match_at", sort_key="last_match_at"),
    ListColumn(
        gettext_lazy("triage"),
        "get_triage_display",
        sort_key="triage",
        template="logaudit/finding_triage_cell.html",
    ),
    ListColumn(
        gettext_lazy("incident"),
        "incident.reference",
        link="incidents:incident-detail",
        link_arg="incident_id",
    ),
)

FINDING_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(gettext_lazy("identifier"), "pk"),
    ListColumn(gettext_lazy("report"), "report.reference"),
    ListColumn(gettext_lazy("from"), "report.period_start"),
    ListColumn(gettext_lazy("until"), "report.period_end"),
    ListColumn(gettext_lazy("log source"), "report.source.name"),
    ListColumn(gettext_lazy("asset reference"), "asset.reference"),
    ListColumn(gettext_lazy("asset"), "asset.name"),
    ListColumn(gettext_lazy("rule identifier"), "rule.rule_id"),
    ListColumn(gettext_lazy("title"), "title"),
    ListColumn(gettext_lazy("level"), "level"),
    # The Detection Rule License asks that alerts from a rule name its author.
    ListColumn(gettext_lazy("rule author"), "rule.author"),
    ListColumn(gettext_lazy("matches"), "match_count"),
    ListColumn(gettext_lazy("first match"), "first_match_at"),
    ListColumn(gettext_lazy("last match"), "last_match_at"),
    AccountsColumn(gettext_lazy("accounts"), "accounts"),
    ListColumn(gettext_lazy("triage"), "get_triage_display"),
    ListColumn(gettext_lazy("change ticket"), "change_ticket"),
    ListColumn(gettext_lazy("triage note"), "triage_note"),
    ListColumn(gettext_lazy("triaged by"), "triaged_by.full_name"),
    ListColumn(gettext_lazy("triaged"), "triaged_at"),
    ListColumn(gettext_lazy("incident"), "incident.reference"),
)

__all__ = [
    "FINDING_COLUMNS",
    "FINDING_EXPORT_COLUMNS",
    "FINDING_QUERYSET",
    "LEVEL_RANK",
    "account_labels",
    "level_rank",
]
