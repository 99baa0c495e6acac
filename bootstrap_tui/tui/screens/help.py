"""The help screen (F1 or ?)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

HELP = """\
# Help

**Moving around** — ↑/↓ choose a step in the sidebar (Enter opens its inputs),
`n`/`b` next/previous step, `1`-`4` switch tabs (About, Inputs, Plan, Results),
`s` back to the step list, Tab moves between controls; the mouse works everywhere.

**Typing** — opening *Inputs* puts the cursor in the first field; while a field has
focus every letter goes into it, `Esc` leaves it. From a field: `ctrl+r` plan,
`ctrl+g` apply, `ctrl+t` verify, `ctrl+o` simulate the console action (sandbox).

**Doing a step** — fill the *Inputs* (checked as you type), `ctrl+s` saves them,
`p` shows the plan (nothing changes), `a` applies after a confirmation that lists
every change (destructive ones need the step id or `delete` typed), then the step
verifies itself. `v` verifies again at any time. Manual items are ticked on the
*Results* tab once you did them in the console (`m` jumps to the next one, space ticks).

**Everything** — `d` dashboard (whole baseline, `f` failures only),
`e` export a checklist, `ctrl+p` command palette (jump to a step, verify all,
export, switch baseline profile: it lists the steps that change first),
`F1`/`?` this help, `ctrl+q` quit. The header shows the baseline profile in use.

**Quitting is always safe** — progress is saved after every change. Long AWS
operations keep running in AWS; the next start resumes polling by itself.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with VerticalScroll():
                yield Markdown(HELP, id="help-text")
            yield Static("Esc closes this help.", classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)
