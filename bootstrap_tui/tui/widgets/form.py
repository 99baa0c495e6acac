"""A step's inputs as a form, validated inline with Field.parse; Field.warning as advice."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Select, Static, Tabs

from bootstrap_tui.errors import BootstrapError, ValidationError


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# What an empty field shows: an example, marked as one, never something that reads like a value.
EXAMPLES = {
    "email": "security@acme.example",
    "name": "Acme Rockets",
    "domain": "acme.example",
    "alias": "acme-management",
    "phone": "+1 206 555 0100",
    "int": "365",
    "regions": "us-east-1, eu-west-1",
}


def placeholder(kind: str, required: bool) -> str:
    example = EXAMPLES.get(kind)
    if example:
        return f"e.g. {example}" + ("" if required else " (optional)")
    return "(required)" if required else "(optional)"


class FieldRow(Vertical):
    """Label, help, the input, an error line and an advice line for one Field."""

    widget: Checkbox | Select[Any] | Input

    def __init__(self, field: Any, value: Any, source: str) -> None:
        super().__init__(classes="field-row")
        self.field = field
        self.initial = value
        self.source = source

    def compose(self) -> ComposeResult:
        f = self.field
        required = " *" if f.required else ""
        source = f" ({self.source})" if self.source not in ("state", "missing") else ""
        yield Label(f"{f.label}{required}{source}", classes="field-label")
        if f.help:
            yield Static(f.help, classes="field-help")
        widget_id = f"field-{f.name}"
        if f.kind == "bool":
            self.widget = Checkbox(f.label, value=bool(self.initial), id=widget_id)
        elif f.kind == "choice" and f.choices:
            value = self.initial if self.initial in f.choices else Select.NULL
            self.widget = Select(
                [(c, c) for c in f.choices], value=value, id=widget_id, allow_blank=not f.required
            )
        else:
            self.widget = Input(
                to_text(self.initial), placeholder=placeholder(f.kind, f.required), id=widget_id
            )
        self.error = Static("", classes="field-error")
        self.advice = Static("", classes="field-advice")
        yield self.widget
        yield self.error
        yield self.advice

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A field reached with Tab comes into view with its label and messages."""
        self.call_after_refresh(self.scroll_visible, animate=False)

    @property
    def raw(self) -> Any:
        widget = getattr(self, "widget", None)
        if widget is None:
            return self.initial
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        return widget.value

    def validate(self, answers: dict[str, Any]) -> tuple[bool, Any]:
        error = getattr(self, "error", None) or Static()
        advice = getattr(self, "advice", None) or Static()
        try:
            value = self.field.parse(self.raw)
        except ValidationError as exc:
            error.update(f"✘ {exc.problem}")
            advice.update("")
            self.add_class("-invalid")
            return False, None
        except BootstrapError as exc:
            error.update(f"✘ {exc.message}")
            advice.update("")
            self.add_class("-invalid")
            return False, None
        error.update("")
        self.remove_class("-invalid")
        try:
            warning = self.field.warning(value, answers)
        except Exception:
            warning = None
        advice.update(f"! {warning}" if warning else "")
        self.set_class(bool(warning), "-advice")
        return True, value


DOMAIN_FIELD = "email_domain"


class StepForm(Vertical):
    """All FieldRows of a step. `values()` returns (ok, raw dict, parsed dict).

    While a field has focus, every printable key goes to it (the screen's one-letter
    shortcuts are set aside) and Esc leaves the field for the tab strip."""

    BINDINGS = [Binding("escape", "leave_field", "Leave field")]

    def __init__(self, step_id: str, rows: list[tuple[Any, Any, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step_id = step_id
        self.rows = rows
        self._domain = next(
            (str(value or "") for field, value, _ in rows if field.name == DOMAIN_FIELD), ""
        )

    def compose(self) -> ComposeResult:
        if not self.rows:
            yield Static("This step has no inputs.", classes="muted")
        for field, value, source in self.rows:
            yield FieldRow(field, value, source)

    def on_mount(self) -> None:
        self.call_after_refresh(self.validate_all)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isprintable()

    def focus_first(self) -> bool:
        """Focus the first invalid field, else the first; False when there is none."""
        rows = [row for row in self.query(FieldRow) if getattr(row, "widget", None)]
        rows = [row for row in rows if row.has_class("-invalid")] or rows
        if not rows:
            return False
        rows[0].widget.focus()
        return True

    def action_leave_field(self) -> None:
        tabs = self.screen.query(Tabs)
        if tabs:
            tabs.first().focus()

    def validate_all(self) -> tuple[bool, dict[str, Any], dict[str, Any]]:
        ok = True
        raw: dict[str, Any] = {}
        parsed: dict[str, Any] = {}
        rows = list(self.query(FieldRow))
        current = {}
        for row in rows:
            try:
                current[row.field.name] = row.field.parse(row.raw)
            except BootstrapError:
                current[row.field.name] = None
        for row in rows:
            valid, value = row.validate(current)
            ok = ok and valid
            raw[row.field.name] = row.raw
            parsed[row.field.name] = value
        return ok, raw, parsed

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == f"field-{DOMAIN_FIELD}":
            self._follow_domain(event.value.strip())
        self.validate_all()

    def _follow_domain(self, domain: str) -> None:
        """Sandbox demo emails still on the previous email domain move to the one typed."""
        old = self._domain
        if not domain or not old or domain == old:
            return
        self._domain = domain
        for row in self.query(FieldRow):
            widget = getattr(row, "widget", None)
            if row.source != "sandbox demo" or not isinstance(widget, Input):
                continue
            local, at, host = widget.value.partition("@")
            if at and host == old:
                widget.value = f"{local}@{domain}"

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.validate_all()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.validate_all()
