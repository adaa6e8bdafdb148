from __future__ import annotations

from typing import ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.models.org import DOMAIN_CHOICES, OrgUnit, Person
from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class StoredFile(models.Model):
    """A blob in the content-addressed evidence store, named by its SHA-256.

    The same content uploaded twice is stored once; the hash is re-verifiable.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")

    def __str__(self) -> str:
        return self.sha256

    @property
    def storage_name(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class Attachment(models.Model):
    """A file attached to an object as evidence, under the name it was uploaded with."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.ORGANISATION, unit_path="unit__path", owner="uploaded_by", domain_field="domain"
    )

    stored_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("media type"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    # The domain of the object it is evidence for: evidence of a risk is read by those who
    # may read risks in its unit.
    domain = models.CharField(
        _("domain"), max_length=30, choices=DOMAIN_CHOICES, default=Domain.ORGANISATION, editable=False
    )
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return self.filename
