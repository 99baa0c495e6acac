"""As the user does it: `apply --attested-by`, then `export` (every framework by default)
and `export --check FILE` on what was written, then on an edited copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bootstrap_tui.cli import main
from bootstrap_tui.model import FRAMEWORKS
from bootstrap_tui.sandbox.testing import running_sandbox

from .conftest import aim_at_sandbox

pytestmark = pytest.mark.slow

PERSON = "Jane Doe, CTO"


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """A fresh sandbox; the first two steps applied with --simulate-console and a named
    person; then json, html and md exports written with -o."""
    home = tmp_path_factory.mktemp("attest")
    base = ["--state-file", str(home / "state.yaml")]
    with pytest.MonkeyPatch.context() as mp, running_sandbox(op_delay_s=0.1) as box:
        aim_at_sandbox(mp, box, home)
        code = main(
            [
                *base,
                "apply",
                "--step",
                "management-account",
                "--step",
                "root-mfa",
                "--yes",
                "--simulate-console",
                "--attested-by",
                f"  {PERSON} ",
            ]
        )
        files = {}
        for fmt in ("json", "html", "md"):
            files[fmt] = home / f"export.{fmt}"
            assert main([*base, "export", "--format", fmt, "-o", str(files[fmt])]) == 0
        yield {"code": code, "files": files, "base": base, "home": home}


def test_each_attestation_names_the_person_given_on_the_command_line(applied):
    assert applied["code"] == 0
    doc = json.loads(applied["files"]["json"].read_text())
    attested = [m for m in doc["manual_items"] if m["status"] == "ATTESTED"]
    assert attested and all(m["attested_person"] == PERSON for m in attested)
    assert all(m["attested_by"].startswith("arn:aws:") for m in attested), "and the AWS identity"
    html = applied["files"]["html"].read_text()
    assert f"{PERSON} (AWS identity arn:aws:" in html


def test_an_empty_attester_name_is_a_usage_error(applied, capsys):
    code = main([*applied["base"], "apply", "--step", "root-mfa", "--yes", "--attested-by", " "])
    assert code == 2
    assert "name of the person attesting must be 1 to 120 characters" in capsys.readouterr().err


def test_the_default_export_maps_every_framework(applied):
    doc = json.loads(applied["files"]["json"].read_text())
    assert [v["framework"] for v in doc["framework_views"]] == list(FRAMEWORKS)
    for view in doc["framework_views"]:
        assert (
            view["coverage"]["covered"] > 0
            and sum(view["states"].values()) == view["coverage"]["total"]
        )


@pytest.mark.parametrize("fmt", ["json", "html", "md"])
def test_export_check_accepts_the_file_as_written_and_names_an_edit(applied, fmt, capsys, tmp_path):
    path: Path = applied["files"][fmt]
    assert main(["export", "--check", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    edited = tmp_path / path.name
    text = path.read_text()
    if fmt == "json":
        doc = json.loads(text)
        item = next(m for m in doc["manual_items"] if m["status"] == "ATTESTED")
        item["attested_person"] = "Someone Else"
        edited.write_text(json.dumps(doc, indent=2))
    else:
        edited.write_text(text.replace("NOT ATTESTED", "ATTESTED", 1))
    assert main(["export", "--check", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "changed:" in out
    if fmt == "json":
        assert f"changed: manual item {item['id']}" in out


def test_export_check_refuses_what_is_not_an_export(tmp_path, capsys):
    plain = tmp_path / "notes.md"
    plain.write_text("# notes\n")
    assert main(["export", "--check", str(plain)]) == 2
    assert "not a bootstrap-tui md or html export" in capsys.readouterr().err
    assert main(["export", "--check", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
