"""Pages are served with a Content-Security-Policy that refuses inline styles and scripts
(core.middleware), so a template that writes one renders wrongly without a word: none may."""

from __future__ import annotations

import re
from pathlib import Path

import garrison

TEMPLATES = sorted(Path(garrison.__file__).parent.glob("*/templates/**/*.html"))
INLINE = re.compile(
    r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*["']""", re.IGNORECASE
)


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 100


def test_no_template_writes_an_inline_style_script_or_event_handler() -> None:
    offenders = [
        f"{path.relative_to(Path(garrison.__file__).parent)}:{number}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE.search(line)
    ]
    assert offenders == []
