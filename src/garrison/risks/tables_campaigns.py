"""Columns of the campaign and review-task lists, shared by the web pages and the API
exports so that a file downloaded from either has the same columns."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garrison.web.lists import ListColumn

CAMPAIGN_COLUMNS = (
    ListColumn(_("name"), "name", sort_key="name", link="risks:campaign-detail"),
    ListColumn(
        _("organising unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"
    ),
    ListColumn(
        _("status"), "get_status_display", sort_key="status", template="risks/cells/campaign_status.html"
    ),
    ListColumn(_("starts on"), "starts_on", sort_key="starts_on"),
    ListColumn(_("ends on"), "ends_on", sort_key="ends_on"),
    ListColumn(_("recurrence"), "get_recurrence_display", sort_key="recurrence"),
    ListColumn(_("reviews done"), "done_count", sort_key="done_count"),
    ListColumn(_("reviews"), "task_count", sort_key="task_count"),
)

REVIEW_TASK_COLUMNS = (
    ListColumn(
        _("risk scenario"),
        "scenario.reference",
        sort_key="scenario__reference",
        link="risks:review-task-detail",
    ),
    ListColumn(_("title"), "scenario.title", sort_key="scenario__title"),
    # Not linked: an owner reviewing in a campaign organised above their units may not
    # open the campaign's page.
    ListColumn(_("campaign"), "campaign.name", sort_key="campaign__name"),
    ListColumn(_("unit"), "scenario.unit.name", sort_key="scenario__unit__name"),
    ListColumn(_("assignee"), "assignee.full_name", sort_key="assignee__full_name"),
    ListColumn(_("due"), "campaign.ends_on", sort_key="campaign__ends_on"),
    ListColumn(
        _("status"), "get_status_display", sort_key="status", template="risks/cells/review_task_status.html"
    ),
    ListColumn(_("completed"), "completed_at", sort_key="completed_at"),
)
