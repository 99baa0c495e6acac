"""Writing reports to disk atomically."""
from __future__ import annotations

import os
from pathlib import Path

from bootstrap_tui.atomicfile import replace_file
from bootstrap_tui.errors import ConfigError

REPORT_MODE = 0o600


def write_atomic(path: str | os.PathLike[str], text: str, *, mode: int = REPORT_MODE) -> Path:
    """Write `text` (UTF-8) to `path` atomically: a temp file in the same directory,
    fsync, os.replace, then fsync of the directory. The file gets mode 0600 (reports
    name accounts, people and findings); an existing file at `path` is replaced
    whole or not at all. Returns the path written. Raises ConfigError (exit 2) with
    a plain message when the location cannot be written."""
    target = Path(path).expanduser()
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ConfigError(f"cannot write {target}: it is a directory",
                          "give a file name, e.g. -o report.json")
    if not directory.is_dir():
        raise ConfigError(f"cannot write {target}: directory {directory} does not exist",
                          "create it first or choose another -o path")
    try:
        replace_file(target, text, mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
