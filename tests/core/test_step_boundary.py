"""The typed step boundary (issue 17): steps see a StepContext, the context sees only the
EngineServices protocol, and security-services dispatches apply through an explicit table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bootstrap_tui.context import EngineServices, StepContext
from steps import security_services

ROOT = Path(__file__).resolve().parents[2]
STEP_FILES = sorted((ROOT / "steps").glob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def test_the_context_never_imports_or_names_the_engine():
    tree = _tree(ROOT / "bootstrap_tui" / "context.py")
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert not [m for m in imported if m.startswith("bootstrap_tui.engine")]
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert "Engine" not in names
    assert StepContext.__init__.__annotations__["engine"] == "EngineServices"


@pytest.mark.parametrize("path", STEP_FILES, ids=lambda p: p.name)
def test_every_ctx_parameter_in_steps_is_a_step_context(path):
    untyped = [
        f"{path.name}:{node.lineno} {node.name}"
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef)
        for arg in node.args.args + node.args.kwonlyargs
        if arg.arg == "ctx"
        and not (isinstance(arg.annotation, ast.Name) and arg.annotation.id == "StepContext")
    ]
    assert not untyped, f"ctx not annotated as StepContext: {untyped}"


def test_engine_services_is_what_the_context_uses_of_the_engine():
    members = {name for name in vars(EngineServices) if not name.startswith("_")}
    tree = _tree(ROOT / "bootstrap_tui" / "context.py")
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "engine"
    }
    assert used <= members, f"the context uses more than EngineServices declares: {used - members}"


def _planned_kinds() -> set[str]:
    """Every change kind security-services' plan writes ({"kind": "..."} in its source and in
    the Inspector and AWS Backup parts it plans through)."""
    kinds = set()
    nodes = [
        node
        for name in ("security_services.py", "inspector_scanning.py", "org_backup.py")
        for node in ast.walk(_tree(ROOT / "steps" / name))
    ]
    for node in nodes:
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "kind"
                    and isinstance(value, ast.Constant)
                ):
                    kinds.add(value.value)
    return kinds


def test_security_services_apply_has_one_handler_per_change_kind_its_plan_makes():
    table = security_services.APPLY_HANDLERS
    kinds = [handler.kind for handler in table]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == _planned_kinds()
    step = security_services.SecurityServicesStep
    for handler in table:
        assert getattr(step, handler.run.__name__) is handler.run
    assert kinds.index("config") < kinds.index("sh-admin")  # standards need a recorder first
    assert {h.kind for h in table if h.parallel} == {
        "config",
        "sh-account",
        "contact",
        "inspector-account",
        "backup-role",
        "backup-vault",
        "backup-lock",
    }
