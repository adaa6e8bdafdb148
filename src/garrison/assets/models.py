"""The information-asset inventory: what the organisation holds, who owns it, how much it matters."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class AssetType(models.TextChoices):
    INFORMATION_SYSTEM = "information_system", _("Information system")
    APPLICATION = "application", _("Application")
    DATA_SET = "data_set", _("Database or data set")
    SERVER = "server", _("Server or host")
    NETWORK_DEVICE = "network_device", _("Network device")
    NETWORK_SEGMENT = "network_segment", _("Network segment")
    CLOUD_SERVICE = "cloud_service", _("Cloud service")
    SITE = "site", _("Data-center site")
    ROOM = "room", _("Data-center room")
    FACILITY_EQUIPMENT = "facility_equipment", _("Facility equipment (UPS, HVAC, power)")
    SUPPLIER_SERVICE = "supplier_service", _("Supplier-provided service")
    PAPER_OR_PEOPLE = "paper_or_people", _("Paper or people-held information")


# Types an asset's `site` may point at.
SITE_TYPES = (AssetType.SITE, AssetType.ROOM)


class LifecycleStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_SERVICE = "in_service", _("In service")
    RETIRED = "retired", _("Retired")


class Rating(models.IntegerChoices):
    """A confidentiality, integrity or availability rating."""

    LOW = 1, _("1: Low")
    MODERATE = 2, _("2: Moderate")
    HIGH = 3, _("3: High")
    VERY_HIGH = 4, _("4: Very high")


class ClassificationLevel(models.IntegerChoices):
    """Derived from the highest of the three security ratings."""

    PUBLIC = 1, _("Public")
    INTERNAL = 2, _("Internal")
    CONFIDENTIAL = 3, _("Confidential")
    SECRET = 4, _("Secret")


class Criticality(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(4)]


class Tag(models.Model):
    """A free label people put on assets to group them (``pci``, ``core-network``)."""

    scope: ClassVar[Scope] = Scope(domain=Domain.ASSETS, unit_path=None, shared=True)

    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    """Something of value the organisation must protect: an information system, a
    server, a data set, a data-center room, a UPS, a supplier's service, paper files.

    `classification` and `effective_criticality` are derived and stored, so that lists
    sort and filter on them: the classification from the highest C/I/A rating, the
    effective criticality as the highest of the asset's own criticality and that of
    every asset depending on it (garrison.assets.services keeps both current).
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.ASSETS, unit_path="unit__path", owner="owner")

    reference = models.CharField(_("reference"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    asset_type = models.CharField(_("type"), max_length=30, choices=AssetType.choices)
    owner = models.ForeignKey(
        "core.Person",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_assets",
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("custodian unit"),
        on_delete=models.PROTECT,
        related_name="assets",
    )
    site = models.ForeignKey(
        "self",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="located_assets",
        limit_choices_to={"asset_type__in": SITE_TYPES},
    )
    description = models.TextField(_("description"), blank=True)
    lifecycle_status = models.CharField(
        _("lifecycle status"),
        max_length=20,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.IN_SERVICE,
    )
    confidentiality = models.PositiveSmallIntegerField(
        _("confidentiality"), choices=Rating.choices, default=Rating.MODERATE, validators=RATING_VALIDATORS
    )
    integrity = models.PositiveSmallIntegerField(
        _("integrity"), choices=Rating.choices, default=Rating.MODERATE, validators=RATING_VALIDATORS
    )
    availability = models.PositiveSmallIntegerField(
        _("availability"), choices=Rating.choices, default=Rating.MODERATE, validators=RATING_VALIDATORS
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=ClassificationLevel.choices, default=ClassificationLevel.INTERNAL
    )
    criticality = models.PositiveSmallIntegerField(
        _("business criticality"), choices=Criticality.choices, default=Criticality.MEDIUM
    )
    effective_criticality = models.PositiveSmallIntegerField(
        _("effective criticality"), choices=Criticality.choices, default=Criticality.MEDIUM
    )
    is_critical_system = models.BooleanField(_("critical information system"), default=False)
    # Several each; kept as lists for the form and the API, and mirrored into
    # AssetIdentifier rows so that a scanner's host can be matched by an indexed lookup.
    ip_addresses = models.JSONField(_("IP addresses"), default=list, blank=True)
    host_names = models.JSONField(_("host names"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="assets")
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_("Found by a scan or an import and not yet confirmed by its owner."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [
            models.Index(fields=["asset_type", "reference"], name="asset_type_reference"),
            models.Index(fields=["effective_criticality", "reference"], name="asset_criticality_reference"),
            models.Index(fields=["is_critical_system"], name="asset_critical_system"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.classification = derive_classification(self.confidentiality, self.integrity, self.availability)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def derive_classification(confidentiality: int, integrity: int, availability: int) -> int:
    """The classification level is the highest of the three security ratings."""
    return max(confidentiality, integrity, availability)


class IdentifierKind(models.TextChoices):
    IP_ADDRESS = "ip", _("IP address")
    HOST_NAME = "host", _("Host name")


class AssetIdentifier(models.Model):
    """One IP address or host name of an asset, lower-cased, for matching scan results to assets."""

    scope: ClassVar[Scope] = Scope(domain=Domain.ASSETS, unit_path="asset__unit__path")

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=4, choices=IdentifierKind.choices)
    value = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("asset identifier")
        verbose_name_plural = _("asset identifiers")
        constraints = [
            models.UniqueConstraint(fields=["asset", "kind", "value"], name="asset_identifier_unique"),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="asset_identifier_lookup")]

    def __str__(self) -> str:
        return self.value


class AssetDependency(models.Model):
    """`dependent` needs `dependency` to work: an application on its database, a room on its UPS.

    The graph must stay acyclic; the services refuse an edge that would close a cycle.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.ASSETS, unit_path="dependent__unit__path")

    dependent = models.ForeignKey(
        Asset, verbose_name=_("dependent asset"), on_delete=models.CASCADE, related_name="dependencies"
    )
    dependency = models.ForeignKey(
        Asset, verbose_name=_("depends on"), on_delete=models.CASCADE, related_name="dependents"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("asset dependency")
        verbose_name_plural = _("asset dependencies")
        constraints = [
            models.UniqueConstraint(fields=["dependent", "dependency"], name="asset_dependency_unique"),
            models.CheckConstraint(
                condition=~models.Q(dependent=models.F("dependency")), name="asset_dependency_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dependent} → {self.dependency}"
