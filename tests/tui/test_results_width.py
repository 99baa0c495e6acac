"""Results at 80 columns: each row says where it was seen (account name, id's last digits, region)
within the first 80 columns, so ten rows of one check never read identically."""

from __future__ import annotations

from textual.app import App, ComposeResult

from bootstrap_tui.model import CheckResult, Severity, Status
from bootstrap_tui.tui.widgets.results import ResultsTable, detail_text

NAMES = {"111111110042": "Production", "222222220077": "Staging", "123456789012": "management"}


def _result(account: str, region: str, status: Status = Status.PASS) -> CheckResult:
    return CheckResult(
        check_id="guardrails.ebs-default-encryption",
        step_id="guardrails",
        title="EBS encryption by default",
        status=status,
        severity=Severity.HIGH,
        message="EBS encryption by default is on",
        remediation="",
        account=account,
        region=region,
    )


class _Results(App):
    def compose(self) -> ComposeResult:
        yield ResultsTable(id="results")


async def test_every_row_names_its_account_and_region_within_80_columns():
    results = [_result(a, r) for a in NAMES for r in ("us-east-1", "us-west-2")]
    results[1] = _result("123456789012", "us-west-2", Status.FAIL)
    app = _Results()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResultsTable)
        table.show(results, NAMES)
        await pilot.pause()
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert len({tuple(row[:3]) for row in rows}) == len(results)  # no two rows read the same
        assert rows[0][2] == "Production …0042 us-east-1"
        assert "management …9012 us-west-2" in rows[1][2]
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths[:3]) <= 80, widths  # status, check and where are on screen
        table.move_cursor(row=1)
        await pilot.pause()
        assert "account management (123456789012), region us-west-2" in detail_text(
            table.result_at(1), table.names
        )


async def test_the_footer_keeps_quit_and_help_at_80_columns(make_app):
    from textual.widgets._footer import FooterKey

    from tests.tui.test_wizard_flow import _connect

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _connect(pilot, app)
        keys = {key.description: key.region for key in app.screen.query(FooterKey)}
        for wanted in ("Quit", "Help"):
            assert wanted in keys, sorted(keys)
            region = keys[wanted]
            assert region.width > 0 and region.x + region.width <= 80, (
                wanted,
                region,
                sorted(keys),
            )
