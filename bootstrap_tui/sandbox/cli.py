"""``bootstrap-tui sandbox`` / ``python -m bootstrap_tui.sandbox``: serve until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from ..cliargs import non_negative_int, port_number
from .faults import FaultSpecError, parse_fault_spec

from .server import SEEDS


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def build_parser(prog: str = "bootstrap-tui sandbox") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Run the local fake AWS endpoint until stopped.")
    parser.add_argument(
        "--port", type=port_number, default=0, help="TCP port on 127.0.0.1 (0 = any free port)"
    )
    parser.add_argument("--seed", choices=SEEDS, default="fresh", help="starting state")
    parser.add_argument(
        "--accounts",
        type=non_negative_int,
        default=0,
        help="workload accounts added by the compliant/drifted seeds",
    )
    parser.add_argument(
        "--latency-ms", type=non_negative_int, default=0, help="added latency per request"
    )
    parser.add_argument(
        "--faults",
        default=None,
        metavar="SPEC",
        help="e.g. throttle=0.3,error5xx=0.1,deny=organizations:CreateAccount[@ACCOUNT]",
    )
    parser.add_argument(
        "--op-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long long-running operations stay IN_PROGRESS",
    )
    parser.add_argument(
        "--durations",
        choices=("fixed", "realistic"),
        default="fixed",
        help="fixed: every long-running operation takes --op-delay; realistic: AWS's own "
        "durations (bootstrap_tui/durations.yaml)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="N",
        help="with --durations realistic, run N times faster than AWS (60: an hour in a minute)",
    )
    parser.add_argument(
        "--tls-cert",
        default=None,
        metavar="FILE",
        help="serve HTTPS with this PEM certificate (needs --tls-key)",
    )
    parser.add_argument(
        "--tls-key", default=None, metavar="FILE", help="the PEM private key of --tls-cert"
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="forget the sandbox that `bootstrap-tui --sandbox` keeps between runs "
        "(its fake AWS and its progress), then exit",
    )
    return parser


def _reset(prog: str) -> int:
    from bootstrap_tui.errors import BootstrapError

    from .home import reset

    try:
        print(reset(), flush=True)
    except BootstrapError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"{prog}: error: cannot reset the sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "bootstrap-tui sandbox") -> int:
    """Parse ``argv``, serve until SIGINT/SIGTERM; return the exit code (0 ok, 2 usage)."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        faults = parse_fault_spec(args.faults)
        if args.op_delay is not None and args.op_delay < 0:
            raise _UsageError("--op-delay must be >= 0")
        if not args.time_scale > 0:
            raise _UsageError("--time-scale must be > 0")
        if (args.tls_cert is None) != (args.tls_key is None):
            raise _UsageError("--tls-cert and --tls-key go together")
    except FaultSpecError as exc:
        print(f"{prog}: error: --faults: {exc}", file=sys.stderr)
        return 2
    except _UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.reset:
        return _reset(prog)

    from .server import Sandbox

    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        try:
            sandbox = Sandbox(
                port=args.port,
                seed=args.seed,
                accounts=args.accounts,
                latency_ms=args.latency_ms,
                faults=faults,
                op_delay_s=args.op_delay,
                tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
                durations=args.durations,
                time_scale=args.time_scale,
            )
            endpoint = sandbox.start()
        except (OSError, ValueError, RuntimeError) as exc:
            print(f"{prog}: error: cannot start the sandbox: {exc}", file=sys.stderr)
            return 2 if isinstance(exc, ValueError) else 1
        if args.accounts and args.seed == "fresh":
            print(
                "note: --accounts only applies to the compliant and drifted seeds",
                file=sys.stderr,
                flush=True,
            )
        print(f"endpoint: {endpoint}", flush=True)
        try:
            while not stop.wait(0.1):
                pass
        finally:
            sandbox.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
