"""The run log: a 0600 file in the user log dir, with credentials redacted."""

from __future__ import annotations

import logging
import os
from pathlib import Path


class RedactingFilter(logging.Filter):
    """Replace anything that looks like an AWS credential before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        from bootstrap_tui.state import redact

        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def log_path() -> Path:
    override = os.environ.get("BOOTSTRAP_TUI_LOG")
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir("bootstrap-tui", appauthor=False)) / "bootstrap-tui.log"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log our own messages (never botocore's wire logs) to the run log."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        stream = os.fdopen(fd, "a", encoding="utf-8")
    except OSError:
        return None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("bootstrap_tui")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return path
