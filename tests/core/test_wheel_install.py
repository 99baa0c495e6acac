"""The built wheel installs into a fresh venv and works without the checkout."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_and_runs_from_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("bootstrap_tui-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "-c",
        str(ROOT / "constraints.txt"),
        str(wheel),
    ]
    subprocess.run(pip, check=True, capture_output=True)
    exe = venv / "bin" / "bootstrap-tui"
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    help_out = subprocess.run([str(exe), "--help"], cwd=outside, capture_output=True, text=True)
    assert help_out.returncode == 0
    assert "verify" in help_out.stdout and "sandbox" in help_out.stdout

    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from bootstrap_tui.resources import data_dir; "
            "print(data_dir('profiles')); print(data_dir('docs'))",
        ],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(str(venv) in p for p in where)
    assert (pathlib.Path(where[0]) / "startup-minimal.yaml").is_file()
    assert (pathlib.Path(where[1]) / "steps" / "organization.md").is_file()
    prices = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from bootstrap_tui.costs import PRICES_FILE, load_prices; "
            "print(PRICES_FILE); print(load_prices().recorded)",
        ],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert str(venv) in prices[0] and prices[1].startswith("20")
    mapped = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from bootstrap_tui.frameworks import FRAMEWORK_DIR, FRAMEWORKS; "
            "from bootstrap_tui.frameworks.mappings import mappings_of; "
            "print(FRAMEWORK_DIR); print(len(list(FRAMEWORK_DIR.glob('*.yaml'))), len(FRAMEWORKS)); "
            "print(mappings_of('root.mfa-enabled')['soc2'])",
        ],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert str(venv) in mapped[0] and mapped[1] == "5 5" and "CC6.1" in mapped[2]

    proc = subprocess.Popen(
        [str(exe), "sandbox", "--port", "0"],
        cwd=outside,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("endpoint: http://127.0.0.1:")
        endpoint = line.split(" ", 1)[1]
        with urllib.request.urlopen(endpoint + "/_sandbox/info", timeout=10) as response:
            info = json.loads(response.read())
        assert info["sandbox"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
