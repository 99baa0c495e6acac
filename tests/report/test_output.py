"""write_atomic: whole file or nothing, mode 0600, clear errors."""

from __future__ import annotations

import os
import stat

import pytest

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.report import write_atomic


def test_writes_utf8_with_mode_0600_and_replaces(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_atomic(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left


def test_failure_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ConfigError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_missing_directory_and_directory_target_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "r.txt", "x")
    with pytest.raises(ConfigError, match="is a directory"):
        write_atomic(tmp_path, "x")


def test_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_atomic("out.txt", "x")
    assert (tmp_path / "out.txt").read_text() == "x"
