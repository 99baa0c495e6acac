"""The step view: sidebar of steps; for the selected one its docs, inputs, plan and
verification results; actions that the app runs in workers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec
from collections.abc import Callable

from rich.markup import escape
from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    ListView,
    Markdown,
    Static,
    TabbedContent,
    TabPane,
)

from bootstrap_tui.costs import cost_lines, plan_cost
from bootstrap_tui.errors import BootstrapError
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.present import check_badge, doc_markdown, step_badge
from bootstrap_tui.tui.screens.attester import AskAttester
from bootstrap_tui.tui.widgets.form import FieldRow, StepForm
from bootstrap_tui.tui.widgets.header import AppHeader
from bootstrap_tui.tui.widgets.operation import OperationPanel
from bootstrap_tui.tui.widgets.results import ResultsTable, detail_text
from bootstrap_tui.tui.widgets.sidebar import StepSidebar

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine

P = ParamSpec("P")


def when_ready(
    method: Callable[Concatenate[StepScreen, P], None],
) -> Callable[Concatenate[StepScreen, P], None]:
    """Run now when the screen is composed, else queue until it is (app handlers may
    deliver worker results before the screen has mounted)."""

    def wrapper(self: StepScreen, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if getattr(self, "ready", False) and self.query(StepSidebar):
            return method(self, *args, **kwargs)
        self.queued.append((method, args, kwargs))
        return None

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


SIMULATE_LABEL = "Simulate console action (sandbox only)"


def manual_label(title: str, attested: Any) -> str:
    """The label of a manual item's tick box; a simulated attestation (sandbox) says so."""
    if not attested:
        return f"to do: {title}"
    simulated = isinstance(attested, dict) and attested.get("simulated")
    return f"attested (SIMULATED on the sandbox): {title}" if simulated else f"attested: {title}"


class ManualBox(Checkbox):
    """A manual item's tick box: one glyph, its state in its shape (✔ done, blank to do)."""

    item_id: str
    item_title: str

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "✔" if self.value else " "


def _cut(text: Any, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


SIMULATED_STEPS = ("root-mfa",)


class StepScreen(Screen[None]):
    app = getters.app(BootstrapApp)

    BINDINGS = [
        Binding("p", "plan", "Plan"),
        Binding("a", "apply", "Apply"),
        Binding("v", "verify", "Verify"),
        Binding("ctrl+s", "save", "Save"),
        Binding("d", "dashboard", "Dashboard"),
        Binding("e", "export", "Export"),
        Binding("n", "next_step", "Next step", show=False),
        Binding("b", "previous_step", "Previous step", show=False),
        Binding("1", "tab('tab-about')", "About", show=False),
        Binding("2", "tab('tab-inputs')", "Inputs", show=False),
        Binding("3", "tab('tab-plan')", "Plan", show=False),
        Binding("4", "tab('tab-verify')", "Results", show=False),
        Binding("s", "focus_sidebar", "Steps", show=False),
        Binding("m", "manual", "Manual items", show=False),
        # the same from inside a field, where printable keys are typed (widgets/form.py)
        Binding("ctrl+r", "plan", "Plan", show=False),
        Binding("ctrl+g", "apply", "Apply", show=False),
        Binding("ctrl+t", "verify", "Verify", show=False),
        Binding("ctrl+o", "simulate", "Simulate console action", show=False),
    ]

    def __init__(self, engine: Engine, *, select: str | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.initial = select
        self.step_id: str = select or engine.steps[0].id
        self.plans: dict[str, Any] = {}
        self.results: dict[str, list[Any]] = {}
        self.ready = False
        self.queued: list[Any] = []
        self._debounce: Any = None
        self._pending_step: str | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="step-body"):
            yield StepSidebar(self.engine.status(), self.step_id, id="sidebar")
            with Vertical(id="main"):
                yield Static("", id="step-head")
                with TabbedContent(id="tabs", initial="tab-about"):
                    with TabPane("About", id="tab-about"):
                        with VerticalScroll(id="doc-scroll"):
                            yield Markdown("", id="doc")
                    with TabPane("Inputs", id="tab-inputs"):
                        yield VerticalScroll(id="form-holder")
                    with TabPane("Plan", id="tab-plan"):
                        yield Static(
                            "No plan yet: press Plan (p) to see what would change.",
                            id="plan-summary",
                        )
                        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
                        yield Static("", id="plan-detail")
                        yield Static("", id="plan-notes")
                    with TabPane("Results", id="tab-verify"):
                        with VerticalScroll(id="verify-scroll"):
                            yield Static(
                                "Not verified in this session yet: press Verify now (v).",
                                id="verify-summary",
                            )
                            yield Vertical(id="manual-list")
                            with Horizontal(id="verify-actions"):
                                yield Button("Verify now", id="verify2", compact=True)
                                yield Button(
                                    SIMULATE_LABEL, id="simulate", compact=True, variant="warning"
                                )
                            yield ResultsTable(id="results")
                            yield Static("", id="result-detail")
                yield OperationPanel(id="operation")
                with Horizontal(id="actions"):
                    yield Button("Save answers", id="save", compact=True)
                    yield Button("Plan", id="plan", compact=True, variant="primary")
                    yield Button("Apply", id="apply", compact=True, variant="success")
                    yield Button("Verify now", id="verify", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_show)

    def _first_show(self) -> None:
        self.ready = True
        self.sidebar.select(self.step_id)
        self.show_step(self.step_id)
        self.sidebar.list_view.focus()
        queued, self.queued = self.queued, []
        for method, args, kwargs in queued:
            method(self, *args, **kwargs)

    @property
    def sidebar(self) -> StepSidebar:
        return self.query_one(StepSidebar)

    @property
    def operation(self) -> OperationPanel:
        return self.query_one(OperationPanel)

    # ------------------------------------------------------------------ selection
    @on(ListView.Highlighted, "#step-list")
    def _highlighted(self, event: ListView.Highlighted) -> None:
        # The sidebar moves at once; the (heavier) detail pane follows when the keys
        # settle, so holding ↓ never queues up work on the UI thread.
        step_id = getattr(event.item, "step_id", None)
        if not step_id:
            return
        self._cancel_pending()
        self._pending_step = step_id
        self._debounce = self.set_timer(0.08, self._show_pending)

    def _cancel_pending(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _show_pending(self) -> None:
        self._debounce = None
        step_id = self._pending_step
        if step_id and step_id != self.step_id:
            self.show_step(step_id)

    @on(ListView.Selected, "#step-list")
    def _selected(self, event: ListView.Selected) -> None:
        self._show_pending()
        self.action_tab("tab-inputs" if self.engine.fields(self.step) else "tab-plan")

    @property
    def step(self) -> Any:
        return self.engine.by_id[self.step_id]

    def show_step(self, step_id: str) -> None:
        if self.ready and step_id != self.step_id:
            self.keep_answers()
        self.step_id = step_id
        if not self.ready:
            return
        step = self.step
        self.refresh_head()
        self.query_one("#doc", Markdown).update(doc_markdown(step))
        self._mount_form()
        self._show_plan(self.plans.get(step_id))
        self._show_results(self.results.get(step_id))
        self._mount_manual()
        sandbox = self.engine.sandbox_info is not None
        self.query_one("#simulate", Button).display = sandbox and step_id in SIMULATED_STEPS

    @when_ready
    def refresh_head(self) -> None:
        step = self.step
        number = [s.id for s in self.engine.steps].index(step.id) + 1
        status = self.engine.state.status(step.id)
        head = Text()
        head.append(f"{number}. {step.title}", style="bold")
        head.append(f"  {step_badge(status)}")
        error = self.engine.state.data["steps"].get(step.id, {}).get("error")
        if status == "failed" and error:
            head.append(f"\n✘ {error}", style="red")
        self.query_one("#step-head", Static).update(head)

    @when_ready
    def refresh_status(self) -> None:
        self.sidebar.refresh_status(self.engine.status())
        self.refresh_head()

    # ------------------------------------------------------------------ inputs
    def _form_rows(self) -> list[tuple[Any, Any, str]]:
        rows = []
        for field in self.engine.fields(self.step):
            try:
                value, source = self.engine.raw_answer(self.step, field.name)
            except BootstrapError:
                value, source = None, "missing"
            rows.append((field, value, source))
        return rows

    def _mount_form(self) -> None:
        holder = self.query_one("#form-holder", VerticalScroll)
        holder.remove_children()
        self._form = StepForm(self.step_id, self._form_rows())
        holder.mount(self._form)

    @property
    def form(self) -> StepForm | None:
        form = getattr(self, "_form", None)
        return form if form is not None and form.step_id == self.step_id else None

    def save_answers(self, *, quiet: bool = False) -> bool:
        """Validate the form and store changed answers. False when invalid."""
        form = self.form
        if form is None or not form.rows:
            return True
        ok, raw, parsed = form.validate_all()
        if not ok:
            self.action_tab("tab-inputs")
            self.app.notify(
                "Some inputs are not valid; see the messages under them.",
                title="Inputs",
                severity="error",
            )
            return False
        try:
            current = self.engine.answers(self.step_id)
        except BootstrapError:
            current = {}
        changed = {k: raw[k] for k in raw if parsed.get(k) != current.get(k)}
        if not changed:
            if not quiet:
                self.app.notify("Answers are up to date.", title="Inputs")
            return True
        try:
            self.engine.set_answers(self.step_id, changed)
        except BootstrapError as exc:
            self.app.show_error(exc, kind="save")
            return False
        self.plans.pop(self.step_id, None)
        self._show_plan(None)
        self.refresh_status()
        self.app.notify(f"Saved {len(changed)} answer(s).", title="Inputs")
        return True

    def keep_answers(self) -> int:
        """Store every valid input the user changed but did not save yet (on leaving the
        step or quitting), so typed answers are never lost. Returns how many were kept."""
        form = self.form
        if form is None or not form.rows or not form.is_mounted:
            return 0
        try:
            current = self.engine.answers(self.step_id)
        except BootstrapError:
            current = {}
        changed: dict[str, Any] = {}
        for row in form.query(FieldRow):
            try:
                value = row.field.parse(row.raw)
            except BootstrapError:
                continue
            if value != current.get(row.field.name) and row.raw != row.initial:
                changed[row.field.name] = row.raw
        if not changed:
            return 0
        try:
            self.engine.set_answers(self.step_id, changed)
        except BootstrapError:
            return 0
        self.plans.pop(self.step_id, None)
        return len(changed)

    # ------------------------------------------------------------------ plan
    def _show_plan(self, plan: Any) -> None:
        table = self.query_one("#plan-table", DataTable)
        table.clear(columns=True)
        self.query_one("#plan-detail", Static).update("")
        summary = self.query_one("#plan-summary", Static)
        notes = self.query_one("#plan-notes", Static)
        self._plan_rows: list[Any] = []
        if plan is None:
            status = self.engine.state.status(self.step_id)
            if status in ("applied", "verified", "manual-pending"):
                summary.update(
                    f"Applied ({step_badge(status)}). Plan (p) checks that nothing "
                    "is left to change."
                )
            else:
                summary.update("No plan yet: press Plan (p) to see what would change.")
            notes.update("")
            table.display = False
            return
        if plan.skipped:
            summary.update(f"– This step does not apply: {plan.skipped}")
        elif plan.blocked:
            summary.update(f"✘ Blocked: {plan.blocked}")
        elif plan.converged:
            summary.update("✔ Up to date: nothing to change. Apply (a) marks it done and verifies.")
        else:
            destructive = len(plan.destructive)
            extra = f", {destructive} DESTRUCTIVE" if destructive else ""
            summary.update(
                f"{len(plan.changes)} change(s){extra}. Apply (a) asks for confirmation first."
            )
        changes = list(plan.changes)
        self._plan_rows = changes
        table.display = bool(changes)
        # columns without a value in any row are left out, so the table fits 80 columns
        columns = [
            ("", None),
            ("Action", "action"),
            ("Resource", "resource"),
            ("Name", "name"),
            ("Account", "account"),
            ("Region", "region"),
            ("Detail", "detail"),
        ]
        columns = [
            (label, attr)
            for label, attr in columns
            if attr in (None, "action", "resource", "name")
            or any(getattr(c, attr) for c in changes)
        ]
        table.add_columns(*(label for label, _ in columns))
        for change in changes:
            cells: list[Any] = []
            for _, attr in columns:
                if attr is None:
                    cells.append(Text(change.mark, style="bold red") if change.mark != "+" else "+")
                else:
                    cells.append(_cut(getattr(change, attr) or "–", 40))
            table.add_row(*cells)
        self._show_change(0)
        lines = [escape(f"{kept.mark} {kept.describe()}") for kept in plan.kept]
        lines += [f"· {note}" for note in plan.notes]
        for item in plan.manual:
            record = self.engine.state.attestation(item.id)
            done = (
                "to do by hand"
                if not record
                else "attested, SIMULATED"
                if record.get("simulated")
                else "attested"
            )
            lines.append(f"☐ manual: {item.title} ({done})")
        lines += cost_lines(plan_cost(self.engine, plan))
        notes.update("\n".join(lines))

    @on(DataTable.RowHighlighted, "#plan-table")
    def _change_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_change(event.cursor_row)

    def _show_change(self, index: int) -> None:
        rows = getattr(self, "_plan_rows", [])
        if 0 <= index < len(rows):
            change = rows[index]
            mark = (
                "!! IRREVERSIBLE: "
                if change.irreversible
                else "! DESTRUCTIVE: "
                if change.destructive
                else "+ "
            )
            where = ", ".join(
                f"{k} {v}" for k, v in (("account", change.account), ("region", change.region)) if v
            )
            self.query_one("#plan-detail", Static).update(
                f"{mark}{change.describe()}" + (f" ({where})" if where else "")
            )

    @when_ready
    def show_plan(self, step_id: str, plan: Any) -> None:
        self.plans[step_id] = plan
        if step_id == self.step_id:
            self._show_plan(plan)
            self.action_tab("tab-plan")
        self.refresh_status()

    # ------------------------------------------------------------------ verify
    def _show_results(self, results: list[Any] | None) -> None:
        table = self.query_one(ResultsTable)
        summary = self.query_one("#verify-summary", Static)
        self.query_one("#result-detail", Static).update("")
        if results is None:
            table.clear()
            summary.update("Not verified in this session yet: press Verify now (v).")
            return
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status.value] = counts.get(r.status.value, 0) + 1
        summary.update(
            "  ".join(f"{check_badge(k)}: {v}" for k, v in sorted(counts.items()))
            or "This step has no checks."
        )
        table.show(results, self.engine.known_account_names())

    @when_ready
    def show_results(self, step_ids: list[str] | None, results: list[Any]) -> None:
        for sid in step_ids or [s.id for s in self.engine.steps]:
            self.results[sid] = [r for r in results if r.step_id == sid]
        if step_ids is None or self.step_id in step_ids:
            self._show_results(self.results.get(self.step_id))
            self._mount_manual()
            if step_ids is not None:
                self.action_tab("tab-verify")
        self.refresh_status()

    @on(DataTable.RowHighlighted, "#results")
    def _result_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(ResultsTable)
        result = table.result_at(event.cursor_row)
        self.query_one("#result-detail", Static).update(
            detail_text(result, table.names) if result else ""
        )

    def _mount_manual(self) -> None:
        holder = self.query_one("#manual-list", Vertical)
        holder.remove_children()
        items = list(self.step.manual)
        if not items:
            return
        widgets: list[Any] = [Static(self._manual_header_text(), classes="section manual-header")]
        for item in items:
            attested = self.engine.state.attestation(item.id)
            box = ManualBox(
                manual_label(item.title, attested),
                value=bool(attested),
                disabled=bool(attested),
                classes="attest",
            )
            box.item_id = item.id
            box.item_title = item.title
            widgets.append(box)
            widgets.append(Static(item.instructions, classes="manual-help"))
        holder.mount_all(widgets)

    def _manual_header_text(self) -> str:
        items = list(self.step.manual)
        left = sum(1 for item in items if not self.engine.state.attestation(item.id))
        if not left:
            return f"Manual items: all {len(items)} attested; Verify now checks what AWS shows"
        return (
            f"Manual items: {left} of {len(items)} to do (only a human can do these, in "
            "the console; tick each when done, then Verify now)"
        )

    def _focus_next_manual(self) -> bool:
        for box in self.query(".attest").results(Checkbox):
            if not box.value and not box.disabled:
                box.focus()
                return True
        return False

    @on(Checkbox.Changed, ".attest")
    def _attest(self, event: Checkbox.Changed) -> None:
        box = event.checkbox
        item_id = getattr(box, "item_id", None)
        if not isinstance(box, ManualBox) or not item_id or not event.value:
            return
        if self.engine.state.attestation(item_id):
            return
        if self.engine.attester() is None:  # asked once: who vouches for it
            self.app.push_screen(AskAttester(), lambda name: self._named(box, name))
            return
        self._record_attestation(box)

    def _named(self, box: ManualBox, name: str | None) -> None:
        if not name:
            box.value = False
            return
        with self.engine.state_lock:
            self.engine.state.set_attester(name)
        self._record_attestation(box)

    def _record_attestation(self, box: ManualBox) -> None:
        try:
            self.engine.attest(box.item_id, "attested in the wizard")
        except BootstrapError as exc:
            self.app.show_error(exc, kind="attest")
            return
        box.disabled = True
        box.label = manual_label(getattr(box, "item_title", ""), True)
        for header in self.query(".manual-header").results(Static):
            header.update(self._manual_header_text())
        self.refresh_status()
        self._focus_next_manual()
        self.app.notify(
            "Attestation recorded. Verify now (v) checks what the API can show.",
            title="Manual item",
        )

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save_answers()

    @on(Button.Pressed, "#plan")
    def action_plan(self) -> None:
        if self.save_answers(quiet=True):
            self.app.start_plan(self.step_id)

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if self.save_answers(quiet=True):
            self.app.request_apply(self.step_id, self.plans.get(self.step_id))

    @on(Button.Pressed, "#verify")
    @on(Button.Pressed, "#verify2")
    def action_verify(self) -> None:
        self.app.start_verify([self.step_id])

    @on(Button.Pressed, "#simulate")
    def action_simulate(self) -> None:
        if self.engine.sandbox_info is None or self.step_id not in SIMULATED_STEPS:
            self.app.notify(
                "Console actions can be simulated only on the sandbox, for the root-mfa step.",
                timeout=4,
            )
            return
        self.app.start_simulate(self.step_id)

    def action_dashboard(self) -> None:
        self.app.open_dashboard()

    def action_export(self) -> None:
        self.app.open_export()

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        if tab == "tab-inputs":
            self.call_after_refresh(self.focus_field)

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_opened(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-inputs":
            self.call_after_refresh(self.focus_field)

    def focus_field(self) -> None:
        """Put the cursor in the form's first invalid field, else its first, so typing goes there."""
        form = self.form
        if form is not None and form.is_mounted:
            form.focus_first()

    def action_manual(self) -> None:
        """Focus the first manual item not ticked yet (space ticks it)."""
        self.action_tab("tab-verify")
        if not self._focus_next_manual():
            self.app.notify("No manual items left to tick for this step.", timeout=3)

    def action_focus_sidebar(self) -> None:
        self.sidebar.list_view.focus()

    def _move(self, delta: int) -> None:
        ids = [s.id for s in self.engine.steps]
        index = max(0, min(len(ids) - 1, ids.index(self.step_id) + delta))
        self.select_step(ids[index])

    def action_next_step(self) -> None:
        self._move(1)

    def action_previous_step(self) -> None:
        self._move(-1)

    @when_ready
    def select_step(self, step_id: str) -> None:
        """Show `step_id` now; a highlight still waiting out its debounce must not move it back."""
        self._cancel_pending()
        self._pending_step = step_id
        self.sidebar.select(step_id)
        if step_id != self.step_id:
            self.show_step(step_id)

    # ------------------------------------------------------------------ long operations
    # The panel follows the apply that started while it was free; others run in the
    # background, shown in the sidebar (app.running), until they finish.
    @when_ready
    def operation_started(self, step_id: str, *, resumed: bool) -> None:
        panel = self.operation
        if not panel.running or panel.step_id == step_id:
            panel.start(step_id, self.engine.by_id[step_id].title, resumed=resumed)
        self.refresh_status()

    @when_ready
    def operation_progress(
        self, step_id: str, text: str, done: int | None, total: int | None
    ) -> None:
        if self.operation.step_id == step_id:
            self.operation.progress(text, done, total)

    @when_ready
    def operation_finished(self, step_id: str | None, text: str) -> None:
        if self.operation.step_id == step_id or step_id is None:
            self.operation.finish(text)
        self.refresh_status()
