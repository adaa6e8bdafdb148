"""Columns of the audit and finding lists, shared by the web pages and the API exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garrison.web.lists import ListColumn

AUDIT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:audit-detail"),
    ListColumn(_("title"), "title", sort_key="title", link="compliance:audit-detail"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"),
    ListColumn(_("audit lead"), "lead.full_name", sort_key="lead__full_name"),
    ListColumn(_("framework"), "framework.name", sort_key="framework__name"),
    ListColumn(_("auditing body"), "auditing_body"),
    ListColumn(_("starts on"), "starts_on", sort_key="starts_on"),
    ListColumn(_("ends on"), "ends_on", sort_key="ends_on"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("findings"), "finding_count", sort_key="finding_count"),
    ListColumn(_("open findings"), "open_finding_count", sort_key="open_finding_count"),
)

FINDING_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:finding-detail"),
    ListColumn(_("title"), "title", sort_key="title", link="compliance:finding-detail"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name"),
    ListColumn(_("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(
        _("audit"),
        "audit.reference",
        sort_key="audit__reference",
        link="compliance:audit-detail",
        link_arg="audit_id",
    ),
    ListColumn(_("control test"), "control_test"),
    ListColumn(_("raised on"), "raised_on", sort_key="raised_on"),
    ListColumn(_("due date"), "due_on", sort_key="due_on"),
    ListColumn(_("overdue"), "is_overdue", template="compliance/finding_cell_overdue.html"),
)

CORRECTIVE_ACTION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("title"), "title", sort_key="title"),
    ListColumn(_("finding"), "finding.reference", sort_key="finding__reference"),
    ListColumn(_("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(_("due date"), "due_on", sort_key="due_on"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("completed on"), "completed_on", sort_key="completed_on"),
)
