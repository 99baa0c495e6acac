"""Replacing a file whole or not at all (the state file, reports, exports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_file(target: Path, text: str | bytes, mode: int = 0o600) -> None:
    """Write `text` (UTF-8, or bytes as they are) to `target` through a temp file in the same directory:
    chmod `mode`, fsync, os.replace, then fsync the directory so the rename survives
    a power cut. On any error the temp file is removed and `target` is unchanged;
    OSError propagates for the caller to explain. A killed process can leave a
    `.<name>.*.tmp` file behind, never a partial `target`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
