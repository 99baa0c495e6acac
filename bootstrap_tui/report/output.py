"""Writing reports to disk: regular files atomically, devices and FIFOs directly."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from collections.abc import Iterable

from bootstrap_tui.atomicfile import replace_file
from bootstrap_tui.errors import ConfigError

REPORT_MODE = 0o600
_ANOTHER = "choose another -o path"


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}", _ANOTHER) from None


def _is_stream(info: os.stat_result | None) -> bool:
    """A character device, FIFO or socket: written in place, never replaced."""
    return info is not None and (
        stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode)
    )


def _same(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def output_target(
    path: str | os.PathLike[str], *, refuse: Iterable[tuple[str | os.PathLike[str], str]] = ()
) -> Path:
    """Check, before any work, that a report can go to `path`; return where it will be
    written (a symlink is followed: its target is written, the link stays). `refuse`
    lists (path, what it is) that must never be overwritten, e.g. the state file.
    Raises ConfigError (exit 2) with the reason."""
    given = Path(path).expanduser()
    for protected, what in refuse:
        if _same(given, Path(protected)):
            raise ConfigError(f"refusing to write the report over {what} {protected}", _ANOTHER)
    target = Path(os.path.realpath(given))
    info = _stat(target)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ConfigError(
            f"cannot write {given}: it is a directory", "give a file name, e.g. -o report.json"
        )
    if _is_stream(info):
        if not os.access(target, os.W_OK):
            raise ConfigError(f"cannot write {given}: permission denied", _ANOTHER)
        return target
    directory = target.parent
    if not directory.is_dir():
        raise ConfigError(
            f"cannot write {given}: directory {directory} does not exist",
            "create it first or choose another -o path",
        )
    if not os.access(directory, os.W_OK | os.X_OK) or (
        info is not None and not os.access(target, os.W_OK)
    ):
        raise ConfigError(f"cannot write {given}: permission denied", _ANOTHER)
    return target


def _write_stream(target: Path, text: str) -> None:
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_atomic(
    path: str | os.PathLike[str],
    text: str,
    *,
    mode: int = REPORT_MODE,
    refuse: Iterable[tuple[str | os.PathLike[str], str]] = (),
) -> Path:
    """Write `text` (UTF-8) to `path`. A regular file is replaced atomically (temp file
    beside it, fsync, os.replace, fsync of the directory) with mode 0600, since reports
    name accounts, people and findings; a symlink is written through (its target is
    replaced, the link kept); a device or FIFO (e.g. /dev/null, /dev/stdout) is written
    in place, never replaced. Returns the path as given. Raises ConfigError (exit 2)
    with a plain message when the location cannot or must not be written."""
    given = Path(path).expanduser()
    target = output_target(given, refuse=refuse)
    try:
        if _is_stream(_stat(target)):
            _write_stream(target, text)
        else:
            replace_file(target, text, mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {given}: {exc.strerror or exc}") from None
    return given
