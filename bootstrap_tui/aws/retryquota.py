"""A larger retry quota for every client in standard or adaptive retry mode, and at most
CONNECTION_ATTEMPTS attempts for a call that gets no answer.

botocore's standard retry handler keeps a quota per client: 500 tokens, 5 spent per throttle
retry, 14 per other retry, 1 given back per call that needed no retry and the last retry's
cost back after a retried success. Under 30 % throttling plus 10 % 5xx together a client
loses about 1.3 tokens per call, so a busy client (the management account's Organizations
client sends about 180 calls in a full run) runs dry in some runs and then fails its next
retryable error at once, however many attempts are left. docs/reliability.md ("Combined
faults") has the measurements. `install` gives the client the same handler with a quota of
RETRY_QUOTA tokens instead, built from botocore's own classes, and RetryConditions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.retries import quota, standard

OnRetry = Callable[[str, int, int, str], None]
"""`on_retry(operation, next_attempt, limit, reason)`: a call got no answer and is sent again."""

RETRY_QUOTA = 2000
CONNECTION_ATTEMPTS = 10  # a call that gets no answer at all stops here (as before 15)


class RetryConditions(standard.StandardRetryConditions):
    """botocore's standard conditions, except that a call that got no HTTP answer at all
    (connection refused or reset, body cut short) stops after `connection_attempts`: an
    endpoint that is gone is reported as soon as with 10 attempts, while throttles and 5xx
    answers get every attempt."""

    def __init__(self, max_attempts: int, connection_attempts: int = CONNECTION_ATTEMPTS):
        super().__init__(max_attempts=max_attempts)
        self._connection_checker = standard.MaxAttemptsChecker(
            min(max_attempts, connection_attempts)
        )

    def is_retryable(self, context: Any) -> bool:
        if context.http_response is None and not self._connection_checker.is_retryable(context):
            return False
        return super().is_retryable(context)


def install(
    client: Any, max_attempts: int, capacity: int = RETRY_QUOTA, on_retry: OnRetry | None = None
) -> None:
    """Replace the standard retry handler of `client` by one whose quota holds `capacity`
    tokens (legacy mode, which has no quota, is left alone). `on_retry` hears of each retry of
    a call that got no HTTP answer, so a user waiting on a dead endpoint sees the attempts."""
    if client.meta.config.retries.get("mode") not in ("standard", "adaptive"):
        return
    name = client.meta.service_model.service_id.hyphenize()
    adapter = standard.RetryEventAdapter()
    detector = standard.ThrottlingErrorDetector(adapter)
    tokens = quota.RetryQuota(capacity)
    checker = standard.RetryQuotaChecker(tokens, detector)
    handler = standard.RetryHandler(
        retry_policy=standard.RetryPolicy(
            retry_checker=RetryConditions(max_attempts),
            retry_backoff=standard.ExponentialBackoff(
                service_name=name, throttling_detector=detector
            ),
        ),
        retry_event_adapter=adapter,
        retry_quota=checker,
        service_name=name,
    )
    events = client.meta.events
    unique_id = f"retry-config-{name}"
    events.unregister(f"needs-retry.{name}", unique_id=unique_id)
    events.register(f"after-call.{name}", checker.release_retry_quota)
    needs_retry = handler.needs_retry
    if on_retry is not None:
        needs_retry = _announcing(needs_retry, on_retry, min(max_attempts, CONNECTION_ATTEMPTS))
    events.register(f"needs-retry.{name}", needs_retry, unique_id=unique_id)
    client.meta.retry_quota = tokens  # its available_capacity, for tests and benchmarks


def _announcing(needs_retry: Callable[..., Any], on_retry: OnRetry, limit: int) -> Any:
    """`needs_retry` that tells `on_retry` when a call that got no answer will be sent again."""

    def wrapped(**kwargs: Any) -> Any:
        delay = needs_retry(**kwargs)
        caught = kwargs.get("caught_exception")
        if delay is not None and kwargs.get("response") is None and caught is not None:
            operation = getattr(kwargs.get("operation"), "name", "a call")
            reason = str(caught).split(": ", 1)[0] if caught else "no answer"
            on_retry(operation, int(kwargs.get("attempts", 1)) + 1, limit, reason)
        return delay

    return wrapped
