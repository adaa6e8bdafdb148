"""The organisation's own controls, each meeting requirements of any number of frameworks
(implement once, satisfy many), and the test records of their testing calendar."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models.library import ReferenceControl, RequirementNode
from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope

OWNER_MAY_CHANGE = frozenset({Action.VIEW, Action.CHANGE})


class ControlCategory(models.TextChoices):
    """The four themes ISO/IEC 27001:2022 Annex A groups controls in."""

    ORGANISATIONAL = "organisational", _("Organisational")
    PEOPLE = "people", _("People")
    PHYSICAL = "physical", _("Physical")
    TECHNOLOGICAL = "technological", _("Technological")


class ControlStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Being implemented")
    IMPLEMENTED = "implemented", _("Implemented")
    RETIRED = "retired", _("Retired")


class TestFrequency(models.TextChoices):
    NONE = "none", _("Not tested")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUALLY = "semiannually", _("Every six months")
    ANNUALLY = "annually", _("Annually")


# Months between two tests of each frequency (none: no test is scheduled).
FREQUENCY_MONTHS: dict[str, int] = {
    TestFrequency.MONTHLY: 1,
    TestFrequency.QUARTERLY: 3,
    TestFrequency.SEMIANNUALLY: 6,
    TestFrequency.ANNUALLY: 12,
}


class TestMethod(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    INSPECTION = "inspection", _("Inspection of records")
    OBSERVATION = "observation", _("Observation")
    REPERFORMANCE = "reperformance", _("Re-performance")
    AUTOMATED = "automated", _("Automated check")


class AppliedControl(models.Model):
    """A control the organisation runs (a backup regime, quarterly access reviews, the
    visitor log of a machine room), owned by a person in a unit, with its test plan.

    Linked to the requirements it meets in any number of frameworks, to the assets it
    protects and to the risk scenarios it reduces (`RiskScenario.controls`, ADR 0009).
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="owner", owner_actions=OWNER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="applied_controls"
    )
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_controls"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=ControlCategory.choices, default=ControlCategory.ORGANISATIONAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ControlStatus.choices, default=ControlStatus.PLANNED
    )
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)
    reference_control = models.ForeignKey(
        ReferenceControl,
        verbose_name=_("reference control"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applied_controls",
    )
    requirements = models.ManyToManyField(
        RequirementNode, verbose_name=_("requirements"), blank=True, related_name="applied_controls"
    )
    assets = models.ManyToManyField(
        "assets.Asset", verbose_name=_("assets"), blank=True, related_name="controls"
    )
    risks = models.ManyToManyField(
        "risks.RiskScenario", verbose_name=_("risk scenarios"), blank=True, related_name="controls"
    )
    # The test plan: how often, how, what counts as a pass, and who tests.
    test_frequency = models.CharField(
        _("test frequency"), max_length=20, choices=TestFrequency.choices, default=TestFrequency.NONE
    )
    test_method = models.CharField(
        _("test method"), max_length=20, choices=TestMethod.choices, default=TestMethod.INSPECTION
    )
    test_success_criteria = models.TextField(_("success criteria"), blank=True)
    tester = models.ForeignKey(
        "core.Person",
        verbose_name=_("tester"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tested_controls",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        indexes = [models.Index(fields=["status", "unit"], name="applied_control_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class TestResult(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


COMPLETED_TEST_RESULTS = (TestResult.PASSED, TestResult.FAILED, TestResult.SKIPPED)


class ControlTest(models.Model):
    """One test of a control on the testing calendar: scheduled ahead of time from the
    control's test plan, then completed by the tester. A completed test is read-only; a
    failed one opens a nonconformity (`Finding`)."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE,
        unit_path="control__unit__path",
        owner="tester",
        owner_actions=OWNER_MAY_CHANGE,
    )

    control = models.ForeignKey(
        AppliedControl, verbose_name=_("control"), on_delete=models.CASCADE, related_name="tests"
    )
    due_on = models.DateField(_("due date"))
    tester = models.ForeignKey(
        "core.Person",
        verbose_name=_("tester"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="control_tests",
    )
    method = models.CharField(_("test method"), max_length=20, choices=TestMethod.choices)
    success_criteria = models.TextField(_("success criteria"), blank=True)
    result = models.CharField(
        _("result"), max_length=20, choices=TestResult.choices, default=TestResult.SCHEDULED
    )
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    performed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    evidence = models.ManyToManyField(
        "compliance.Evidence", verbose_name=_("evidence"), blank=True, related_name="control_tests"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("control test")
        verbose_name_plural = _("control tests")
        constraints = [
            models.UniqueConstraint(fields=["control", "due_on"], name="control_test_once_a_day"),
        ]
        indexes = [models.Index(fields=["result", "due_on"], name="control_test_due")]

    def __str__(self) -> str:
        return f"{self.control.reference} {self.due_on.isoformat()}"

    @property
    def is_completed(self) -> bool:
        return self.result in COMPLETED_TEST_RESULTS
