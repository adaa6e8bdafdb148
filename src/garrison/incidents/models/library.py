"""Reference data of incident response: the GB/T 20986-2023 categories and the grading
thresholds of the CAC incident-reporting measures.

Categories are library data (loaded from the shipped YAML library, shared by the whole
organisation). Thresholds are loaded the same way but an Administrator may edit them, add
their own or retire one by giving it an end date: each threshold carries its source and
the date it takes effect.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope

# Read by everyone who works on incidents; changed by whoever may change incident records
# over the whole organisation.
INCIDENT_LIBRARY_SCOPE = Scope(domain=Domain.INCIDENTS, unit_path=None, shared=True)
# Organisation-wide settings only an Administrator changes (they hold ORGANISATION CHANGE
# on the root; Security Officers only read the organisation).
ADMINISTRATOR_SCOPE = Scope(domain=Domain.ORGANISATION, unit_path=None, shared=True)


class Grade(models.TextChoices):
    """The four grades of the CAC measures and GB/T 20986-2023, lowest first."""

    GENERAL = "general", _("General")
    RELATIVELY_MAJOR = "relatively_major", _("Relatively major")
    MAJOR = "major", _("Major")
    ESPECIALLY_MAJOR = "especially_major", _("Especially major")


# Comparable ranks: "relatively major and above" is rank ≥ 2.
GRADE_RANK: dict[str, int] = {
    Grade.GENERAL: 1,
    Grade.RELATIVELY_MAJOR: 2,
    Grade.MAJOR: 3,
    Grade.ESPECIALLY_MAJOR: 4,
}


class IncidentCategory(models.Model):
    """A category (MP, NA, DS …) or, with a parent, a sub-category of GB/T 20986-2023."""

    scope: ClassVar[Scope] = INCIDENT_LIBRARY_SCOPE

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcategories",
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")

    def __str__(self) -> str:
        from garrison.library.text import localised

        return f"{self.code} {localised(self)}"


class GradingMetric(models.TextChoices):
    """The facts of a case the grading guide sets thresholds on."""

    PERSONAL_INFORMATION_PEOPLE = (
        "personal_information_people",
        _("People whose personal information is involved"),
    )
    DIRECT_LOSS_CNY = "direct_loss_cny", _("Direct economic loss (CNY)")
    CII_FULL_OUTAGE_MINUTES = (
        "cii_full_outage_minutes",
        _("Critical information infrastructure fully down (minutes)"),
    )
    CII_MAIN_FUNCTION_OUTAGE_MINUTES = (
        "cii_main_function_outage_minutes",
        _("Main functions of critical information infrastructure down (minutes)"),
    )
    ESSENTIAL_SERVICES_PEOPLE = (
        "essential_services_people",
        _("People whose water, power, gas, heating or transport is affected"),
    )
    PROVINCE_POPULATION_PERCENT = (
        "province_population_percent",
        _("Share of one province's population whose work and life are affected (%)"),
    )


class GradingThreshold(models.Model):
    """A case whose `metric` is at least `threshold` is at least `grade`."""

    scope: ClassVar[Scope] = ADMINISTRATOR_SCOPE

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    metric = models.CharField(_("metric"), max_length=40, choices=GradingMetric.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=20, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    source = models.CharField(_("source"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["metric", "threshold"]
        verbose_name = _("grading threshold")
        verbose_name_plural = _("grading thresholds")

    def __str__(self) -> str:
        return f"{self.get_metric_display()} ≥ {self.threshold.normalize():,f} → {self.get_grade_display()}"
