"""Import contracts (import_contracts.yaml) hold for bootstrap_tui/ and steps/, and can fail."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
from import_contracts import Contract, import_graph, load_contracts, under, violations

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("bootstrap_tui", "steps")
CONTRACTS = load_contracts()
UI_MODULES = CONTRACTS[0].forbidden


@pytest.fixture(scope="module")
def graph():
    return import_graph(ROOT, PACKAGES)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_contract_holds(contract: Contract, graph):
    assert violations(contract, graph) == []


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_contract_names_modules_that_exist(contract: Contract, graph):
    ours = [p for p in (*contract.modules, *contract.excepted, *contract.forbidden)]
    ours = [p for p in ours if p.split(".")[0] in PACKAGES]
    assert [p for p in ours if not any(under(m, [p]) for m in graph)] == []


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_allowed_imports_still_exist(contract: Contract, graph):
    stale = [edge for edge in contract.allowed if edge[1] not in graph.get(edge[0], {})]
    assert stale == []


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_contract_catches_a_forbidden_import_made_through_another_module(
    contract: Contract, tmp_path
):
    """A module of the contract reaches a forbidden one through a relay (relative import) whose
    import of it sits inside a function: the contract reports the whole chain."""
    top = contract.modules[0]
    package = tmp_path.joinpath(*top.split("."))
    package.mkdir(parents=True)
    for depth in range(1, len(top.split(".")) + 1):
        tmp_path.joinpath(*top.split(".")[:depth], "__init__.py").write_text("")
    package.joinpath("contract_probe.py").write_text("from . import contract_relay\n")
    package.joinpath("contract_relay.py").write_text(
        f"def load():\n    import {contract.forbidden[0]}\n"
    )
    found = violations(contract, import_graph(tmp_path, [top.split(".")[0]]))
    probe = f"{top}.contract_probe:1 -> {top}.contract_relay:2 -> {contract.forbidden[0]}"
    assert probe in found


def test_importing_engine_and_steps_loads_no_ui_toolkit():
    code = (
        "import sys; import bootstrap_tui.engine as e; e.discover_steps(); "
        "import bootstrap_tui.report; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(UI_MODULES)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
