"""The TUI says when an export has no evidence because the evidence file is unusable
(issue 16, item 4); the CLI side is tests/reliability/test_evidence_file.py."""

from __future__ import annotations

from textual.widgets import Input, Static

from bootstrap_tui.report.evidence import evidence_path
from bootstrap_tui.tui.screens.export import ExportScreen
from bootstrap_tui.tui.screens.steps import StepScreen
from tests.tui.conftest import click, wait_for


async def test_export_of_a_corrupt_evidence_file_shows_the_warning(make_app, state_file, tmp_path):
    evidence = evidence_path(state_file)
    evidence.write_text('{"schema_version": 1, "kind": "bootstrap-tui/latest-ev')
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="connect")
        await wait_for(pilot, lambda: not app.screen.query_one("#continue").disabled)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
            what="step screen",
        )
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        target = tmp_path / "checklist.md"
        app.screen.query_one("#export-path", Input).value = str(target)
        await click(pilot, "#export-write")
        result = app.screen.query_one("#export-result", Static)
        await wait_for(
            pilot, lambda: str(result.render()) not in ("", "Writing…"), what="export result"
        )
        lines = str(result.render()).splitlines()
        assert lines[0] == f"✔ Wrote {target}"
        assert lines[1].startswith(
            f"⚠ Warning: the evidence file {evidence} is unusable (it is not valid JSON"
        )
        assert "> **Warning: the evidence file" in target.read_text()
        assert evidence.read_text().endswith("latest-ev")
