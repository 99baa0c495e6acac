"""Files shipped with bootstrap-tui: baseline profiles and user docs.

In a checkout they live at the repository root (profiles/, docs/); in an
installed wheel hatch places them at bootstrap_tui/_data/<name>.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DATA_NAMES = ("profiles", "docs")


def data_dir(name: str) -> Path:
    """The directory of shipped data `name` ("profiles" or "docs").

    Returns the wheel location when it exists, else the checkout location
    (which may not exist; callers check with is_dir()).
    """
    if name not in DATA_NAMES:
        raise ValueError(f"unknown data directory {name!r}; expected one of {DATA_NAMES}")
    shipped = _PACKAGE / "_data" / name
    if shipped.is_dir():
        return shipped
    return _PACKAGE.parent / name


def doc_page(relpath: str) -> str | None:
    """Text of docs/<relpath> (e.g. "steps/organization.md"), or None when absent."""
    base = data_dir("docs").resolve()
    try:
        page = (base / relpath).resolve()
        page.relative_to(base)
    except (ValueError, OSError):
        return None
    try:
        return page.read_text(encoding="utf-8") if page.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None
