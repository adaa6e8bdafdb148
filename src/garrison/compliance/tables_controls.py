"""Columns of the applied-control and control-test lists, shared by the web pages and the
API exports so that a downloaded file has the columns the page shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garrison.web.lists import ListColumn

CONTROL_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:control-detail"),
    ListColumn(_("name"), "name", sort_key="name", link="compliance:control-detail"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"),
    ListColumn(
        _("owner"),
        "owner.full_name",
        sort_key="owner__full_name",
        link="core:person-detail",
        link_arg="owner_id",
    ),
    ListColumn(_("category"), "get_category_display", sort_key="category"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("implemented on"), "implemented_on", sort_key="implemented_on"),
    ListColumn(_("test frequency"), "get_test_frequency_display", sort_key="test_frequency"),
    ListColumn(_("requirements"), "requirement_count", sort_key="requirement_count"),
    ListColumn(_("next test"), "next_test_due", sort_key="next_test_due"),
)

CONTROL_TEST_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("due date"), "due_on", sort_key="due_on", link="compliance:control-test-detail"),
    ListColumn(
        _("control"),
        "control.reference",
        sort_key="control__reference",
        link="compliance:control-detail",
        link_arg="control_id",
    ),
    ListColumn(_("control name"), "control.name", sort_key="control__name"),
    ListColumn(_("unit"), "control.unit.name", sort_key="control__unit__name"),
    ListColumn(_("tester"), "tester.full_name", sort_key="tester__full_name"),
    ListColumn(_("test method"), "get_method_display", sort_key="method"),
    ListColumn(
        _("result"),
        "get_result_display",
        sort_key="result",
        template="compliance/control_test_result_cell.html",
    ),
    ListColumn(_("performed on"), "performed_on", sort_key="performed_on"),
)
