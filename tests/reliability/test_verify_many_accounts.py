"""verify of many member accounts (issue 19, 200 accounts x 4 regions within 250 MB): past
KEEP_CLIENTS_ACCOUNTS it works through the accounts in waves and lets go of each account's
clients, sessions and connections once its last check is done, with the same results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bootstrap_tui import engine as engine_module
from bootstrap_tui.model import Status
from bootstrap_tui.sandbox.environ import environment
from bootstrap_tui.sandbox.seeds import write_seed_profile
from bootstrap_tui.sandbox.testing import client_environment

from conftest import make_engine, reset_sandbox

pytestmark = pytest.mark.slow


def _verify(box: Any, work: Path, keep: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(engine_module, "KEEP_CLIENTS_ACCOUNTS", keep)
    profile = write_seed_profile(work, 3)
    engine = make_engine(box.endpoint, work / f"state-{keep}.yaml", profile=profile)
    assumed: list[str] = []
    engine.factory.on_call = lambda service, op, account, region: (
        assumed.append(op) if op == "AssumeRole" else None
    )
    reported: list[Any] = []
    try:
        run = engine.verify(on_result=reported.append)
        shared = engine.factory._shared
        return {
            "results": [
                (r.check_id, r.account, r.region, r.status, r.evidence) for r in run.results
            ],
            "reported": len(reported),
            "calls": run.calls,
            "assumed": len(assumed),
            "cached_accounts": {key[1] for key in shared.clients if key[1]},
            "sessions": len(shared.sessions),
            "members": len({r.account for r in run.results} - {engine.management_account_id}),
        }
    finally:
        engine.close()


def test_a_verify_past_the_limit_lets_go_of_each_account_with_the_same_results(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reset_sandbox(sandbox, seed="compliant", accounts=3)
    (tmp_path / "kept").mkdir()
    (tmp_path / "released").mkdir()
    with environment(client_environment(sandbox.endpoint)):
        kept = _verify(sandbox, tmp_path / "kept", 1000, monkeypatch)
        released = _verify(sandbox, tmp_path / "released", 0, monkeypatch)

    assert kept["members"] == released["members"] == 5  # 3 workloads, Log Archive, Audit
    assert released["results"] == kept["results"]
    assert all(status != Status.ERROR for *_, status, _ in released["results"])
    assert released["reported"] == kept["reported"] == len(kept["results"])
    assert abs(released["calls"] - kept["calls"]) <= 2  # e.g. one more credential report poll
    assert released["assumed"] == kept["assumed"], "each account's role is assumed once"
    # below the limit every client stays cached for the next verify; past it, none of a member's
    assert len(kept["cached_accounts"]) == 5 and kept["sessions"] >= 5
    assert released["cached_accounts"] == set() and released["sessions"] == 0
