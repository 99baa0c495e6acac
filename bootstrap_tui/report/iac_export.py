"""`bootstrap-tui export --format terraform|cloudformation -o DIR`: read the inventory, render
it, and write the files into DIR (0700 directory, 0600 files, each written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bootstrap_tui.errors import ConfigError

IAC_FORMATS = ("terraform", "cloudformation")


def check_directory(directory: Path | None, fmt: str, force: bool) -> Path:
    """The output directory, or ConfigError (exit 2) before anything is read or written."""
    if directory is None:
        raise ConfigError(
            f"--format {fmt} writes several files: -o DIR is required",
            f"for example: bootstrap-tui export --format {fmt} -o ./{fmt}",
        )
    path = directory.expanduser()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"-o {directory}: not a directory", "name a new or empty directory")
    if not path.exists() and not path.parent.is_dir():
        raise ConfigError(
            f"-o {directory}: the directory {path.parent} does not exist", "create it first"
        )
    if path.is_dir() and any(path.iterdir()) and not force:
        raise ConfigError(
            f"-o {directory}: the directory is not empty",
            "name an empty directory, or add --force to replace the files this export writes",
        )
    return path


def render(inventory: Any, fmt: str) -> dict[str, str]:
    """File name (relative) -> content, with anything that looks like a credential redacted."""
    from bootstrap_tui.report.iac_cloudformation import render_cloudformation
    from bootstrap_tui.report.iac_terraform import render_terraform
    from bootstrap_tui.state import redact

    files = render_terraform(inventory) if fmt == "terraform" else render_cloudformation(inventory)
    return {name: redact(text) for name, text in sorted(files.items())}


def write_files(directory: Path, files: dict[str, str]) -> list[Path]:
    from bootstrap_tui.report.output import write_atomic

    written = []
    try:
        directory.mkdir(mode=0o700, exist_ok=True)
        for name in files:
            (directory / name).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {directory}: {exc.strerror or exc}") from None
    for name, text in files.items():
        written.append(write_atomic(directory / name, text))
    return written


def export_iac(engine: Any, fmt: str, directory: Path | None, force: bool = False) -> list[Path]:
    """Check DIR, read AWS (read-only), write the files; returns what was written."""
    from bootstrap_tui.report.iac_inventory import read_inventory

    path = check_directory(directory, fmt, force)
    files = render(read_inventory(engine), fmt)
    return write_files(path, files)
