"""The core never imports a UI toolkit: only tui/, plain.py and cli.py may."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
UI_MODULES = {"textual", "questionary", "prompt_toolkit", "rich"}
FRONT_ENDS = {"tui", "plain.py", "cli.py"}


def _core_files():
    for base in (ROOT / "bootstrap_tui", ROOT / "steps"):
        for path in base.rglob("*.py"):
            rel = path.relative_to(ROOT / "bootstrap_tui") if base.name == "bootstrap_tui" else None
            if rel is not None and rel.parts[0] in FRONT_ENDS:
                continue
            yield path


def test_core_modules_do_not_import_ui_toolkits():
    offenders = []
    files = list(_core_files())
    assert len(files) > 10
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in UI_MODULES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert offenders == []


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
