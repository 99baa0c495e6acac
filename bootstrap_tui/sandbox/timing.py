"""``--durations realistic``: long-running operations take as long as they do on AWS.

Each operation's duration is drawn from its range in ``bootstrap_tui/durations.yaml`` (the one
source of truth, also behind the progress estimates): a triangular distribution between the
range's ends, peaking at the typical value, divided by ``time_scale`` (60 turns an hour into a
minute). Operations without an entry keep the sandbox's fixed operation delay; entries whose
``api`` is synchronous (CreateOrganization, the services' organization set-up) are not delayed.
"""

from __future__ import annotations

import random
import threading

from bootstrap_tui.durations import durations

MODES = ("fixed", "realistic")
# the sandbox's operation kinds (SandboxState.start_operation) -> durations.yaml entries
KINDS = {
    "organizations:CreateAccount": "create-account",
    "landingzone:CREATE": "landing-zone",
    "landingzone:UPDATE": "landing-zone",
    "landingzone:RESET": "landing-zone",
    "landingzone:DELETE": "landing-zone",
    "baseline:": "register-ou",
    "control:": "enable-control",
    "sso:CreateAccountAssignment": "account-assignment",
    "sso:DeleteAccountAssignment": "account-assignment",
    "sso:ProvisionPermissionSet": "provision-permission-set",
    "guardduty:AdminDetector": "guardduty-admin-detector",
    "securityhub:EnableStandards": "securityhub-standards",
}


class RealisticDurations:
    """Draws each operation's duration (seconds, already scaled); reproducible from ``seed``.

    Each kind has its own stream of draws, so the n-th landing zone or account creation takes
    the same time whatever else ran in between: an overlapped and a sequential run of the same
    setup (each after ``restart``) wait on the same durations."""

    def __init__(self, time_scale: float = 1.0, seed: int = 0) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        self.time_scale = float(time_scale)
        self.seed = seed
        self._streams: dict[str, random.Random] = {}
        self._lock = threading.Lock()

    def restart(self) -> None:
        """Draw again from the start of every stream (the sandbox was reset)."""
        with self._lock:
            self._streams.clear()

    def seconds(self, kind: str) -> float | None:
        """The duration of one operation of ``kind``; None when AWS's is not recorded."""
        name = KINDS.get(kind)
        if name is None:
            return None
        entry = durations()[name]
        low, high = entry["range_s"]
        with self._lock:
            stream = self._streams.setdefault(name, random.Random(f"{self.seed}:{name}"))
            drawn = stream.triangular(low, high, entry["typical_s"])
        return drawn / self.time_scale
