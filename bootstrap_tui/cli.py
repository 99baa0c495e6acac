"""Console entry point `bootstrap-tui`: the wizard, status, plan, apply, verify,
export and sandbox subcommands (see DESIGN.md, "Command-line contract").

Every expected failure is a BootstrapError printed as one or two lines; the
exit code follows the contract (2 usage/config, 3 AWS access, 4 not set up,
1 failed checks, 5 written without evidence, 130 interrupted).
"""

from __future__ import annotations

import argparse
import re
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from collections.abc import Callable, Sequence

from bootstrap_tui import __version__
from bootstrap_tui.cliargs import positive_int
from bootstrap_tui.errors import (
    EXIT_CHECKS_FAILED,
    EXIT_EVIDENCE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    BootstrapError,
    ConfigError,
    NotSetUp,
    RefusedError,
)

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine
    from bootstrap_tui.model import Change, CheckResult, Kept, Plan

VERIFY_FORMATS = ("text", "json", "junit", "sarif", "md")
EXPORT_FORMATS = ("md", "csv", "json", "html", "answers", "terraform", "cloudformation")
EXIT_INTERNAL = 70
READERS = ("status", "plan", "verify", "export")  # run beside the wizard (state.py, locks)
FRAMEWORK_IDS = ("soc2", "iso27001-2022", "cis-aws-3.0", "pci-dss-4.0", "aws-ssb")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            EXIT_USAGE,
            f"{self.prog}: error: {message}{_suggestion(message)} (see {self.prog} --help)\n",
        )


def _suggestion(message: str) -> str:
    """ "; did you mean 'status'?" for an invalid choice close to a valid one."""
    import difflib
    import re

    found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
    if not found:
        return ""
    choices = re.findall(r"'([^']*)'", found.group(2))
    close = difflib.get_close_matches(found.group(1), choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _role_name(text: str) -> str:
    if not re.fullmatch(r"[\w+=,.@-]{1,64}", text):
        raise argparse.ArgumentTypeError(
            f"not an IAM role name: {text!r} (1-64 of letters, digits and _+=,.@-)"
        )
    return text


def _endpoint(text: str) -> str:
    from bootstrap_tui.aws.session import clean_endpoint_url

    try:
        return clean_endpoint_url(text)
    except BootstrapError as exc:  # argparse names the option itself
        raise argparse.ArgumentTypeError(exc.message.removeprefix("--endpoint-url: ")) from None


def _clean_env_endpoint() -> None:
    """Validate AWS_ENDPOINT_URL like --endpoint-url (exit 2) and drop its user:password,
    so neither the engine nor botocore ever sees them."""
    from bootstrap_tui.aws.session import clean_endpoint_url

    value = os.environ.get("AWS_ENDPOINT_URL")
    if value:
        os.environ["AWS_ENDPOINT_URL"] = clean_endpoint_url(value, "AWS_ENDPOINT_URL")


def _state_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file path, got an empty value")
    if text.endswith(os.sep) or Path(text).expanduser().is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} is a directory; give a file path, e.g. state.yaml"
        )
    return Path(text)


def _non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a value, got an empty one")
    return text.strip()


def _region(text: str) -> str:
    from bootstrap_tui.model import parse_region

    try:
        return parse_region(text, "--region")
    except BootstrapError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_globals(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("connection and files")
    group.add_argument(
        "--aws-profile",
        metavar="NAME",
        type=_non_empty,
        default=default,
        help="AWS profile from ~/.aws/config (default: the standard credential chain)",
    )
    group.add_argument(
        "--region",
        metavar="R",
        type=_region,
        default=default,
        help="region for API calls (default: the baseline profile's home region)",
    )
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        type=_endpoint,
        default=default,
        help="send every AWS call to this endpoint (also AWS_ENDPOINT_URL)",
    )
    group.add_argument(
        "--state-file",
        metavar="PATH",
        type=_state_path,
        default=default,
        help="progress file (default: one per management account in the user state dir)",
    )
    group.add_argument(
        "--profile-file",
        metavar="PATH|NAME",
        type=_non_empty,
        default=default,
        help="baseline profile: a built-in name (startup-minimal, soc2, iso27001, "
        "pci-dss) or a YAML file (default: startup-minimal)",
    )
    group.add_argument(
        "--answers",
        metavar="FILE",
        type=Path,
        default=default,
        help="answers YAML keyed by step id, then field, for unattended runs",
    )
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="start the embedded fake AWS on 127.0.0.1 and act on it",
    )
    group.add_argument(
        "--use-keychain",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="use the temporary bootstrap IAM keys stored in the OS keychain",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bootstrap-tui",
        description="From a brand-new AWS management account to a compliant multi-account "
        "organization, step by step. Without a command, opens the wizard.",
        epilog="Exit codes: 0 ok, 1 a check failed (verify), 2 usage/config error, "
        "3 AWS credentials/connection error, 4 steps not set up yet, 5 report written "
        "but evidence missing (unusable evidence file, or verify could not save it), "
        "130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"bootstrap-tui {__version__}")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="walk the wizard with plain prompts instead of the full-screen app",
    )
    _add_globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        _add_globals(cmd, top=False)
        return cmd

    command("status", "show progress per step from the state file")
    plan = command("plan", "show what apply would change; changes nothing")
    plan.add_argument("--step", action="append", metavar="ID", help="only this step (repeatable)")
    plan.add_argument("--format", choices=("text", "json"), default="text")

    apply = command("apply", "converge the steps non-interactively")
    apply.add_argument("--step", action="append", metavar="ID", help="only this step (repeatable)")
    apply.add_argument("--yes", action="store_true", help="apply without asking (required)")
    apply.add_argument(
        "--simulate-console",
        action="store_true",
        help="sandbox only: perform the stand-ins for console-only actions "
        "(root MFA on, root keys deleted) and record the attestations",
    )
    apply.add_argument(
        "--attested-by",
        metavar="NAME",
        help="the person attesting manual items, recorded with each attestation "
        "(default: the name the wizard recorded)",
    )
    apply.add_argument(
        "--confirm-destructive",
        metavar="STEP",
        action="append",
        default=[],
        help="allow destructive or irreversible changes (e.g. deleting default VPCs, "
        "Object Lock) in STEP",
    )
    apply.add_argument(
        "--sequential",
        action="store_true",
        help="apply one step after the other in wizard order (default: each step starts as soon "
        "as the steps it needs are done, so independent steps overlap)",
    )

    verify = command("verify", "read-only verification of the whole baseline")
    verify.add_argument("--step", action="append", metavar="ID", help="only this step (repeatable)")
    verify.add_argument("--format", choices=VERIFY_FORMATS, default="text")
    verify.add_argument("-o", "--output", metavar="FILE", type=Path, help="write the report here")
    verify.add_argument("--soft-fail", action="store_true", help="always exit 0 when checks ran")
    verify.add_argument("--strict", action="store_true", help="MANUAL items count as failures")
    verify.add_argument(
        "--max-workers",
        type=positive_int,
        default=16,
        metavar="N",
        help="concurrent API calls (default 16)",
    )
    verify.add_argument(
        "--member-role",
        metavar="NAME",
        type=_role_name,
        help="the role to assume in member accounts (default: the profile's read-only "
        "audit role where it exists, else the automation role, with a WARN)",
    )

    export = command("export", "write the setup checklist with evidence and mappings")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="md")
    export.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="the file to write; for terraform and cloudformation, the directory (required)",
    )
    export.add_argument(
        "--force",
        action="store_true",
        help="terraform/cloudformation: write into a directory that is not empty",
    )
    export.add_argument(
        "--framework",
        choices=FRAMEWORK_IDS,
        action="append",
        help="group only by this framework's controls (repeatable; default: every framework)",
    )
    export.add_argument(
        "--check",
        metavar="FILE",
        type=Path,
        help="check that a json, md or html export is unchanged since it was "
        "written (its sha256 digests); exit 1 when it is not",
    )

    iam = sub.add_parser(
        "iam-policy",
        help="print the minimal IAM policies a job needs (offline)",
        description="Print, as JSON, the minimal identity policy for the management "
        "account and for the role in member accounts that a job needs.",
    )
    iam.add_argument("--for", dest="job", choices=iam_policy_jobs(), required=True)
    iam.add_argument(
        "--step",
        action="append",
        metavar="ID",
        help="only this step (repeatable); without it, every step",
    )
    iam.add_argument(
        "--member-role",
        default="OrganizationAccountAccessRole",
        metavar="NAME",
        help="the role assumed in member accounts (default OrganizationAccountAccessRole)",
    )

    # bootstrap_tui/sandbox/cli.py owns every option of this command (see _parse)
    sub.add_parser(
        "sandbox",
        add_help=False,
        help="run the embedded fake AWS until stopped (options: sandbox --help)",
    )
    return parser


# ---------------------------------------------------------------- commands


def _options(args: argparse.Namespace, endpoint: str | None) -> Any:
    from bootstrap_tui.engine import Options

    return Options(
        aws_profile=args.aws_profile,
        region=args.region,
        endpoint_url=endpoint or args.endpoint_url,
        state_file=args.state_file,
        profile=args.profile_file,
        answers_file=args.answers,
        simulate_console=getattr(args, "simulate_console", False),
        use_keychain=args.use_keychain,
        max_workers=max(1, getattr(args, "max_workers", 16) or 1),
        member_role=getattr(args, "member_role", None),
        attested_by=_attested_by(args),
        reader=args.command in READERS,
    )


def _attested_by(args: argparse.Namespace) -> str | None:
    from bootstrap_tui.state import person_name

    value = getattr(args, "attested_by", None)
    return person_name(value) if value is not None else None


def _stderr_progress(step_id: str, message: str, done: int | None, total: int | None) -> None:
    count = f" [{done}/{total}]" if total else ""
    _say(f"  {step_id}{count}: {message}")


def _open_engine(args: argparse.Namespace, endpoint: str | None) -> Engine:
    from bootstrap_tui.engine import connect_engine

    def check_steps(offline: Engine) -> None:
        """An unknown --step or --confirm-destructive is a usage error, offline too."""
        offline.step_ids(getattr(args, "step", None))
        if getattr(args, "confirm_destructive", None):
            try:
                offline.step_ids(args.confirm_destructive)
            except BootstrapError as exc:
                raise ConfigError(f"--confirm-destructive: {exc.message}", exc.hint) from None

    from bootstrap_tui.plain import say_retry

    options = _options(args, endpoint)
    options.on_retry = say_retry
    engine = connect_engine(options, before_connect=check_steps)
    if engine.profile_change:
        from bootstrap_tui.profile_change import describe_change

        print(describe_change(engine.profile_change, "--profile-file"), file=sys.stderr)
    return engine


def cmd_status(engine: Engine, args: argparse.Namespace) -> int:
    rows = engine.status()
    width = max(len(r["id"]) for r in rows)
    print(f"state file: {engine.state.path}")
    print(f"account:    {engine.management_account_id}  ({engine.actor})")
    print(f"profile:    {engine.profile.name}")
    for row in rows:
        extra = f"  — {row['error']}" if row.get("error") else ""
        ops = f"  (in flight: {', '.join(row['operations'])})" if row["operations"] else ""
        print(f"  {row['id']:<{width}}  {row['status']:<15} {row['updated_at'] or ''}{ops}{extra}")
    done = sum(r["status"] == "verified" for r in rows)
    print(f"{done}/{len(rows)} verified")
    return EXIT_OK


def cmd_plan(engine: Engine, args: argparse.Namespace) -> int:
    import json

    ids = engine.step_ids(args.step)
    engine.require_inputs(ids)
    from bootstrap_tui.costs import cost_lines, load_prices, plan_cost, total_lines, totals_dict

    plans = engine.plan_ahead(ids)
    costs = [plan_cost(engine, p) for p in plans]
    if args.format == "json":
        book = load_prices()
        print(
            json.dumps(
                {
                    "schema_version": 1,
                    "plans": [
                        {**p.to_dict(), "cost": c.to_dict(book) if c else None}
                        for p, c in zip(plans, costs, strict=True)
                    ],
                    "cost_estimate": totals_dict(costs, book),
                },
                indent=2,
            )
        )
        return EXIT_OK
    for plan, cost in zip(plans, costs, strict=True):
        title = engine.by_id[plan.step_id].title
        if plan.skipped:
            print(f"{plan.step_id} ({title}): skipped — {plan.skipped}")
            continue
        if plan.waiting:
            print(f"{plan.step_id} ({title}): waits for an earlier step")
            print(f"  · {plan.waiting}")
            continue
        state = (
            "up to date"
            if plan.converged
            else f"blocked: {plan.blocked}"
            if plan.blocked
            else f"{len(plan.changes)} change(s)"
        )
        print(f"{plan.step_id} ({title}): {state}")
        listed: list[Change | Kept] = [*plan.changes, *plan.kept]
        for entry in listed:
            print(f"  {entry.mark} {entry.describe()}")
        for note in plan.notes:
            print(f"  · {note}")
        for item in plan.manual:
            attested = engine.state.attestation(item.id)
            box, done = ("☑", "attested") if attested else ("☐", "to do by hand")
            print(f"  {box} manual: {item.title} ({done})")
        for line in cost_lines(cost):
            print(f"  {line}")
    for line in total_lines(costs):
        print(line)
    return EXIT_OK


def _change_key(
    change: Change, placeholders: dict[str, str] | None = None
) -> tuple[str | None, ...]:
    """What identifies a listed change. A change in an account the plan showed as still to be created
    (``<Log Archive, to be created>``) is matched by that placeholder, action, resource and region:
    its resource ids (a new account's default VPC) do not exist when the plan is made."""
    from bootstrap_tui.future import is_placeholder

    account = change.account
    if account is not None and placeholders:
        account = placeholders.get(account, account)
    if is_placeholder(account):
        return (change.action, change.resource, account, change.region)
    return (change.action, change.resource, change.name, change.account, change.region)


def listed_confirmation(
    engine: Engine, ids: list[str], allowed: set[str]
) -> Callable[[Plan], bool]:
    """--confirm-destructive STEP confirms what the plan computed now lists for STEP.

    The plan is made ahead (bootstrap_tui.future): a change in an account still to be created is
    listed under its placeholder and matched, once the account exists, by the account the accounts
    step created. A step refuses every destructive change its plan did not list; a step that could
    not be planned at all (it waits for an earlier step) listed none, so none is confirmed there.
    When planning fails now (e.g. access denied), nothing is listed, so nothing destructive is
    confirmed; apply then meets the same error in the step itself and records it there.
    """
    if not allowed:
        return lambda plan: False
    try:
        listed = {
            p.step_id: {_change_key(c) for c in p.destructive}
            for p in engine.plan_ahead(ids)
            if p.step_id in allowed
        }
        future = dict(engine.projected.account_keys()) if engine.projected else {}
    except BootstrapError:
        listed, future = {sid: set() for sid in allowed}, {}

    def placeholders() -> dict[str, str]:
        """Real account id -> the placeholder the plan showed it under (accounts created since)."""
        out = {}
        for mark, key in future.items():
            found = engine.account_id(key)
            if found:
                out[found] = mark
        return out

    def confirm(plan: Plan) -> bool:
        if plan.step_id not in allowed:
            return False
        known = listed.get(plan.step_id, set())
        names = placeholders() if future else {}
        unlisted = [c for c in plan.destructive if _change_key(c, names) not in known]
        if unlisted:
            raise RefusedError(
                f"{plan.step_id} now has {len(unlisted)} destructive change(s) the plan confirmed at the "
                f"start of apply did not list ({'; '.join(c.describe() for c in unlisted[:3])})",
                f"nothing was changed by {plan.step_id}; review them with bootstrap-tui plan "
                f"--step {plan.step_id}, then apply again",
            )
        return True

    return confirm


def cmd_apply(engine: Engine, args: argparse.Namespace) -> int:
    if not args.yes:
        raise ConfigError(
            "apply changes your AWS accounts and needs --yes",
            "run `bootstrap-tui plan` first to review the changes",
        )
    if args.simulate_console and engine.sandbox_info is None:
        raise ConfigError("--simulate-console works only against a bootstrap-tui sandbox endpoint")
    ids = engine.step_ids(args.step)
    engine.require_inputs(ids)
    from bootstrap_tui.aws import refuse_root

    refuse_root(engine.identity)
    engine.progress_listeners.append(_stderr_progress)
    allowed = set(args.confirm_destructive)
    confirm = listed_confirmation(engine, ids, allowed)
    from bootstrap_tui.costs import cost_lines, engine_counts, estimate_step, total_lines
    from bootstrap_tui.schedule import run_steps

    costs: dict[str, Any] = {}

    def apply_one(sid: str) -> Plan:
        costs[sid] = estimate_step(sid, engine.profile, engine_counts(engine))
        head = [f"==> {sid}: {engine.by_id[sid].title}"]
        _say(*head, *(f"    {line}" for line in cost_lines(costs[sid])[:1]))
        plan = engine.apply(sid, confirm_destructive=confirm)
        if not plan.skipped:
            _say(
                f"  {sid}: blocked, nothing done: {plan.blocked}"
                if plan.blocked
                else f"  {sid}: {len(plan.changes)} change(s) applied"
                if plan.changes
                else f"  {sid}: up to date"
            )
        return plan

    schedule = run_steps(
        ids,
        engine.needs,
        apply_one,
        sequential=args.sequential,
        cancel=engine.cancelled.set,
    )
    failed = schedule.failed
    if failed:
        for outcome in failed:
            _say(f"  {outcome.step_id}: {_failure(outcome.error)}")
        if schedule.not_started:
            _say(
                f"not started after the failure: {', '.join(schedule.not_started)} "
                "(apply again to resume)"
            )
        first = failed[0].error
        assert first is not None
        raise first
    manual_left = [
        f"{sid}: {m.title}"
        for sid, outcome in schedule.outcomes.items()
        if outcome.result is not None and not outcome.result.skipped
        for m in outcome.result.manual
        if not engine.state.attestation(m.id)
    ]
    if manual_left:
        _say("Manual items still to do (the wizard explains each):")
        _say(*(f"  ☐ {item}" for item in manual_left))
    for line in total_lines(costs[sid] for sid in ids if sid in costs)[:1]:
        _say(line)
    return EXIT_OK


def _failure(error: BaseException | None) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted; apply again to resume"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"failed: {text}"


_say_lock = threading.Lock()


def _say(*lines: str) -> None:
    """Write lines to stderr in one piece, so lines of steps running at once never interleave."""
    with _say_lock:
        sys.stderr.write("".join(f"{line}\n" for line in lines))
        sys.stderr.flush()


def _wants_color(stream: TextIO) -> bool:
    """ANSI colour only for a terminal, and never with NO_COLOR set or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _protected(engine: Engine) -> list[tuple[Path, str]]:
    """Files a report must never replace: the state file, its backup, lock and evidence."""
    from bootstrap_tui.report.evidence import evidence_path

    state = Path(engine.state.path)
    return [
        (state, "the state file"),
        (state.with_name(state.name + ".bak"), "the state backup"),
        (state.with_name(state.name + ".lock"), "the state lock file"),
        (state.with_name(state.name + ".rwlock"), "the state read lock file"),
        (evidence_path(state), "the evidence file"),
    ]


def _check_output(engine: Engine, output: Path | None) -> None:
    """Refuse a bad -o before the checks run, not after (exit 2)."""
    if output:
        from bootstrap_tui.report.output import output_target

        output_target(output, refuse=_protected(engine))


def _write_report(text: str, output: Path | None, engine: Engine | None = None) -> None:
    from bootstrap_tui.report import write_atomic

    if output:
        written = write_atomic(output, text, refuse=_protected(engine) if engine else ())
        print(f"wrote {written}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


def _require_set_up(engine: Engine) -> None:
    """Exit 4 when there is nothing to verify or export yet."""
    if not engine.state.exists and not engine.org_accounts():
        raise NotSetUp(
            "nothing is set up yet: no organization exists and there is no progress "
            "recorded for this account",
            "run the wizard (bootstrap-tui) or `bootstrap-tui apply --yes` first",
        )


def cmd_verify(engine: Engine, args: argparse.Namespace) -> int:
    from bootstrap_tui.model import Status
    from bootstrap_tui.report import render_verify

    ids = engine.step_ids(args.step)
    _check_output(engine, args.output)
    _require_set_up(engine)
    tty = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    seen = {"done": 0, "bad": 0}

    def on_result(result: CheckResult) -> None:
        seen["done"] += 1
        seen["bad"] += result.status in (Status.FAIL, Status.ERROR)
        if tty:
            print(
                f"\r\x1b[K  verifying… {seen['done']} checked, {seen['bad']} failing",
                end="",
                file=sys.stderr,
                flush=True,
            )

    try:
        run = engine.verify(ids, on_result=on_result)
    finally:
        if tty:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)
    color = args.format == "text" and not args.output and _wants_color(sys.stdout)
    _write_report(
        render_verify(run, args.format, steps=engine.steps, color=color), args.output, engine
    )
    for note in run.evidence_notes:
        print(f"bootstrap-tui: note: {note}", file=sys.stderr)
    if run.evidence_error:
        print(
            f"bootstrap-tui: warning: the evidence of this run was not saved: {run.evidence_error}",
            file=sys.stderr,
        )
    if args.soft_fail:
        return EXIT_OK
    if run.failed(strict=args.strict):
        return EXIT_CHECKS_FAILED
    return EXIT_EVIDENCE if run.evidence_error else EXIT_OK


def cmd_export(engine: Engine, args: argparse.Namespace) -> int:
    from bootstrap_tui.report.evidence import evidence_problems
    from bootstrap_tui.report.export import export_text

    if args.format in ("terraform", "cloudformation"):
        return _export_iac(engine, args)
    _check_output(engine, args.output)
    _require_set_up(engine)
    _write_report(export_text(engine, args.format, frameworks=args.framework), args.output, engine)
    if args.format == "answers":
        return EXIT_OK
    problems = evidence_problems(engine.state.path, engine.state.data)
    for problem in problems:
        print(f"bootstrap-tui: warning: {problem}", file=sys.stderr)
    return EXIT_EVIDENCE if problems else EXIT_OK


def _export_iac(engine: Engine, args: argparse.Namespace) -> int:
    """Terraform or CloudFormation for what the wizard built, read live (read-only) from AWS."""
    from bootstrap_tui.report.iac_export import check_directory, export_iac

    check_directory(args.output, args.format, args.force)
    _require_set_up(engine)
    written = export_iac(engine, args.format, args.output, args.force)
    print(f"wrote {len(written)} files in {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_export_check(path: Path) -> int:
    """Offline: recompute an export's digests (no state, no AWS)."""
    from bootstrap_tui.report.integrity import check_export

    try:
        ok, findings = check_export(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for line in findings:
        print(line)
    return EXIT_OK if ok else EXIT_CHECKS_FAILED


COMMANDS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "status": cmd_status,
    "plan": cmd_plan,
    "apply": cmd_apply,
    "verify": cmd_verify,
    "export": cmd_export,
}


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse argv; the `sandbox` command's own arguments are kept, unparsed, in
    `args.sandbox_argv` for the sandbox's parser, the one parser that owns them."""
    args, rest = parser.parse_known_args(argv)
    if args.command == "sandbox":
        args.sandbox_argv = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def command_parser(name: str | None) -> argparse.ArgumentParser:
    """The one parser that owns the options of `bootstrap-tui <name>`: the sandbox's own
    parser for `sandbox`, the subcommand's for the others, the top-level one for None."""
    parser = build_parser()
    if name is None:
        return parser
    if name == "sandbox":
        from bootstrap_tui.sandbox.cli import build_parser as sandbox_parser

        return sandbox_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[name]


def iam_policy_jobs() -> tuple[str, ...]:
    from bootstrap_tui.iam_policy import JOBS

    return JOBS


def cmd_iam_policy(args: argparse.Namespace) -> int:
    """Offline: the declared actions of the job's steps and checks, as two policy documents."""
    from bootstrap_tui import iam_policy
    from bootstrap_tui.registry import discover_steps

    steps = discover_steps()
    known = [s.id for s in steps]
    wanted = args.step or known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ConfigError(f"--step: unknown step {unknown[0]!r}", f"steps: {', '.join(known)}")
    checks = [c.id for s in steps if s.id in wanted for c in s.checks]
    actions = iam_policy.actions_for(args.job, wanted, checks)
    print(iam_policy.render(iam_policy.policy_documents(actions, args.member_role)), end="")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    if args.command == "iam-policy":
        return cmd_iam_policy(args)
    if args.command == "sandbox":
        from bootstrap_tui.sandbox.cli import main as sandbox_main

        return sandbox_main(args.sandbox_argv)
    if args.command == "export" and args.check is not None:
        return cmd_export_check(args.check)

    sandbox = None
    endpoint = None
    _clean_env_endpoint()
    if args.sandbox:
        if args.endpoint_url:
            raise ConfigError(
                "--sandbox and --endpoint-url cannot be used together",
                "--sandbox starts its own endpoint",
            )
        if args.command is None and not args.plain:
            # the wizard starts the sandbox in a worker, after its first screen is up
            from bootstrap_tui.tui.app import run_wizard

            return run_wizard(_options(args, None), sandbox=True)
        from bootstrap_tui.sandbox.home import PersistentSandbox, state_path

        sandbox = PersistentSandbox()
        endpoint = sandbox.start()
        _sandbox_env(endpoint)
        if args.state_file is None:
            args.state_file = state_path()
    try:
        if args.command is None:
            options = _options(args, endpoint)
            if args.plain:
                from bootstrap_tui.plain import run_plain

                return run_plain(options, sandbox=sandbox is not None)
            from bootstrap_tui.tui.app import run_wizard

            return run_wizard(options, sandbox=sandbox is not None)
        engine = _open_engine(args, endpoint)
        try:
            return COMMANDS[args.command](engine, args)
        finally:
            engine.close()
    finally:
        if sandbox is not None:
            sandbox.stop()


def _sandbox_env(endpoint: str) -> None:
    """Dummy credentials for the sandbox, unless the user set their own."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
    from bootstrap_tui.logs import setup_logging

    log = setup_logging()
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(
            "\ninterrupted; progress is saved — run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except BootstrapError as exc:
        print(f"bootstrap-tui: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        import logging

        logging.getLogger("bootstrap_tui").exception("unexpected error")
        print(
            f"bootstrap-tui: unexpected error ({type(exc).__name__}: {exc}); this is a bug. "
            f"Progress is saved. Details are in the log file ({log or 'logging disabled'}).",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
