"""The html checklist in a real browser: headless Chromium renders it, prints it to PDF
and takes a screenshot; the tests read what a reader sees.

.ci/run installs Debian's chromium; without it these tests skip, saying so.
The reference screenshot is tests/report/screenshots/checklist-summary.png: it is
compared by structure (one bar per framework, each split as the checklist says), not
pixel by pixel, so fonts may differ between machines. UPDATE_SCREENSHOTS=1 rewrites it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bootstrap_tui.model import FRAMEWORKS
from bootstrap_tui.report.export import BAR_STATES, build_checklist, framework_bars, render_export

from .fixtures import make_run, make_state, make_steps
from .pdftext import pdf_text
from .pngread import read_png

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parent / "screenshots" / "checklist-summary.png"
WINDOW = (1100, 700)
# The bar colours of the html's CSS, per state.
BAR_RGB = {
    "passing": (0x1A, 0x7F, 0x37),
    "failing": (0xCF, 0x22, 0x2E),
    "incomplete": (0xD4, 0xA7, 0x2C),
    "not covered": (0xD8, 0xDE, 0xE4),
}


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no headless Chromium: `apt-get install -y chromium` (.ci/run does it) "
        "to check the html checklist in a real browser"
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The checklist as html, its DOM after Chromium parsed it, its PDF and a screenshot."""
    browser = _chromium()
    home = tmp_path_factory.mktemp("browser")
    state = make_state()
    state["attestations"]["root-mfa.device"]["person"] = "Jane Doe, CTO"
    checklist = build_checklist(
        make_steps(),
        state,
        ["soc2"],
        verify_run=make_run(),
        generated_at="2024-05-03T00:00:00+00:00",
    )
    page = home / "checklist.html"
    page.write_text(render_export(checklist, "html"), encoding="utf-8")
    base = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={home / 'profile'}",
        "--no-pdf-header-footer",
    ]

    def run(*args: str, stdout: bool = False) -> str:
        done = subprocess.run(
            [*base, *args, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "HOME": str(home)},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    dom = run("--dump-dom")
    run(f"--print-to-pdf={home / 'checklist.pdf'}")
    run(f"--screenshot={home / 'summary.png'}", f"--window-size={WINDOW[0]},{WINDOW[1]}")
    return {
        "checklist": checklist,
        "dom": dom,
        "pdf": (home / "checklist.pdf").read_bytes(),
        "png": (home / "summary.png").read_bytes(),
    }


def _pdf_title(pdf: bytes) -> str:
    match = re.search(rb"/Title <FEFF([0-9A-Fa-f]+)>", pdf)
    return bytes.fromhex(match.group(1).decode()).decode("utf-16-be") if match else ""


def test_the_printed_pdf_opens_with_the_summary_on_its_first_page(rendered):
    pdf = rendered["pdf"]
    assert _pdf_title(pdf) == "Setup checklist — 111111111111"
    pages = pdf_text(pdf)
    first = pages[0]
    assert first.startswith("Setup checklist")
    for name in FRAMEWORKS.values():  # a bar per framework, named as a reader knows it
        assert " ".join(name.split()) in " ".join(first.split()), name
    soc2 = next(b for b in framework_bars(rendered["checklist"]) if b["framework"] == "soc2")
    assert f"{soc2['states']['passing']} passing · {soc2['states']['failing']} failing" in first
    for step in rendered["checklist"]["steps"]:
        assert step["title"] in first and step["status"] in first
    assert "Details" not in first, "the details follow on the next page"
    assert pages[1].startswith("Details")


def test_a_failing_row_and_a_control_table_read_as_printed(rendered):
    text = "\n".join(pdf_text(rendered["pdf"]))
    row = text.index("root.no-access-keys\n")
    assert text[:row].rstrip().endswith("FAIL"), "the row starts with its FAIL badge"
    after = text[row : row + 600]
    assert "Remediation:" in after and "root has 1 access key" in after
    assert "AccountAccessKeysPresent: 1" in after, "evidence as key: value lines"
    assert "Control\nTitle\nState\nEvidence" in text
    control = text[text.index("\nCC6.1\n") :]
    assert re.match(
        r"\nCC6\.1\nThe entity implements logical access[^\n]*\n(?:[^\n]*\n){0,3}"
        r"(passing|failing|incomplete)\nroot\.mfa-enabled\nPASS\n",
        control,
    ), control[:400]
    assert "not covered by this baseline" in text
    assert "Jane Doe, CTO (AWS identity arn:aws:iam::111111111111:user/alice)" in " ".join(
        text.split()
    )
    assert "<script>alert('x')</script>" in text, "hostile markup is shown as text, not run"


def test_the_browser_sees_the_summary_first_and_dates_with_tooltips(rendered):
    dom = rendered["dom"]
    assert dom.index('class="summary"') < dom.index('id="details"') < dom.index('id="checks"')
    assert dom.count('class="bar"') == len(FRAMEWORKS)
    assert re.search(r'<span title="first passed [^"]*">\d{4}-\d\d-\d\d</span>', dom)


def _bars(png: bytes) -> list[list[tuple[str, int]]]:
    """Each bar on the screenshot, top to bottom: its segments as (state, pixels)."""
    width, _, rows = read_png(png)
    colours = {rgb: state for state, rgb in BAR_RGB.items()}
    bars, last = [], None
    for row in rows:
        runs, current = [], []
        for x in range(width):
            state = colours.get(tuple(row[3 * x : 3 * x + 3]))
            if state is None:
                if len(current) >= 300:
                    runs.append(current)
                current = []
            else:
                current.append(state)
        if len(current) >= 300:
            runs.append(current)
        if not runs:
            last = None
            continue
        segments = []
        for state in runs[0]:
            if segments and segments[-1][0] == state:
                segments[-1][1] += 1
            else:
                segments.append([state, 1])
        shape = [(s, n) for s, n in segments]
        if last is None:
            bars.append(shape)  # the first full row of a new bar
        last = shape
    return bars


def _fractions(bar: list[tuple[str, int]]) -> list[tuple[str, float]]:
    total = sum(n for _, n in bar)
    return [(state, n / total) for state, n in bar]


def test_screenshot_shows_one_bar_per_framework_split_as_the_checklist_says(rendered):
    bars = _bars(rendered["png"])
    expected = framework_bars(rendered["checklist"])
    assert len(bars) == len(expected) == len(FRAMEWORKS)
    for bar, entry in zip(bars, expected, strict=True):
        want = [(s, entry["states"][s] / entry["total"]) for s in BAR_STATES if entry["states"][s]]
        got = _fractions(bar)
        assert [s for s, _ in got] == [s for s, _ in want], entry["framework"]
        for (_, a), (_, b) in zip(got, want, strict=True):
            assert abs(a - b) < 0.01, (entry["framework"], got, want)
    if os.environ.get("UPDATE_SCREENSHOTS") or not REFERENCE.exists():
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_bytes(rendered["png"])
    reference = [_fractions(bar) for bar in _bars(REFERENCE.read_bytes())]
    assert [[s for s, _ in bar] for bar in reference] == [
        [s for s, _ in bar] for bar in map(_fractions, bars)
    ]
    for ref, bar in zip(reference, map(_fractions, bars), strict=True):
        assert all(abs(a - b) < 0.01 for (_, a), (_, b) in zip(ref, bar, strict=True))
