"""Forms of the sourcing pages: the event, a criterion, an invitation, a bid, an
evaluator, the declaration, the score sheet, the shortlist, the award, a workflow step,
and a purchase order.

Choices (units, suppliers, people) are scoped to what the acting person may see or use;
the services check again and name the field they refuse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from garrison.core.models import OrgUnit, Person
from garrison.core.models.org import EmploymentStatus
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.suppliers.models import (
    Bid,
    EvaluationCriterion,
    SourcingEvent,
    SourcingStatus,
    Supplier,
    SupplierCategory,
)
from garrison.suppliers.services.evaluation import EvaluationMatrix
from garrison.suppliers.services.sourcing import (
    CHANGEABLE_BY_STATUS,
    DEFAULT_PUBLICITY_DAYS,
    MAX_PUBLICITY_DAYS,
)
from garrison.web.forms import (
    REASON_MAX_LENGTH,
    StyledFormMixin,
    UsernameChoiceField,
    local_datetime_field,
    reason_field,
    style_form,
)

SUPPLIER_OPTIONS_ID = "supplier-options"


def _units(person: Any, action: Action, keep: int | None = None) -> QuerySet[OrgUnit]:
    units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
    reachable = [unit.pk for unit in units if has_grant(person, Domain.SUPPLIERS, action, unit.path)]
    if keep is not None:
        reachable.append(keep)
    return OrgUnit.objects.filter(pk__in=reachable)


class SupplierReferenceField(forms.ModelChoiceField):
    """A supplier picked by reference (SUP-000123): the page offers the likely ones in a
    list while the field accepts any supplier the person may see."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The supplier's reference (SUP-…); start typing to pick one."))
        kwargs.setdefault("error_messages", {"invalid_choice": _("No supplier with this reference.")})
        super().__init__(queryset, to_field_name="reference", **kwargs)
        self.widget.attrs["list"] = SUPPLIER_OPTIONS_ID

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\x00", "").strip().split(" ", 1)[0].upper()
        return super().to_python(value)


class SourcingEventForm(StyledFormMixin, forms.ModelForm):
    """Draft or change an event; what may still change depends on its status."""

    bid_deadline = local_datetime_field(_("Bids due"), required=False)

    class Meta:
        model = SourcingEvent
        fields = ["title", "kind", "description", "category", "unit", "estimated_value_cny", "bid_deadline"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        is_create = self.instance.pk is None
        action = Action.ADD if is_create else Action.CHANGE
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = _units(person, action, None if is_create else self.instance.unit_id)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = SupplierCategory.objects.filter(is_active=True)
        if not is_create:
            allowed = CHANGEABLE_BY_STATUS.get(self.instance.status, frozenset())
            for name, field in self.fields.items():
                if name not in allowed:
                    field.disabled = True
                    field.help_text = _("Fixed once the event is open for bids.")
            self.fields["reason"] = reason_field()
        style_form(self)


class CriterionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = EvaluationCriterion
        fields = ["name", "weight"]
        help_texts = {"weight": _("Relative weight; the weights need not add up to 100.")}


class InviteForm(StyledFormMixin, forms.Form):
    supplier = SupplierReferenceField(Supplier.objects.none(), label=_("Supplier"))
    reason = reason_field()

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = restrict(Supplier.objects.all(), person, Action.VIEW)


class BidForm(StyledFormMixin, forms.Form):
    supplier = forms.ModelChoiceField(Supplier.objects.none(), label=_("Supplier"))
    price_cny = forms.DecimalField(label=_("Price (CNY)"), max_digits=16, decimal_places=2)
    delivery_days = forms.IntegerField(label=_("Delivery (days)"), required=False, min_value=0)
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Bid file"), required=False)

    def __init__(self, *args: Any, event: SourcingEvent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Supplier.objects.filter(invitations__event=event).exclude(bids__event=event)
        field.help_text = _("Invited suppliers that have not bid yet.")


class EvaluatorForm(StyledFormMixin, forms.Form):
    person = UsernameChoiceField(Person.objects.none(), label=_("Evaluator"))

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = UsernameChoiceField(
            restrict(Person.objects.exclude(employment_status=EmploymentStatus.LEFT), person, Action.VIEW),
            label=_("Evaluator"),
            help_text=_("The username of someone who works with the suppliers of the event's unit."),
        )
        style_form(self)


NO_CONFLICT = "none"
CONFLICT = "conflict"


class DeclarationForm(StyledFormMixin, forms.Form):
    """The evaluator's conflict-of-interest declaration, signed once."""

    declaration = forms.ChoiceField(
        label=_("Declaration"),
        widget=forms.RadioSelect,
        choices=[
            (NO_CONFLICT, _("I have no conflict of interest with the invited suppliers")),
            (CONFLICT, _("I have a conflict of interest with an invited supplier (describe it below)")),
        ],
    )
    details = forms.CharField(
        label=_("Conflict details"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @property
    def has_conflict(self) -> bool:
        return self.cleaned_data.get("declaration") == CONFLICT


def score_field_name(bid: Bid, criterion: EvaluationCriterion) -> str:
    return f"score_{bid.pk}_{criterion.pk}"


class ScoreForm(StyledFormMixin, forms.Form):
    """The current evaluator's score sheet: a score 0 to 100 per bid and criterion."""

    def __init__(self, *args: Any, matrix: EvaluationMatrix, evaluator_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cells: list[tuple[Bid, list[tuple[EvaluationCriterion, str]]]] = []
        for row in matrix.rows:
            names = []
            for criterion in matrix.criteria:
                name = score_field_name(row.bid, criterion)
                existing = row.score(criterion.pk, evaluator_id)
                self.fields[name] = forms.DecimalField(
                    label=f"{row.bid.supplier.display_name} · {criterion.name}",
                    required=False,
                    min_value=Decimal(0),
                    max_value=Decimal(100),
                    decimal_places=2,
                    initial=existing.score if existing else None,
                )
                names.append((criterion, name))
            self.cells.append((row.bid, names))
        style_form(self)

    def bound_cells(self) -> list[tuple[Bid, list[tuple[EvaluationCriterion, forms.BoundField]]]]:
        return [(bid, [(criterion, self[name]) for criterion, name in names]) for bid, names in self.cells]

    def entries(self) -> list[tuple[Bid, EvaluationCriterion, Decimal]]:
        return [
            (bid, criterion, self.cleaned_data[name])
            for bid, names in self.cells
            for criterion, name in names
            if self.cleaned_data.get(name) is not None
        ]


class ShortlistForm(StyledFormMixin, forms.Form):
    bids = forms.ModelMultipleChoiceField(
        Bid.objects.none(), label=_("Bids on the shortlist"), widget=forms.CheckboxSelectMultiple
    )
    publicity_days = forms.IntegerField(
        label=_("Publicity period (days)"),
        min_value=1,
        max_value=MAX_PUBLICITY_DAYS,
        initial=DEFAULT_PUBLICITY_DAYS,
        help_text=_("The event can be awarded once the period has passed."),
    )
    reason = reason_field()

    def __init__(self, *args: Any, event: SourcingEvent, matrix: EvaluationMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bids"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = event.bids.select_related("supplier")
        ranks = {row.bid.pk: row for row in matrix.rows}

        def label(bid: Bid) -> str:
            row = ranks.get(bid.pk)
            if row is None or row.total is None:
                return bid.supplier.display_name
            return str(
                _("%(supplier)s: rank %(rank)s, weighted score %(total)s")
                % {"supplier": bid.supplier.display_name, "rank": row.rank, "total": row.total}
            )

        field.label_from_instance = label  # type: ignore[method-assign,assignment]
        self.initial.setdefault("bids", [row.bid.pk for row in matrix.rows if row.rank == 1])


class AwardForm(StyledFormMixin, forms.Form):
    supplier = forms.ModelChoiceField(Supplier.objects.none(), label=_("Award to"))
    reason = forms.CharField(
        label=_("Reason for the award"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, event: SourcingEvent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Supplier.objects.filter(bids__event=event, bids__is_shortlisted=True)


class StepForm(StyledFormMixin, forms.Form):
    """A workflow step with its reason (required when the step needs one)."""

    def __init__(self, *args: Any, requires_reason: bool, help_text: Any = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field(required=requires_reason)
        if help_text:
            self.fields["reason"].help_text = help_text
        style_form(self)


class OrderForm(StyledFormMixin, forms.Form):
    supplier = SupplierReferenceField(Supplier.objects.none(), label=_("Supplier"))
    title = forms.CharField(label=_("Title"), max_length=300, help_text=_("What is ordered."))
    amount_cny = forms.DecimalField(label=_("Amount (CNY)"), max_digits=16, decimal_places=2)
    unit = forms.ModelChoiceField(
        OrgUnit.objects.none(),
        label=_("Owning unit"),
        required=False,
        help_text=_("The unit the order is for; the event's or the supplier's unit when left empty."),
    )
    event = forms.ModelChoiceField(
        SourcingEvent.objects.none(),
        label=_("Sourcing event"),
        required=False,
        help_text=_("The awarded event this order follows from, if any."),
    )
    reason = reason_field()

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supplier = self.fields["supplier"]
        assert isinstance(supplier, forms.ModelChoiceField)
        supplier.queryset = restrict(Supplier.objects.all(), person, Action.VIEW)
        event = self.fields["event"]
        assert isinstance(event, forms.ModelChoiceField)
        event.queryset = restrict(
            SourcingEvent.objects.filter(status=SourcingStatus.AWARDED), person, Action.VIEW
        )
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = _units(person, Action.ADD)
