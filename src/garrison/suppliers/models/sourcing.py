"""Sourcing: RFQs and tenders with invited suppliers, bids, a weighted evaluation by
evaluators who declared they have no conflict of interest, a shortlist announcement and an
award; and the purchase orders placed with suppliers. Every step is on the event's timeline."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope
from garrison.suppliers.models.master import Supplier

BUYER_MAY_CHANGE = frozenset({Action.VIEW, Action.CHANGE})


class SourcingKind(models.TextChoices):
    RFQ = "rfq", _("Request for quotation")
    TENDER = "tender", _("Tender")


class SourcingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for bids")
    EVALUATION = "evaluation", _("Evaluation")
    SHORTLISTED = "shortlisted", _("Shortlist announced")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class SourcingEvent(models.Model):
    """An RFQ or a tender (SRC-000001 …), run by a buyer in a unit."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.SUPPLIERS, unit_path="unit__path", owner="buyer", owner_actions=BUYER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=SourcingKind.choices, default=SourcingKind.RFQ)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        "suppliers.SupplierCategory",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sourcing_events",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SourcingStatus.choices, default=SourcingStatus.DRAFT
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="sourcing_events",
    )
    buyer = models.ForeignKey(
        "core.Person", verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="sourcing_events"
    )
    estimated_value_cny = models.DecimalField(
        _("estimated value (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    bid_deadline = models.DateTimeField(_("bids due"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends"), null=True, blank=True)
    awarded_supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("awarded to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
    )
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    award_reason = models.TextField(_("reason for the award"), blank=True)
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
        ordering = ["-created_at", "-id"]
        verbose_name = _("sourcing event")
        verbose_name_plural = _("sourcing events")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


EVENT_RECORD_SCOPE = Scope(
    domain=Domain.SUPPLIERS,
    unit_path="event__unit__path",
    owner="event__buyer",
    owner_actions=BUYER_MAY_CHANGE,
)


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    DECLINED = "declined", _("Declined")
    BID = "bid", _("Bid received")
    SHORTLISTED = "shortlisted", _("Shortlisted")


class Invitation(models.Model):
    """A supplier invited to an event; only a supplier whose status allows it may be."""

    scope: ClassVar[Scope] = EVENT_RECORD_SCOPE

    event = models.ForeignKey(
        SourcingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitations"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="invitations"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )
    invited_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited at"))

    class Meta:
        ordering = ["invited_at", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["event", "supplier"], name="invitation_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event.reference} → {self.supplier.reference}"


class Bid(models.Model):
    """An invited supplier's bid: price, terms and the file they sent."""

    scope: ClassVar[Scope] = EVENT_RECORD_SCOPE

    event = models.ForeignKey(
        SourcingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="bids"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="bids"
    )
    price_cny = models.DecimalField(_("price (CNY)"), max_digits=16, decimal_places=2)
    delivery_days = models.PositiveIntegerField(_("delivery (days)"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    attachment = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("bid file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    total_score = models.DecimalField(
        _("weighted score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    is_shortlisted = models.BooleanField(_("shortlisted"), default=False)

    class Meta:
        ordering = ["rank", "submitted_at", "id"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [models.UniqueConstraint(fields=["event", "supplier"], name="bid_once_per_supplier")]

    def __str__(self) -> str:
        return f"{self.event.reference} {self.supplier.reference}"


class EvaluationCriterion(models.Model):
    """A criterion of the event's evaluation matrix and its weight."""

    scope: ClassVar[Scope] = EVENT_RECORD_SCOPE

    event = models.ForeignKey(
        SourcingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="criterion_name_once_per_event")
        ]

    def __str__(self) -> str:
        return self.name


class Evaluator(models.Model):
    """A person asked to evaluate the bids. They see bids only after signing the
    conflict-of-interest declaration; declaring a conflict recuses them."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.SUPPLIERS,
        unit_path="event__unit__path",
        owner="person",
        owner_actions=frozenset({Action.VIEW}),
    )

    event = models.ForeignKey(
        SourcingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="evaluators"
    )
    person = models.ForeignKey(
        "core.Person", verbose_name=_("evaluator"), on_delete=models.PROTECT, related_name="evaluations"
    )
    declared_at = models.DateTimeField(_("declaration signed at"), null=True, blank=True)
    has_conflict = models.BooleanField(_("declared a conflict of interest"), default=False)
    conflict_details = models.TextField(_("conflict details"), blank=True)
    added_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="evaluator_once_per_event")]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def may_see_bids(self) -> bool:
        return self.declared_at is not None and not self.has_conflict


class BidScore(models.Model):
    """One evaluator's score (0 to 100) of one bid against one criterion."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.SUPPLIERS,
        unit_path="bid__event__unit__path",
        owner="bid__event__buyer",
        owner_actions=BUYER_MAY_CHANGE,
    )

    bid = models.ForeignKey(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        EvaluationCriterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="scores"
    )
    evaluator = models.ForeignKey(
        Evaluator, verbose_name=_("evaluator"), on_delete=models.CASCADE, related_name="scores"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        ordering = ["bid", "criterion__order", "evaluator"]
        verbose_name = _("bid score")
        verbose_name_plural = _("bid scores")
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "evaluator"], name="bid_score_once_per_evaluator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bid} {self.criterion}: {self.score}"


class StepKind(models.TextChoices):
    CREATED = "created", _("Created")
    OPENED = "opened", _("Opened for bids")
    INVITED = "invited", _("Supplier invited")
    REFUSED = "refused", _("Refused")
    BID = "bid", _("Bid received")
    EVALUATOR = "evaluator", _("Evaluator")
    DECLARATION = "declaration", _("Declaration")
    SCORED = "scored", _("Scored")
    SHORTLIST = "shortlist", _("Shortlist announced")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")
    NOTE = "note", _("Note")


class SourcingStep(models.Model):
    """One step on an event's timeline, traced to the person who took it."""

    scope: ClassVar[Scope] = EVENT_RECORD_SCOPE

    event = models.ForeignKey(
        SourcingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices)
    description = models.TextField(_("what happened"))
    actor = models.ForeignKey(
        "core.Person",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("sourcing step")
        verbose_name_plural = _("sourcing steps")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrder(models.Model):
    """An order placed with a supplier (PO-000001 …); only a supplier whose status allows
    new orders may receive one."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.SUPPLIERS, unit_path="unit__path", owner="placed_by", owner_actions=BUYER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="orders"
    )
    event = models.ForeignKey(
        SourcingEvent,
        verbose_name=_("sourcing event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    amount_cny = models.DecimalField(_("amount (CNY)"), max_digits=16, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    placed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("placed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    placed_at = models.DateTimeField(_("placed at"))

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"
