"""Columns of the handling lists (my tasks, playbooks, contacts, the escalation chain),
shared by the pages and the exports so a downloaded file has the columns the page shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garrison.web.lists import ListColumn

CASE_CELL = "incidents/task_case_cell.html"
DUE_CELL = "incidents/task_due_cell.html"
ACTIONS_CELL = "incidents/task_actions_cell.html"

TASK_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("title"), "title", sort_key="title"),
    ListColumn(_("incident"), "incident", sort_key="incident__reference", template=CASE_CELL),
    ListColumn(_("due"), "due_at", sort_key="due_at", template=DUE_CELL),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("completed at"), "completed_at", sort_key="completed_at"),
    ListColumn(_("actions"), "pk", template=ACTIONS_CELL, exportable=False),
)

PLAYBOOK_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("name"), "__str__", sort_key="name", link="incidents:playbook-detail"),
    ListColumn(_("category"), "category", sort_key="category__code"),
    ListColumn(_("steps"), "step_count", sort_key="step_count"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
)

PLAYBOOK_STEP_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("order"), "order"),
    ListColumn(_("title"), "title"),
    ListColumn(_("Chinese title"), "title_zh"),
    ListColumn(_("due (hours after the playbook is applied)"), "due_after_hours"),
)

CONTACT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("name"), "name", sort_key="name", link="incidents:contact-update"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("organisation"), "organisation", sort_key="organisation"),
    ListColumn(_("role"), "role"),
    ListColumn(_("telephone"), "phone"),
    ListColumn(_("e-mail"), "email"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
)

ESCALATION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("level"), "level", sort_key="level", link="incidents:escalation-update"),
    ListColumn(_("person"), "person.full_name", sort_key="person__full_name"),
    ListColumn(_("minutes after the deadline"), "after_minutes", sort_key="after_minutes"),
    ListColumn(_("how to reach"), "contact_note"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
)
