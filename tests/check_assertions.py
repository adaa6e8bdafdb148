"""Fails when a test function asserts nothing: a test that cannot fail is a defect.

A test counts as asserting when its body has an `assert`, a `pytest.raises`/`pytest.fail`
or calls a helper whose name starts with `assert_` or `expect`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def asserts(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Assert):
            return True
        if isinstance(child, ast.Call):
            func = child.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"raises", "fail", "warns"} or name.startswith(
                ("assert_", "expect", "to_have", "to_be")
            ):
                return True
    return False


def main(root: str) -> int:
    offenders = []
    for path in sorted(Path(root).rglob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_function and node.name.startswith("test_") and not asserts(node):
                offenders.append(f"{path}:{node.lineno} {node.name}")
    for offender in offenders:
        print(f"test without an assertion: {offender}")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tests"))
