"""Columns of the evidence and evidence-request lists, shared by the pages and their exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.compliance.services.evidence import Validity, validity_of
from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class ValidityColumn(ListColumn):
    """Valid, expiring or expired: the row's `validity_state` annotation when the list
    made it (`annotate_validity`), computed from the end of validity otherwise."""

    def value(self, obj: Any) -> Any:
        state = getattr(obj, "validity_state", None) or validity_of(obj.valid_until)
        return Validity(state).label


EVIDENCE_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:evidence-detail"),
    ListColumn(_("name"), "name", sort_key="name", link="compliance:evidence-detail"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name"),
    ListColumn(_("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(_("version"), "current_version.number"),
    ListColumn(_("valid until"), "valid_until", sort_key="valid_until"),
    ValidityColumn(_("validity"), "validity_state", template="compliance/evidence_cell_validity.html"),
)

REQUEST_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("title"), "title", sort_key="title", link="compliance:evidence-request-detail"),
    ListColumn(_("requested from"), "assignee.full_name", sort_key="assignee__full_name"),
    ListColumn(_("requested by"), "requested_by.full_name", sort_key="requested_by__full_name"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name"),
    ListColumn(_("due date"), "due_on", sort_key="due_on", template="compliance/evidence_cell_due.html"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(
        _("evidence"), "evidence.reference", link="compliance:evidence-detail", link_arg="evidence_id"
    ),
)
