"""Hand-written Sigma cases (YAML) and the harness that runs them through the engine and the
reference evaluator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).parent
DEFAULT_LOGSOURCE = {"product": "linux", "category": "process_creation"}
DEFAULT_BASE = {"EventID": 1}
PLACEHOLDERS = {"privileged_users": ["root", "dbadmin"]}


@dataclass
class CaseEvent:
    match: bool
    event: dict[str, Any]
    line: int = 0  # set when written to the events file


@dataclass
class Case:
    """One rule and its events, each with the truth decided by hand."""

    name: str
    file: str
    rule_id: str
    text: str
    events: list[CaseEvent] = field(default_factory=list)
    placeholders: bool = False


def case_rule_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"garrison-h4-case:{name}"))


def load_cases(*names: str) -> list[Case]:
    """The cases of the named YAML files in this folder (all of them when none is named)."""
    files = [CASES / name for name in names] if names else sorted(CASES.glob("*.yml"))
    cases: list[Case] = []
    for path in files:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            rule_id = case_rule_id(item["name"])
            rule = {
                "title": item["name"],
                "id": rule_id,
                "status": "test",
                "author": "Garrison tests",
                "logsource": item.get("logsource", DEFAULT_LOGSOURCE),
                "detection": item["detection"],
                "level": "low",
            }
            base = item.get("base", DEFAULT_BASE)
            events = [CaseEvent(bool(entry["match"]), {**base, **entry["event"]}) for entry in item["events"]]
            text = yaml.safe_dump(rule, sort_keys=False, allow_unicode=True)
            cases.append(Case(item["name"], path.name, rule_id, text, events, bool(item.get("placeholders"))))
    return cases
