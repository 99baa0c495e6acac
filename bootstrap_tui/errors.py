"""Errors the user sees: each carries a plain-language message and an exit code.

Front ends catch BootstrapError in one place and print `str(error)`; anything
else is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_CHECKS_FAILED = 1
EXIT_USAGE = 2
EXIT_AWS = 3
EXIT_NOT_SET_UP = 4
EXIT_EVIDENCE = 5  # written, but evidence is missing: unusable evidence file or failed save
EXIT_INTERRUPTED = 130


class BootstrapError(Exception):
    """Base of every expected error. `hint` tells the user what to do next."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  → {self.hint}" if self.hint else self.message


class ValidationError(BootstrapError):
    """A value failed validation; `field` names it, `where` says in which file/step."""

    def __init__(self, field: str, problem: str, where: str | None = None):
        self.field = field
        self.problem = problem
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field}: {problem}")

    def located(self, where: str) -> ValidationError:
        return ValidationError(self.field, self.problem, where)


class ConfigError(BootstrapError):
    """Bad profile, answers file or command-line value. `errors` lists every problem when a
    profile had several (the message shows the first few)."""

    errors: Sequence[str] = ()


class StateError(BootstrapError):
    """The state file is unreadable, corrupt, from the future, or locked."""


class StepGraphError(BootstrapError):
    """Unknown step id or a cycle in `requires`."""


class MissingInputs(BootstrapError):
    """Non-interactive run with required inputs that have neither answer nor default."""

    def __init__(self, missing: list[tuple[str, str]]):
        self.missing = missing
        lines = "\n".join(f"  {step}.{name}" for step, name in missing)
        super().__init__(
            f"{len(missing)} required input(s) have no answer and no default:\n{lines}",
            "put them in an answers file (--answers FILE, keyed by step id then field) "
            "or run the interactive wizard",
        )


class NotSetUp(BootstrapError):
    exit_code = EXIT_NOT_SET_UP


class AwsError(BootstrapError):
    """An AWS call failed; message is already plain language. Exit code 3 when it
    is about credentials or connectivity, otherwise it is a per-check ERROR."""

    exit_code = EXIT_AWS

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        kind: str = "aws",
        operation: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message, hint)
        self.kind = kind
        self.operation = operation
        self.code = code


class RefusedError(BootstrapError):
    """A safety refusal: the tool will not do this (root user, lock-out, ...)."""


class ReadOnlyViolation(BootstrapError):
    """A mutating API call was attempted while the read-only guard was on."""

    exit_code = EXIT_USAGE
