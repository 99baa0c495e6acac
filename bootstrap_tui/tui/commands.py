"""Command palette (ctrl+p): jump to a step, verify all, export, switch baseline profile."""

from __future__ import annotations

from functools import partial
from typing import Any
from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider


class WizardCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app: Any = self.app
        engine = getattr(app, "engine", None)
        out: list[tuple[str, Callable[[], Any], str]] = []
        if engine is None:
            return out
        for index, step in enumerate(engine.steps, 1):
            out.append(
                (
                    f"Go to step {index}: {step.title}",
                    partial(app.open_steps, step.id),
                    f"jump to the {step.id} step",
                )
            )
        screen = getattr(app, "step_screen", None)
        if screen is not None and app._live(screen):
            sid = screen.step_id
            out += [
                (f"Plan {sid} (ctrl+r)", screen.action_plan, "show what apply would change"),
                (f"Apply {sid} (ctrl+g)", screen.action_apply, "asks before changing anything"),
                (f"Verify {sid} (ctrl+t)", screen.action_verify, "run the step's checks"),
            ]
            if engine.sandbox_info is not None:
                out.append(
                    (
                        "Simulate console action (ctrl+o)",
                        screen.action_simulate,
                        "sandbox only: the root-mfa step's console actions",
                    )
                )
        out.append(
            (
                "Verify all",
                app.verify_all_command,
                "run every check read-only and open the dashboard",
            )
        )
        out.append(("Dashboard", app.open_dashboard, "results of the whole baseline"))
        out.append(("Export checklist", app.open_export, "write md/csv/json/html/answers"))
        from bootstrap_tui.tui.screens.welcome import baseline_profiles

        for name, desc in baseline_profiles():
            if name != engine.profile.name:
                out.append(
                    (f"Switch baseline profile to {name}", partial(app.switch_profile, name), desc)
                )
        out.append(("Help", app.action_help, "keys and how the wizard works"))
        return out

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
