"""Built seeds kept in the user's cache directory, one per version of the code.

Building the ``compliant`` seed runs the real engine (10 to 30 s); loading its snapshot takes
well under a second. A seed is built once per key (a hash of the package's files, the
versions of Python, moto and botocore, the seed and its account count), written with the
persistent sandbox's pickling (``persist``) and loaded from there afterwards.

A pickle runs code when it is read, so an entry is only read from the user's own cache
directory (created 0700), when the file is the user's and nobody else may write it.
``BOOTSTRAP_TUI_SEED_CACHE=off`` builds every seed afresh and keeps nothing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CACHE_ENV = "BOOTSTRAP_TUI_SEED_CACHE"
# built in a second or less: caching them would cost more than it saves
UNCACHED_SEEDS = ("fresh", "new-org")


def cache_dir() -> Path:
    """``user_cache_dir("bootstrap-tui")/seeds`` (``~/.cache/bootstrap-tui/seeds`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("bootstrap-tui", appauthor=False)) / "seeds"


def enabled() -> bool:
    return os.environ.get(CACHE_ENV, "").strip().lower() not in ("off", "0", "no", "false")


def source_digest(root: Path) -> str:
    """SHA-256 over every file under ``root`` (names and contents), bytecode caches and the
    wheel's ``_data`` (digested on its own) left out."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        inside = path.relative_to(root)
        if not path.is_file() or {"__pycache__", "_data"} & set(inside.parts):
            continue
        digest.update(inside.as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def code_version() -> str:
    """A digest of the code that builds a seed (bootstrap_tui, steps, the built-in profiles)
    and of the Python, moto and botocore versions."""
    import botocore
    import moto

    import bootstrap_tui
    import steps
    from bootstrap_tui.resources import data_dir

    roots = (Path(bootstrap_tui.__file__).parent, Path(steps.__file__).parent, data_dir("profiles"))
    parts = [source_digest(root) for root in roots]
    parts += [platform.python_version(), moto.__version__, botocore.__version__]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def entry_path(
    seed: str, accounts: int, version: str | None = None, regions: Sequence[str] | None = None
) -> Path:
    """Where the seed built by this version of the code is kept (``regions``: the governed
    regions it was built for, None for the profile's own)."""
    parts = [version or code_version(), seed, str(accounts)]
    if regions:
        parts.append(",".join(regions))
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return cache_dir() / f"{seed}-{accounts}-{key[:24]}.pickle"


def _trusted(path: Path) -> bool:
    """The user's own file, which no one else may write, in the user's own private folder."""
    try:
        info, folder = path.stat(), path.parent.stat()
    except OSError:
        return False
    uid = os.getuid()
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_uid == uid
        and folder.st_uid == uid
        and not info.st_mode & 0o022
        and not folder.st_mode & 0o077
    )


def load_cached(
    sandbox: Any, seed: str, accounts: int, regions: Sequence[str] | None = None
) -> bool:
    """Put the cached build of ``seed`` in place of the (just reset) sandbox's state; False when
    there is none to use (then nothing was changed, or the damaged entry is dropped)."""
    from .persist import SnapshotError, load

    if seed in UNCACHED_SEEDS or not enabled():
        return False
    path = entry_path(seed, accounts, regions=regions)
    if not _trusted(path):
        return False
    try:
        load(sandbox, path)
    except SnapshotError:
        path.unlink(missing_ok=True)
        return False
    return True


def store(
    sandbox: Any, seed: str, accounts: int, regions: Sequence[str] | None = None
) -> Path | None:
    """Keep the sandbox's freshly built ``seed``; None when it is not cached or cannot be."""
    from .persist import save

    if seed in UNCACHED_SEEDS or not enabled():
        return None
    path = entry_path(seed, accounts, regions=regions)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        save(sandbox, path)
    except OSError:
        return None  # a read-only or full cache only costs the next start its speed
    return path
