"""The library kind the suppliers app stores: `supplier_questionnaires`.

Registered with the library loader when SuppliersConfig.ready() imports this module. A
questionnaire is written by URN like every library object (garrison.library.upsert); its
questions are written with it, by URN too. A question URN held by a question of another
library's questionnaire (or one added in Garrison) is never taken over: the load is
refused, naming it. Questions a newer version no longer holds are reported as removed
and kept, since answers refer to them (the Question model has no "retired" flag; see
docs/library-format.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Domain
from garrison.library.registry import ApplyContext, KindLoader, KindOutcome, register_kind
from garrison.library.upsert import owner_of, record_event, removed_urns, upsert_by_urn
from garrison.suppliers.library_format import (
    QuestionDefinition,
    QuestionnaireDefinition,
    parse_supplier_questionnaire,
)
from garrison.suppliers.models import Question, Questionnaire

SUPPLIER_QUESTIONNAIRES = "supplier_questionnaires"


def _question_fields(definition: QuestionDefinition, order: int) -> dict[str, Any]:
    return {
        "code": definition.code,
        "order": order,
        "dimension": definition.dimension,
        "text": definition.text,
        "text_zh": definition.text_zh,
        "answer_type": definition.answer_type,
        "choices": [dict(choice) for choice in definition.choices],
        "good_answer": definition.good_answer,
        "weight": definition.weight,
        "evidence_requested": definition.evidence_requested,
        "evidence_hint": definition.evidence_hint,
    }


def _write_questions(
    questionnaire: Questionnaire,
    definition: QuestionnaireDefinition,
    context: ApplyContext,
    outcome: KindOutcome,
) -> None:
    urns = [question.urn for question in definition.questions]
    existing = {
        question.urn: question
        for question in Question.objects.filter(urn__in=urns).select_related("questionnaire")
    }
    for held in existing.values():
        if held.questionnaire_id != questionnaire.pk:
            owner = owner_of(held.questionnaire.library_urn)
            outcome.errors.append(f"{held.urn}, urn: already used by a question of {owner}")
    retired = dict(questionnaire.questions.exclude(urn__in=urns).values_list("code", "urn"))
    for item in definition.questions:
        if item.code in retired:
            outcome.errors.append(
                f"{item.urn}, code: {item.code} is still held by {retired[item.code]}, which answers refer to"
            )
    if outcome.errors:
        return
    for order, item in enumerate(definition.questions, start=1):
        fields = _question_fields(item, order)
        question = existing.get(item.urn)
        if question is None:
            created = Question(questionnaire=questionnaire, urn=item.urn, **fields)
            created.full_clean(validate_unique=False)
            created.save()
            record_event(created, AuditAction.CREATE, audit.diff({}, audit.snapshot(created)), context)
            outcome.added.append(item.urn)
            continue
        before = audit.snapshot(question)
        for name, value in fields.items():
            setattr(question, name, value)
        question.full_clean(validate_unique=False)
        changes = audit.diff(before, audit.snapshot(question))
        if changes:
            question.save()
            record_event(question, AuditAction.UPDATE, changes, context)
            outcome.changed[item.urn] = sorted(changes)
        else:
            outcome.unchanged.append(item.urn)
    outcome.removed.extend(
        sorted(questionnaire.questions.exclude(urn__in=urns).values_list("urn", flat=True))
    )


def apply_supplier_questionnaires(
    definitions: Sequence[QuestionnaireDefinition], context: ApplyContext
) -> KindOutcome:
    """Write a library's questionnaires and their questions."""
    outcome = KindOutcome()
    urns = [definition.urn for definition in definitions]
    existing = {item.urn: item for item in Questionnaire.objects.filter(urn__in=urns)}
    for definition in definitions:
        fields = {
            "kind": definition.kind,
            "name": definition.name,
            "name_zh": definition.name_zh,
            "description": definition.description,
            "description_zh": definition.description_zh,
            "version": definition.version,
        }
        questionnaire = upsert_by_urn(
            Questionnaire, definition.urn, fields, existing.get(definition.urn), context, outcome
        )
        if questionnaire is not None:
            _write_questions(questionnaire, definition, context, outcome)  # type: ignore[arg-type]
    outcome.removed.extend(removed_urns(Questionnaire, context, urns))
    return outcome


register_kind(
    SUPPLIER_QUESTIONNAIRES,
    KindLoader(
        domain=Domain.SUPPLIERS,
        label=_("supplier questionnaires"),
        parse=parse_supplier_questionnaire,
        apply=apply_supplier_questionnaires,
        order=700,
    ),
)
