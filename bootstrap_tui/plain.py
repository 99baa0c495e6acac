"""Plain mode (`bootstrap-tui --plain`): the same steps, engine and state file as the
wizard, asked with questionary prompts — for SSH sessions and terminals where a
full-screen app is unwelcome.

Testable without a terminal: pass prompt_toolkit `input`/`output` (e.g.
create_pipe_input() and DummyOutput()) and they reach every prompt.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO
from collections.abc import Callable

from bootstrap_tui.errors import EXIT_INTERRUPTED, EXIT_OK, BootstrapError, ValidationError

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine

DONE = ("verified", "skipped")
SETUP, SKIP, QUIT = "Set up this step now", "Skip it for now", "Quit (progress is saved)"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def validator(field: Any) -> Callable[[str], bool | str]:
    """A questionary validator built on Field.parse: True, or the problem as text."""

    def check(text: str) -> bool | str:
        try:
            field.parse(text)
        except ValidationError as exc:
            return exc.problem
        except BootstrapError as exc:
            return exc.message
        return True

    return check


def profile_line(engine: Any) -> str:
    """Which baseline profile is in use and why (or what switching to it did)."""
    change = getattr(engine, "profile_change", None)
    if change:
        from bootstrap_tui.profile_change import describe_change

        return describe_change(change, "--profile-file")
    origin = {
        "state": "recorded in the state file",
        "default": "the default; --profile-file chooses another",
    }.get(getattr(engine, "profile_origin", ""), "chosen with --profile-file")
    return f"Baseline profile: {engine.profile.name} ({origin})"


class PlainWizard:
    def __init__(
        self,
        engine: Engine,
        *,
        sandbox: bool,
        input: Any = None,
        output: Any = None,
        out: TextIO | None = None,
    ) -> None:
        self.engine = engine
        self.sandbox = sandbox
        self.prompt_kw = {k: v for k, v in (("input", input), ("output", output)) if v is not None}
        self.out = out or sys.stdout

    # ------------------------------------------------------------------ io
    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def _ask(self, question: Any) -> Any:
        answer = question.unsafe_ask()
        return answer

    def select(self, message: str, choices: list[str], default: str | None = None) -> str:
        import questionary

        return self._ask(
            questionary.select(message, choices=choices, default=default, **self.prompt_kw)
        )

    def confirm(self, message: str, default: bool = True) -> bool:
        import questionary

        return bool(self._ask(questionary.confirm(message, default=default, **self.prompt_kw)))

    def text(self, message: str, default: str = "", validate: Any = None) -> str:
        import questionary

        return self._ask(
            questionary.text(message, default=default, validate=validate, **self.prompt_kw)
        )

    # ------------------------------------------------------------------ flow
    def run(self) -> int:
        engine = self.engine
        engine.progress_listeners.append(
            lambda sid, message, done, total: self.say(f"   … {message}")
        )
        identity = engine.identity
        self.say(
            f"Connected to account {engine.management_account_id} as "
            f"{getattr(identity, 'arn', 'unknown')}"
            + (" (SANDBOX: a local fake AWS)" if engine.sandbox_info is not None else "")
        )
        self.say(profile_line(engine))
        from bootstrap_tui.tui.present import is_root

        if is_root(identity):
            self.say(
                "⚠ You are signed in as the ROOT user: bootstrap-tui will not automate as "
                "root. Connect with an IAM user or Identity Center admin instead."
            )
        self.resume()
        total = len(engine.steps)
        for number, step in enumerate(engine.steps, 1):
            status = engine.state.status(step.id)
            if status in DONE:
                self.say(f"[{number}/{total}] {step.title}: {status}")
                continue
            self.say("")
            self.say(f"[{number}/{total}] {step.title} ({status})")
            if step.summary:
                self.say(f"    {step.summary}")
            choice = self.select("What now?", [SETUP, SKIP, QUIT], default=SETUP)
            if choice == QUIT:
                break
            if choice == SKIP:
                continue
            try:
                self.do_step(step)
            except BootstrapError as exc:
                self.say(f"✘ {exc}")
                if not self.confirm("Continue with the next step?", default=False):
                    break
        self.summary()
        return EXIT_OK

    def resume(self) -> None:
        for row in self.engine.status():
            if row["status"] == "in-progress" and row["operations"]:
                self.say(f"Resuming {row['id']}: polling the operation AWS is running…")
                try:
                    self.engine.apply(row["id"])
                    self.verify(row["id"])
                except BootstrapError as exc:
                    self.say(f"✘ {exc}")

    def ask_inputs(self, step: Any, only: str | None = None) -> None:
        """Ask the step's fields (or only the field named `only`) and store what changed."""
        engine = self.engine
        fields = [f for f in engine.fields(step) if only is None or f.name == only]
        if not fields:
            return
        raw: dict[str, Any] = {}
        for field in fields:
            value, source = engine.raw_answer(step, field.name)
            label = f"{field.label}" + (f" ({field.help})" if field.help else "")
            if field.kind == "bool":
                raw[field.name] = self.confirm(label, default=bool(value))
            elif field.kind == "choice" and field.choices:
                raw[field.name] = self.select(
                    label, list(field.choices), default=value if value in field.choices else None
                )
            else:
                raw[field.name] = self.text(label, default=_text(value), validate=validator(field))
            try:
                advice = field.warning(field.parse(raw[field.name]), raw)
            except BootstrapError:
                advice = None
            if advice:
                self.say(f"   ! {advice}")
        try:
            current = engine.answers(step.id)
        except BootstrapError:
            current = {}
        changed = {}
        for field in fields:
            if field.parse(raw[field.name]) != current.get(field.name):
                changed[field.name] = raw[field.name]
        if changed:
            engine.set_answers(step.id, changed)

    def plan(self, step: Any) -> Any:
        """The step's plan; a field the plan finds invalid (e.g. two accounts with one email)
        is asked again, alone, until the plan accepts it."""
        while True:
            try:
                return self.engine.plan(step.id)
            except ValidationError as exc:
                field = next((f for f in self.engine.fields(step) if f.name == exc.field), None)
                if field is None:
                    raise
                self.say(f"   ✘ {field.label}: {exc.problem}")
                self.ask_inputs(step, only=field.name)

    def do_step(self, step: Any) -> None:
        engine = self.engine
        self.ask_inputs(step)
        plan = self.plan(step)
        if plan.skipped:
            self.say(f"   – does not apply: {plan.skipped}")
            engine.apply(step.id, plan)
            return
        if plan.blocked:
            self.say(f"   ✘ blocked: {plan.blocked}")
            for note in plan.notes:
                self.say(f"   · {note}")
            return
        confirmed = False
        if plan.converged:
            self.say("   ✔ up to date: nothing to change")
            for kept in plan.kept:
                self.say(f"   {kept.mark} {kept.describe()}")
            self.costs(plan)
        else:
            self.say(f"   Plan: {len(plan.changes)} change(s)")
            for line in [*plan.changes, *plan.kept]:
                self.say(f"   {line.mark} {line.describe()}")
            for note in plan.notes:
                self.say(f"   · {note}")
            self.costs(plan)
            if not self.confirm(f"Apply these {len(plan.changes)} change(s)?", default=True):
                self.say("   not applied; nothing was changed")
                return
            if plan.destructive:
                word = self.text(
                    f"{len(plan.destructive)} change(s) are {plan.confirm_kind}. Type {step.id!r} or "
                    "'delete' to confirm (anything else cancels)"
                )
                confirmed = word.strip().lower() in (step.id, "delete")
                if not confirmed:
                    self.say("   not confirmed; nothing was changed")
                    return
        from bootstrap_tui.aws import refuse_root

        refuse_root(engine.identity)
        engine.apply(step.id, plan, confirm_destructive=lambda p: confirmed)
        self.manual(step)
        self.verify(step.id)

    def costs(self, plan: Any) -> None:
        """The expected monthly cost of what the step turns on (same lines as `plan`)."""
        from bootstrap_tui.costs import cost_lines, plan_cost

        for line in cost_lines(plan_cost(self.engine, plan)):
            self.say(f"   {line}")

    def manual(self, step: Any) -> None:
        engine = self.engine
        for item in step.manual:
            if engine.state.attestation(item.id):
                continue
            self.say(f"   ☐ manual: {item.title}")
            self.say(f"     {item.instructions}")
            if engine.sandbox_info is not None and step.id == "root-mfa":
                if self.confirm("Simulate the console action (sandbox only)?", default=True):
                    engine.context(step.id).sandbox_root(
                        engine.management_account_id, mfa=True, access_keys=False
                    )
                    engine.attest(
                        item.id, "simulated console action on the sandbox", simulated=True
                    )
                    continue
            if self.confirm("Have you done this?", default=False):
                self.ask_attester()
                engine.attest(item.id, "attested in plain mode")

    def ask_attester(self) -> None:
        """Who vouches for manual items: asked once, kept in the state (a name, no secret)."""
        from bootstrap_tui.state import person_name

        if self.engine.attester() is not None:
            return
        name = self.text(
            "Your name and role, recorded with each attestation (e.g. Jane Doe, CTO):",
            validate=_name_problem,
        )
        with self.engine.state_lock:
            self.engine.state.set_attester(person_name(name))

    def verify(self, step_id: str) -> None:
        from bootstrap_tui.tui.present import check_badge

        run = self.engine.verify([step_id])
        for r in run.results:
            where = "/".join(p for p in (r.account, r.region) if p)
            self.say(f"   {check_badge(r.status):9} {r.check_id} [{where}] {r.message}")
            if r.status.value not in ("PASS",) and r.remediation:
                self.say(f"             fix: {r.remediation}")
        self.say(f"   → {step_id}: {self.engine.state.status(step_id)}")

    def summary(self) -> None:
        from bootstrap_tui.tui.present import progress_line, step_badge

        rows = self.engine.status()
        self.say("")
        self.say(f"Progress: {progress_line(rows)}")
        for row in rows:
            self.say(f"  {step_badge(row['status']):14} {row['title']}")
        self.say("Progress is saved; run again to continue.")


def run_plain(
    options: Any,
    *,
    sandbox: bool,
    input: Any = None,
    output: Any = None,
    out: TextIO | None = None,
    engine_factory: Callable[[Any], Engine] | None = None,
) -> int:
    """Walk the steps with plain prompts (`engine_factory` builds a connected engine).
    Returns the exit code."""
    if engine_factory is None:
        from bootstrap_tui.engine import connect_engine

        engine_factory = connect_engine
    err = sys.stderr
    engine = None
    if options.on_retry is None:
        options.on_retry = say_retry
    try:
        engine = engine_factory(options)
        return PlainWizard(engine, sandbox=sandbox, input=input, output=output, out=out).run()
    except BootstrapError as exc:
        print(f"bootstrap-tui: {exc}", file=err)
        return exc.exit_code
    except (KeyboardInterrupt, EOFError):
        print("\ninterrupted; progress is saved — run again to resume", file=err)
        return EXIT_INTERRUPTED
    finally:
        if engine is not None:
            engine.close()


def _name_problem(value: str) -> bool | str:
    """questionary's validator for the attester's name: True, or what is wrong."""
    from bootstrap_tui.errors import ConfigError
    from bootstrap_tui.state import person_name

    try:
        person_name(value)
    except ConfigError as exc:
        return exc.message
    return True


def say_retry(text: str) -> None:
    """AWS did not answer and the call is sent again: one line on stderr per attempt."""
    print(f"bootstrap-tui: {text}", file=sys.stderr, flush=True)
