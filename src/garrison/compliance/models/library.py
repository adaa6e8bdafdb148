"""The framework library: standards and regulations with their requirement trees, the
reference controls that meet them, and the mappings between frameworks."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope

LIBRARY_SCOPE = Scope(domain=Domain.COMPLIANCE, unit_path=None, shared=True)


class FrameworkOrigin(models.TextChoices):
    LIBRARY = "library", _("Garrison library (YAML)")
    OSCAL = "oscal", _("OSCAL catalog or profile")


class Framework(models.Model):
    """A standard, regulation or attestation scheme the organisation answers to
    (ISO/IEC 27001:2022, MLPS 2.0 Class III, SOC 2), with its tree of requirements.

    Library data: loaded from a YAML library or imported from OSCAL, shared by the whole
    organisation.
    """

    scope: ClassVar[Scope] = LIBRARY_SCOPE

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    reference = models.CharField(_("reference"), max_length=100)
    name = models.CharField(_("name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    origin = models.CharField(
        _("origin"), max_length=20, choices=FrameworkOrigin.choices, default=FrameworkOrigin.LIBRARY
    )
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return self.reference or self.name


class ReferenceControl(models.Model):
    """A control described once (policy management, backup, access review) that helps meet
    requirements of several frameworks; the organisation's own controls build on them."""

    scope: ClassVar[Scope] = LIBRARY_SCOPE

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    reference = models.CharField(_("reference"), max_length=60)
    name = models.CharField(_("name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    category = models.CharField(_("category"), max_length=30, blank=True)
    function = models.CharField(_("function"), max_length=30, blank=True)
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("reference control")
        verbose_name_plural = _("reference controls")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class RequirementNode(models.Model):
    """One node of a framework's requirement tree: a clause, a theme heading, an Annex A
    control, a control point. `assessable` nodes get a result in an assessment; the others
    only group them. `path` is the materialised chain of ids for subtree queries, `order`
    the reading order within the framework."""

    scope: ClassVar[Scope] = LIBRARY_SCOPE

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="requirements"
    )
    urn = models.CharField(_("URN"), max_length=250, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=500, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    is_assessable = models.BooleanField(_("assessable"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    path = models.CharField(max_length=500, blank=True, db_index=True)
    reference_controls = models.ManyToManyField(
        ReferenceControl, verbose_name=_("reference controls"), blank=True, related_name="requirements"
    )

    class Meta:
        ordering = ["framework", "order"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        indexes = [models.Index(fields=["framework", "order"], name="requirement_reading_order")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}".strip()


class MappingSet(models.Model):
    """How the requirements of one framework relate to those of another, so that a result
    or evidence for one can be proposed for the other."""

    scope: ClassVar[Scope] = LIBRARY_SCOPE

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    source_framework = models.ForeignKey(
        Framework, verbose_name=_("source framework"), on_delete=models.CASCADE, related_name="+"
    )
    target_framework = models.ForeignKey(
        Framework, verbose_name=_("target framework"), on_delete=models.CASCADE, related_name="+"
    )
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mapping set")
        verbose_name_plural = _("mapping sets")

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    EQUAL = "equal", _("Equal")
    SUBSET = "subset", _("Subset")
    SUPERSET = "superset", _("Superset")
    INTERSECT = "intersect", _("Intersect")


class RequirementMapping(models.Model):
    """One relation of a mapping set: a source requirement and a target requirement."""

    scope: ClassVar[Scope] = LIBRARY_SCOPE

    mapping_set = models.ForeignKey(
        MappingSet, verbose_name=_("mapping set"), on_delete=models.CASCADE, related_name="relations"
    )
    source = models.ForeignKey(
        RequirementNode, verbose_name=_("source requirement"), on_delete=models.CASCADE, related_name="+"
    )
    target = models.ForeignKey(
        RequirementNode, verbose_name=_("target requirement"), on_delete=models.CASCADE, related_name="+"
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    strength = models.PositiveSmallIntegerField(_("strength"), null=True, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)

    class Meta:
        verbose_name = _("requirement mapping")
        verbose_name_plural = _("requirement mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["mapping_set", "source", "target"], name="requirement_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.relation} {self.target}"
