"""Markdown escaping: strings from AWS or users never become markup or raw HTML."""

from __future__ import annotations

import html
import re

from bootstrap_tui.report.common import clean_block, one_line

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~])")
_CODE_UNSAFE = re.compile(r"[^A-Za-z0-9._:/@+=,\-]")


def md_text(value: object) -> str:
    """Inline text: control characters removed, HTML-escaped, markdown specials escaped."""
    text = html.escape(clean_block(value), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_cell(value: object) -> str:
    """One table cell: single line, pipes escaped."""
    return md_text(one_line(value))


def md_code(value: object) -> str:
    """An identifier shown in a code span: only characters that need no escaping."""
    return _CODE_UNSAFE.sub("", one_line(value))
