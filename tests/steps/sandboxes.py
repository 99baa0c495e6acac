"""Sandboxes for the step tests: one reused across modules, plain clients, the request log."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bootstrap_tui.sandbox.testing import client as sandbox_client


def patch_moto_ssoadmin_paths() -> None:
    """moto 5.2.5 sso-admin rejects AWS managed policies that have a path
    (arn:aws:iam::aws:policy/job-function/Billing): it reads "path" where its data says
    "Path". Wraps the lookup so those ARNs resolve; a no-op once the sandbox fixes it."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.ssoadmin import models

    original = models.SSOAdminBackend._find_managed_policy
    if getattr(original, "_part2_patched", False):
        return

    def find(self: Any, arn: str) -> Any:
        try:
            return original(self, arn)
        except Exception:
            data = json.loads(aws_managed_policies_data)
            name = arn.split("/")[-1]
            policy = data.get(name)
            if (
                policy
                and arn == f"arn:{self.partition}:iam::aws:policy{policy.get('Path', '/')}{name}"
            ):
                return models.ManagedPolicy(arn, name)
            raise

    find._part2_patched = True  # type: ignore[attr-defined]
    models.SSOAdminBackend._find_managed_policy = find


@contextmanager
def sandbox_endpoint() -> Iterator[Any]:
    """A fresh sandbox; reuses (and resets) one another suite left running in this process."""
    from bootstrap_tui.sandbox import server
    from bootstrap_tui.sandbox.testing import running_sandbox

    patch_moto_ssoadmin_paths()
    running = server._running
    if running is not None:
        running.configure(latency_ms=0, faults="", op_delay_s=0.05)
        running.reset(seed="fresh", accounts=0)
        yield running
        return
    with running_sandbox(op_delay_s=0.05) as box:
        yield box


def client(sandbox: Any, service: str, **kwargs: Any) -> Any:
    """A plain boto3 client on the sandbox (management account credentials)."""
    return sandbox_client(sandbox, service, **kwargs)


def sandbox_requests(sandbox: Any, method: str = "GET") -> dict[str, Any]:
    """The sandbox's request log (GET), or clear it (DELETE)."""
    request = urllib.request.Request(sandbox.endpoint + "/_sandbox/requests", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())
