"""Welcome: what the tool does, how to connect, which baseline, and who you are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.present import is_root
from bootstrap_tui.tui.widgets.header import AppHeader

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine

KEEP = "__recorded__"


def intro(control_tower: bool | None) -> str:
    """The opening text; it names Control Tower only when the chosen profile uses it
    (None: not known yet, e.g. before the state's profile is read)."""
    tower = {
        True: "a Control Tower landing zone, ",
        False: "",
        None: "Control Tower (if the profile uses it), ",
    }[control_tower]
    waits = "new accounts, the landing zone" if control_tower is not False else "new accounts"
    return (
        "bootstrap-tui walks this AWS management account to a compliant multi-account "
        f"organization in ten steps: Organizations and OUs, accounts, {tower}"
        "IAM Identity Center, MFA on root, an immutable log archive, guardrails and "
        "security services. Each step explains why it matters, shows what it will "
        "change before changing anything, and proves the result with read-only calls.\n"
        f"Your time: about 45-60 minutes. AWS's own waits ({waits}) add "
        f"{'1-2 hours' if control_tower is not False else 'up to an hour'}; you can close "
        "the app meanwhile, progress is saved."
    )


def uses_control_tower(name: str) -> bool | None:
    try:
        from bootstrap_tui.profile import load_profile

        return load_profile(name).control_tower_enabled
    except Exception:
        return None


ROOT_WARNING = (
    "⚠ You are signed in as the ROOT user. bootstrap-tui will not automate as root: "
    "root credentials cannot be limited by policies, and a leaked root key gives away "
    "the whole organization. Create an IAM user or Identity Center admin (or use "
    "temporary bootstrap keys) and connect with those instead."
)

MODES = ("profile", "keys", "sandbox")
CHAIN = "__chain__"


def baseline_profiles() -> list[tuple[str, str]]:
    try:
        from bootstrap_tui.profile import list_profiles

        return list(list_profiles())
    except Exception:
        return [("startup-minimal", "the smallest sound baseline for a startup")]


class ChoiceButton(RadioButton):
    """A radio button whose state shows in its shape (● chosen, ○ not), not only in its colour."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else "○"


class WelcomeScreen(Screen[None]):
    """The first screen. The app connects in a worker; this screen only collects choices."""

    app = getters.app(BootstrapApp)

    BINDINGS = [
        Binding("ctrl+s", "connect", "Connect"),
        Binding("ctrl+n", "continue", "Continue", show=False),
    ]

    def __init__(
        self,
        *,
        mode: str,
        aws_profile: str | None,
        baseline: str | None,
        auto_connect: bool,
        endpoint: str | None,
    ) -> None:
        super().__init__(id="welcome")
        self.mode = mode
        self.aws_profile = aws_profile
        self.baseline = baseline
        self.auto_connect = auto_connect
        self.endpoint = endpoint
        self.profiles = baseline_profiles()
        names = [n for n, _ in self.profiles]
        if baseline and baseline not in names:
            self.profiles.append((baseline, "from --profile-file"))
        self.engine: Engine | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="welcome-body"):
            yield Static("Welcome to bootstrap-tui", id="welcome-title")
            yield Static(
                intro(uses_control_tower(self.baseline) if self.baseline else None), id="intro"
            )
            yield Label("1. How to connect", classes="section")
            with RadioSet(id="connect-mode"):
                yield ChoiceButton(
                    "AWS profile from ~/.aws/config",
                    id="mode-profile",
                    value=self.mode == "profile",
                )
                yield ChoiceButton(
                    "Temporary bootstrap keys (kept in the OS keychain)",
                    id="mode-keys",
                    value=self.mode == "keys",
                )
                yield ChoiceButton(
                    "Built-in sandbox (a local fake AWS, for a demo)",
                    id="mode-sandbox",
                    value=self.mode == "sandbox",
                )
            with Vertical(id="profile-box", classes="mode-box"):
                initial = self.aws_profile or CHAIN
                options = [("(default credential chain)", CHAIN)]
                if self.aws_profile:
                    options.append((self.aws_profile, self.aws_profile))
                yield Select(options, value=initial, allow_blank=False, id="aws-profile")
                if self.endpoint:
                    yield Static(f"endpoint: {self.endpoint}", classes="muted")
            with Vertical(id="keys-box", classes="mode-box"):
                yield Static(
                    "Keys of a temporary IAM user; stored only in the OS keychain, "
                    "deleted by the bootstrap-cleanup step.",
                    classes="muted",
                )
                yield Input(
                    placeholder="access key id (leave empty to use stored keys)", id="key-id"
                )
                yield Input(placeholder="secret access key", password=True, id="key-secret")
            yield Label("2. Baseline profile", classes="section")
            yield Select(
                self._baseline_options(),
                value=self.baseline or KEEP,
                allow_blank=False,
                id="baseline",
            )
            yield Static("", id="baseline-note", classes="muted")
            with Horizontal(id="welcome-actions"):
                yield Button("Connect", id="connect", variant="primary")
                yield Button("Continue →", id="continue", variant="success", disabled=True)
            yield Static("Not connected yet.", id="identity")
        yield Footer()

    def on_mount(self) -> None:
        self._show_mode()
        if self.auto_connect:
            self.action_connect()
        else:
            self.query_one("#connect-mode", RadioSet).focus()

    # ------------------------------------------------------------------ choices
    @on(RadioSet.Changed, "#connect-mode")
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        self.mode = MODES[event.index]
        self._show_mode()

    def _show_mode(self) -> None:
        self.query_one("#profile-box").display = self.mode == "profile"
        self.query_one("#keys-box").display = self.mode == "keys"

    def set_aws_profiles(self, names: list[str]) -> None:
        select = self.query_one("#aws-profile", Select)
        current = select.value
        options = [("(default credential chain)", CHAIN)] + [(n, n) for n in names]
        if self.aws_profile and self.aws_profile not in names:
            options.append((self.aws_profile, self.aws_profile))
        select.set_options(options)
        values = [v for _, v in options]
        select.value = current if current in values else CHAIN

    def _baseline_options(self, keep: bool = True) -> list[tuple[str, str]]:
        options = [(f"{name} — {desc}" if desc else name, name) for name, desc in self.profiles]
        if keep and not self.baseline:
            options.insert(0, ("as recorded for this account (a new one: startup-minimal)", KEEP))
        return options

    @on(Select.Changed, "#baseline")
    def _baseline_changed(self) -> None:
        value = self.query_one("#baseline", Select).value  # now, not when the event was sent
        if value in (KEEP, Select.NULL):
            return
        self.query_one("#intro", Static).update(intro(uses_control_tower(str(value))))
        engine = self.engine
        if engine is not None and engine is self.app.engine and value != engine.profile.name:
            self.app.switch_profile(str(value))  # asks first, listing the steps it affects

    def show_baseline(self, engine: Engine) -> None:
        """Show the profile the connected engine uses, and why."""
        self.engine = engine
        name = engine.profile.name
        if name not in [n for n, _ in self.profiles]:
            self.profiles.append((name, "from a profile file"))
        select = self.query_one("#baseline", Select)
        select.set_options(self._baseline_options(keep=False))
        select.value = name
        origin = {
            "state": "recorded for this account in the state file",
            "default": "the default for a new account; change it here",
        }.get(getattr(engine, "profile_origin", ""), "your choice")
        self.query_one("#baseline-note", Static).update(f"Using {name}: {origin}.")
        self.query_one("#intro", Static).update(intro(uses_control_tower(name)))

    def choices(self) -> dict[str, Any]:
        profile = self.query_one("#aws-profile", Select).value
        baseline = self.query_one("#baseline", Select).value
        return {
            "mode": self.mode,
            "aws_profile": None if profile in (CHAIN, Select.NULL) else profile,
            "key_id": self.query_one("#key-id", Input).value.strip(),
            "secret": self.query_one("#key-secret", Input).value.strip(),
            "baseline": None if baseline in (KEEP, Select.NULL) else baseline,
        }

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#connect")
    def action_connect(self) -> None:
        self.query_one("#identity", Static).update("Connecting…")
        self.query_one("#connect", Button).disabled = True
        self.app.start_connect(self.choices())

    @on(Button.Pressed, "#continue")
    def action_continue(self) -> None:
        if not self.query_one("#continue", Button).disabled:
            self.app.open_steps()

    # ------------------------------------------------------------------ results
    def show_connecting(self, what: str) -> None:
        self.query_one("#identity", Static).update(what)

    def show_identity(self, engine: Engine) -> None:
        identity = engine.identity
        lines = [
            f"✔ Connected to account {engine.management_account_id}",
            f"  as {getattr(identity, 'arn', 'unknown')}",
        ]
        if engine.sandbox_info is not None:
            lines.append("  endpoint: SANDBOX (local fake AWS; nothing real is changed)")
        elif engine.endpoint_url:
            lines.append(f"  endpoint: {engine.endpoint_url}")
        panel = self.query_one("#identity", Static)
        if is_root(identity):
            lines += ["", ROOT_WARNING]
            panel.add_class("-root")
        else:
            panel.remove_class("-root")
        panel.update("\n".join(lines))
        self.show_baseline(engine)
        self.query_one("#connect", Button).disabled = False
        self.query_one("#connect", Button).label = "Reconnect"
        button = self.query_one("#continue", Button)
        button.disabled = False
        button.focus(scroll_visible=False)
        self.call_after_refresh(lambda: panel.scroll_visible(animate=False, top=False))

    def show_failure(self, text: str) -> None:
        self.query_one("#identity", Static).update(f"✘ {text}")
        self.query_one("#connect", Button).disabled = False
