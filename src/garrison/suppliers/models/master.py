"""The supplier master: who the organisation buys from, what they provide, their papers."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope

# Reference lists of the supplier domain (categories, access-path configuration,
# questionnaires, scorecard criteria): read by everyone who works with suppliers, changed
# by whoever may change supplier records over the whole organisation.
SUPPLIER_LIBRARY_SCOPE = Scope(domain=Domain.SUPPLIERS, unit_path=None, shared=True)
# The supplier manager looks after the supplier whatever their roles.
MANAGER_MAY_CHANGE = frozenset({Action.VIEW, Action.CHANGE})


class Region(models.TextChoices):
    """The seed's three regions, derived from the country."""

    MAINLAND = "mainland", _("Mainland China")
    HONG_KONG_MACAU_TAIWAN = "hong_kong_macau_taiwan", _("Hong Kong, Macau and Taiwan")
    OTHER = "other", _("Other countries and regions")


class SupplierStatus(models.TextChoices):
    PROSPECTIVE = "prospective", _("Prospective")
    QUALIFIED = "qualified", _("Qualified")
    RECTIFYING = "rectifying", _("Rectifying")
    UNQUALIFIED = "unqualified", _("Unqualified")
    SUSPENDED = "suspended", _("Suspended cooperation")
    BLACKLISTED = "blacklisted", _("Blacklisted")


# The seed's substandard suppliers, helped "in a targeted manner".
SUBSTANDARD_STATUSES = (
    SupplierStatus.RECTIFYING,
    SupplierStatus.UNQUALIFIED,
    SupplierStatus.SUSPENDED,
    SupplierStatus.BLACKLISTED,
)


class CriticalityTier(models.TextChoices):
    CRITICAL = "critical", _("Tier 1: critical")
    IMPORTANT = "important", _("Tier 2: important")
    STANDARD = "standard", _("Tier 3: standard")


class AccessPath(models.TextChoices):
    STANDARD = "standard", _("Standard access")
    EXPRESS = "express", _("Express access")


class SupplierCategory(models.Model):
    """What a supplier provides: hardware, power and cooling, construction …"""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier category")
        verbose_name_plural = _("supplier categories")

    def __str__(self) -> str:
        return self.name


class Supplier(models.Model):
    """A company the organisation buys from or may buy from (SUP-000001 …).

    `region` is derived from `country` by the service; `status` changes only through an
    approved status change (garrison.suppliers.services.classification), and the status's
    gates (garrison.suppliers.gates) decide whether the supplier may be invited, awarded or
    sent new orders. `normalised_name` is the legal name with legal forms removed and
    transliterated, which duplicate detection and screening compare.
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.SUPPLIERS, unit_path="unit__path", owner="manager", owner_actions=MANAGER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("legal name (Chinese)"), max_length=300, blank=True)
    name_en = models.CharField(_("legal name (English)"), max_length=300, blank=True)
    normalised_name = models.CharField(_("normalised name"), max_length=300, db_index=True, editable=False)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("18 characters, mainland companies"),
    )
    registration_number = models.CharField(
        _("registration number"),
        max_length=100,
        blank=True,
        help_text=_("For companies outside the mainland"),
    )
    country = models.CharField(_("country or region"), max_length=2, default="CN")
    region = models.CharField(_("region"), max_length=30, choices=Region.choices, default=Region.MAINLAND)
    categories = models.ManyToManyField(
        SupplierCategory, verbose_name=_("categories"), blank=True, related_name="suppliers"
    )
    tier = models.CharField(
        _("criticality tier"),
        max_length=20,
        choices=CriticalityTier.choices,
        default=CriticalityTier.STANDARD,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SupplierStatus.choices, default=SupplierStatus.PROSPECTIVE
    )
    status_since = models.DateTimeField(_("status since"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    access_path = models.CharField(_("access path"), max_length=20, choices=AccessPath.choices, blank=True)
    qualified_at = models.DateTimeField(_("qualified at"), null=True, blank=True)
    # Express access: the complete review is due by then, or the access lapses.
    full_review_due = models.DateField(_("complete review due"), null=True, blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="suppliers"
    )
    manager = models.ForeignKey(
        "core.Person",
        verbose_name=_("supplier manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_suppliers",
    )
    assets = models.ManyToManyField(
        "assets.Asset", verbose_name=_("linked assets"), blank=True, related_name="suppliers"
    )
    services = models.TextField(_("services provided"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # The latest scores, kept on the supplier for lists and sorting.
    esg_score = models.DecimalField(_("ESG score"), max_digits=5, decimal_places=2, null=True, blank=True)
    security_score = models.DecimalField(
        _("security score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    performance_score = models.DecimalField(
        _("performance score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    performance_band = models.CharField(_("performance standing"), max_length=20, blank=True)

    created_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        indexes = [
            models.Index(fields=["status", "reference"], name="supplier_status_reference"),
            models.Index(fields=["region", "reference"], name="supplier_region_reference"),
            models.Index(fields=["credit_code"], name="supplier_credit_code"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="supplier_credit_code_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name or self.name_en


# Records of a supplier are read and written by whoever may read and change the supplier.
SUPPLIER_RECORD_SCOPE = Scope(
    domain=Domain.SUPPLIERS,
    unit_path="supplier__unit__path",
    owner="supplier__manager",
    owner_actions=MANAGER_MAY_CHANGE,
)


class SupplierContact(models.Model):
    """A person at the supplier the organisation deals with."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("supplier contact")
        verbose_name_plural = _("supplier contacts")

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    ISO_27001 = "iso_27001", _("ISO/IEC 27001 certificate")
    ISO_9001 = "iso_9001", _("ISO 9001 certificate")
    ISO_14001 = "iso_14001", _("ISO 14001 certificate")
    ISO_45001 = "iso_45001", _("ISO 45001 certificate")
    ISO_20000 = "iso_20000", _("ISO/IEC 20000-1 certificate")
    SAFETY_LICENCE = "safety_licence", _("Work safety licence")
    CONSTRUCTION_QUALIFICATION = "construction_qualification", _("Construction qualification")
    TELECOM_LICENCE = "telecom_licence", _("Telecommunications business licence")
    MLPS_FILING = "mlps_filing", _("MLPS filing certificate")
    OTHER = "other", _("Other")


class QualificationDocument(models.Model):
    """A licence or certificate the supplier holds, with its expiry date.

    `reminders_sent` lists the thresholds (days before expiry) already reminded, so the
    daily reminder job tells the supplier manager once per threshold."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=200, blank=True)
    issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    attachment = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        indexes = [models.Index(fields=["expires_on"], name="supplier_document_expiry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()
