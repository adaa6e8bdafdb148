"""Columns of the core's lists, shared by the web pages and the API exports so that
a CSV downloaded from either has the same columns."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garrison.web.lists import ListColumn

UNIT_COLUMNS = (
    ListColumn(
        _("name"), "name", sort_key="name", link="core:unit-detail", template="core/cells/unit_name.html"
    ),
    ListColumn(_("code"), "code", sort_key="code"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind", template="core/cells/unit_kind.html"),
    ListColumn(_("parent unit"), "parent.name", link="core:unit-detail", link_arg="parent_id"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
)

PERSON_COLUMNS = (
    ListColumn(_("name"), "full_name", sort_key="full_name", link="core:person-detail"),
    ListColumn(_("username"), "username", sort_key="username"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"),
    ListColumn(_("job title"), "job_title", sort_key="job_title"),
    ListColumn(
        _("manager"),
        "manager.full_name",
        sort_key="manager__full_name",
        link="core:person-detail",
        link_arg="manager_id",
    ),
    ListColumn(_("status"), "get_employment_status_display", sort_key="employment_status"),
)

ROLE_ASSIGNMENT_COLUMNS = (
    ListColumn(
        _("person"),
        "person.full_name",
        sort_key="person__full_name",
        link="core:person-detail",
        link_arg="person_id",
    ),
    ListColumn(_("role"), "get_role_display", sort_key="role"),
    ListColumn(
        _("on unit subtree"), "unit.name", sort_key="unit__path", link="core:unit-detail", link_arg="unit_id"
    ),
    ListColumn(_("granted by"), "granted_by.full_name"),
    ListColumn(_("note"), "note"),
    ListColumn(_("granted"), "created_at", sort_key="created_at"),
    ListColumn(_("actions"), "pk", template="core/cells/revoke.html", exportable=False),
)

AUDIT_EVENT_COLUMNS = (
    ListColumn(_("sequence"), "sequence", sort_key="sequence"),
    ListColumn(_("time"), "occurred_at", sort_key="occurred_at"),
    ListColumn(_("actor"), "actor_label", sort_key="actor_label"),
    ListColumn(_("action"), "get_action_display", sort_key="action"),
    ListColumn(_("object type"), "object_type", sort_key="object_type"),
    ListColumn(_("object"), "object_repr", template="core/cells/audit_object.html"),
    ListColumn(_("reason"), "reason"),
    ListColumn(_("source IP"), "source_ip"),
)
