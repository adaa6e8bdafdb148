from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope

# The product areas as stored choices of records that take the domain of their target.
DOMAIN_CHOICES = [(domain.value, domain.value) for domain in Domain]


class UnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Business department")
    SITE = "site", _("Data-center site")
    COMMITTEE = "committee", _("Committee")
    WORKING_GROUP = "working_group", _("Working group")
    TEAM = "team", _("Team")


class OrgUnit(models.Model):
    """A node of the organisation: the company, a business department, a data-center
    site, or a governing body such as the Compliance and Information Security
    Management Committee and its Working Group.

    `path` is the materialised chain of ids from the root (``/1/4/9/``) so that a
    whole subtree is one indexed prefix match on both SQLite and PostgreSQL.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.ORGANISATION, unit_path="path")

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)


class EmploymentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    LEFT = "left", _("Left")


class PersonManager(BaseUserManager["Person"]):
    def get_by_natural_key(self, username: str | None) -> Person:
        return self.get(username__iexact=username)


class Person(AbstractBaseUser):
    """Someone in the organisation, with the account they log in with.

    People are never deleted: a person who left cannot log in and keeps their history.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.ORGANISATION, unit_path="unit__path", owner="pk")

    username = models.CharField(
        _("username"), max_length=150, unique=True, validators=[UnicodeUsernameValidator()]
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people")
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    employment_status = models.CharField(
        _("employment status"),
        max_length=20,
        choices=EmploymentStatus.choices,
        default=EmploymentStatus.ACTIVE,
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=[("en", "English"), ("zh-hans", "简体中文")]
    )
    is_superuser = models.BooleanField(
        _("superuser"),
        default=False,
        help_text=_("Bypasses role scoping; for the first installation account."),
    )
    mfa_secret = models.CharField(_("two-factor secret"), max_length=64, blank=True, editable=False)
    mfa_confirmed_at = models.DateTimeField(_("two-factor set up"), null=True, blank=True, editable=False)
    # The newest TOTP time step used to log in: a code is good once, in every process.
    mfa_last_step = models.PositiveBigIntegerField(_("last two-factor time step"), default=0, editable=False)
    failed_login_count = models.PositiveIntegerField(_("failed logins"), default=0, editable=False)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name", "email"]

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["employment_status", "full_name"]),
            # The default ordering: lists page through people by name without sorting the table.
            models.Index(fields=["full_name", "id"], name="core_person_name_order_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.employment_status != EmploymentStatus.LEFT

    @property
    def is_staff(self) -> bool:
        return False

    @property
    def has_mfa(self) -> bool:
        return self.mfa_confirmed_at is not None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Django's own permission framework is not used; scoping decides (garrison.core.scoping).
        return self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_superuser


class Raci(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


class Responsibility(models.Model):
    """A RACI assignment of a person or a unit to any object of the platform.

    `unit` is the unit that owns the target object and `domain` the target's domain: who
    may see the target's part of the organisation in that domain sees the assignment (a
    RACI line on a risk is for those who may see risks there, not for every employee).
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.ORGANISATION,
        unit_path="unit__path",
        owner="person",
        owner_actions=frozenset({Action.VIEW}),
        domain_field="domain",
    )

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("object type"))
    object_id = models.CharField(_("object id"), max_length=64)
    raci = models.CharField(_("RACI role"), max_length=1, choices=Raci.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("assigned unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    domain = models.CharField(
        _("domain"), max_length=30, choices=DOMAIN_CHOICES, default=Domain.ORGANISATION, editable=False
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["content_type", "object_id", "raci", "id"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(assignee_unit__isnull=True))
                | (Q(person__isnull=True) & Q(assignee_unit__isnull=False)),
                name="responsibility_person_xor_unit",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "raci", "person"],
                condition=Q(person__isnull=False),
                name="responsibility_unique_person",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "raci", "assignee_unit"],
                condition=Q(assignee_unit__isnull=False),
                name="responsibility_unique_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_raci_display()}: {self.person or self.assignee_unit}"

    @property
    def assignee(self) -> Person | OrgUnit | None:
        return self.person or self.assignee_unit
