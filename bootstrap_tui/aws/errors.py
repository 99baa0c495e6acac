"""Turn boto3/botocore exceptions into plain-language AwsError with a hint.

Clients made by ClientFactory annotate their failures with the service (see
`annotate_*` below), so messages can name the IAM action (e.g.
"organizations:CreateAccount") even when the caller passes no `operation`.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar
from collections.abc import Callable

from botocore import exceptions as bce
from botocore.parsers import ResponseParserError

from bootstrap_tui.errors import EXIT_AWS, AwsError, BootstrapError
from bootstrap_tui.state import strip_userinfo

T = TypeVar("T")

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AuthorizationErrorException",
        "UnauthorizedAccess",
        "UnauthorizedException",
        "Forbidden",
        "ForbiddenException",
        "NotAuthorized",
        "AccessDeniedForDependencyException",
    }
)
EXPIRED_TOKEN_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "UnauthorizedSSOTokenError",
    }
)
INVALID_CREDENTIALS_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "AuthFailure",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
        "BandwidthLimitExceeded",
    }
)
NOT_FOUND_EXACT = frozenset({"ResourceNotFoundException", "NotFound"})
CREDENTIAL_KINDS = frozenset({"credentials", "connection", "config"})

_ANNOTATION = "BootstrapTuiOperation"
_SSO_ERRORS = (bce.TokenRetrievalError, bce.SSOTokenLoadError, bce.UnauthorizedSSOTokenError)


# ---------------------------------------------------------------- annotation
def _operation_label(model: Any) -> dict[str, str]:
    service = model.service_model
    return {
        "service_id": service.service_id,
        "signing_name": service.signing_name,
        "name": model.name,
    }


def annotate_after_call(
    http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any
) -> None:
    """botocore 'after-call' handler: remember the service of a failed call in the response."""
    if http_response is not None and http_response.status_code >= 300 and isinstance(parsed, dict):
        parsed.setdefault("ResponseMetadata", {})[_ANNOTATION] = _operation_label(model)


def where_annotator(
    account: Callable[[], str | None], region: str, custom_endpoint: bool = False
) -> Callable[..., None]:
    """A botocore 'after-call' handler, registered after `annotate_after_call`: adds the
    account (when known) and region of a failed call, so access errors can name them, and
    whether the client talks to a custom endpoint (a sandbox or emulator) rather than AWS."""

    def annotate(http_response: Any = None, parsed: Any = None, **_: Any) -> None:
        if (
            http_response is not None
            and http_response.status_code >= 300
            and isinstance(parsed, dict)
        ):
            label = parsed.get("ResponseMetadata", {}).get(_ANNOTATION)
            if isinstance(label, dict):
                label.update(
                    account=account() or "",
                    region=region,
                    custom_endpoint="yes" if custom_endpoint else "",
                )

    return annotate


def call_error_annotator(service_model: Any, custom_endpoint: bool = False) -> Callable[..., None]:
    """A botocore 'after-call-error' handler that remembers the service and operation on
    the exception (connection errors, parser errors, SSO token errors)."""

    def annotate(exception: Any = None, event_name: str = "", **_: Any) -> None:
        if exception is not None:
            label = {
                "service_id": service_model.service_id,
                "signing_name": service_model.signing_name,
                "name": event_name.rsplit(".", 1)[-1],
                "custom_endpoint": "yes" if custom_endpoint else "",
            }
            try:
                exception._bootstrap_operation = label
            except AttributeError:
                pass

    return annotate


# ---------------------------------------------------------------- helpers
def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError or a mapped AwsError, else ''."""
    if isinstance(exc, bce.ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    if isinstance(exc, AwsError):
        return exc.code or ""
    return ""


def _annotation(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, bce.ClientError):
        found = exc.response.get("ResponseMetadata", {}).get(_ANNOTATION)
        if found:
            return found
        return {"service_id": "", "signing_name": "", "name": exc.operation_name or ""}
    return getattr(exc, "_bootstrap_operation", None) or {}


def _describe(exc: BaseException, operation: str | None) -> tuple[str, str | None]:
    """Return (display label "Service.Operation", IAM action "prefix:Operation" or None)."""
    info = _annotation(exc)
    name = info.get("name", "")
    service_id = info.get("service_id", "")
    prefix = info.get("signing_name", "")
    if operation:
        if ":" in operation:
            prefix, name = operation.split(":", 1)
            service_id = service_id or prefix
        elif "." in operation:
            service_id, name = operation.split(".", 1)
        else:
            name = operation
    if not prefix and service_id:
        prefix = service_id.lower().replace(" ", "-")
    label = f"{service_id}.{name}" if service_id and name else (name or "an AWS call")
    action = f"{prefix}:{name}" if prefix and name else None
    return label, action


def _profile(profile: str | None) -> str | None:
    return profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")


def _sso_hint(profile: str | None) -> str:
    name = _profile(profile)
    return f"aws sso login --profile {name}" if name else "aws sso login"


def _is_html_error(exc: bce.ClientError) -> bool:
    code = error_code(exc)
    if code not in ("500", "501", "404", "405"):
        return False
    if code == "404" and (exc.operation_name or "").startswith("Head"):
        return False
    meta = exc.response.get("ResponseMetadata", {})
    ctype = str(meta.get("HTTPHeaders", {}).get("content-type", ""))
    message = str(exc.response.get("Error", {}).get("Message", "")).lstrip().lower()
    return (
        "html" in ctype
        or message.startswith(("<!doctype html", "<html"))
        or message in ("internal server error", "not found", "not implemented")
    )


def _unsupported(exc: BaseException, label: str, code: str | None) -> AwsError:
    """ "Not supported" only against a sandbox/emulator endpoint; from AWS it is a bad answer."""
    if not _annotation(exc).get("custom_endpoint"):
        return AwsError(
            f"the answer to {label} could not be read ({code})",
            "the response was garbled or cut short on the way (a proxy or a network fault); "
            "run the command again",
            kind="response",
            operation=label,
            code=code,
        )
    return _unsupported_here(label, code)


def _unsupported_here(label: str, code: str | None) -> AwsError:
    return AwsError(
        f"{label} is not supported by this endpoint",
        "the local emulator does not implement this API (real AWS does); "
        "the sandbox adds its own fakes for the calls bootstrap-tui needs",
        kind="unsupported",
        operation=label,
        code=code,
    )


# ---------------------------------------------------------------- mapping
def map_error(
    exc: BaseException, *, operation: str | None = None, profile: str | None = None
) -> AwsError:
    """Map any exception from an AWS call to an AwsError with a plain message and a hint."""
    if isinstance(exc, AwsError):
        return exc
    label, action = _describe(exc, operation)
    if isinstance(exc, BootstrapError):
        return AwsError(exc.message, exc.hint, operation=label)
    if isinstance(exc, bce.ClientError):
        return _map_client_error(exc, label, action, profile, _where(_annotation(exc)))
    if isinstance(exc, _SSO_ERRORS):
        return AwsError(
            "your AWS SSO (IAM Identity Center) session has expired or is missing",
            _sso_hint(profile),
            kind="credentials",
            operation=label,
            code=type(exc).__name__,
        )
    if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError)):
        what = (
            "no AWS credentials were found"
            if isinstance(exc, bce.NoCredentialsError)
            else f"the AWS credentials are incomplete ({exc})"
        )
        return AwsError(
            what,
            "sign in with `aws configure sso` then `aws sso login --profile NAME` and pass "
            "--aws-profile NAME (or set AWS_PROFILE), or keep a bootstrap IAM user's keys in the "
            "OS keychain, or try `bootstrap-tui --sandbox`",
            kind="credentials",
            operation=label,
            code=type(exc).__name__,
        )
    if isinstance(exc, bce.ProfileNotFound):
        name = exc.kwargs.get("profile", "") if hasattr(exc, "kwargs") else ""
        return AwsError(
            f"the AWS profile '{name}' is not in your AWS config",
            "list profiles with `aws configure list-profiles`, or create it with "
            f"`aws configure sso --profile {name}`",
            kind="config",
            operation=label,
            code="ProfileNotFound",
        )
    if isinstance(exc, bce.NoRegionError):
        return AwsError(
            "no AWS region is configured",
            "pass --region (e.g. --region us-east-1)",
            kind="config",
            operation=label,
            code="NoRegionError",
        )
    if isinstance(
        exc,
        (
            bce.EndpointConnectionError,
            bce.ConnectTimeoutError,
            bce.ReadTimeoutError,
            bce.HTTPClientError,
        ),
    ):
        endpoint = (
            strip_userinfo(getattr(exc, "kwargs", {}).get("endpoint_url") or "").rstrip("/")
            or "the AWS endpoint"
        )
        what = (
            "timed out waiting for"
            if isinstance(exc, bce.ReadTimeoutError)
            else "could not connect to"
        )
        return AwsError(
            f"{what} {endpoint} during {label}",
            "check your network connection, proxy and --endpoint-url/AWS_ENDPOINT_URL; "
            "if you use the sandbox, make sure it is still running",
            kind="connection",
            operation=label,
            code=type(exc).__name__,
        )
    if isinstance(exc, NotImplementedError):  # only moto, in process, raises it
        return _unsupported_here(label, type(exc).__name__)
    if isinstance(exc, ResponseParserError):
        return _unsupported(exc, label, type(exc).__name__)
    if isinstance(exc, KeyError):
        return AwsError(
            f"the answer to {label} lacked {exc} (an incomplete response)",
            "the response was cut short or changed on the way (a proxy or a network fault); "
            "run the command again",
            kind="response",
            operation=label,
            code="KeyError",
        )
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(f"{label} failed: {exc}", None, operation=label, code=type(exc).__name__)
    return AwsError(
        f"{label} failed unexpectedly: {type(exc).__name__}: {exc}",
        None,
        operation=label,
        code=type(exc).__name__,
    )


def _where(info: dict[str, str]) -> str:
    account, region = info.get("account"), info.get("region")
    if account:
        return f" in account {account}" + (f" ({region})" if region else "")
    return f" ({region})" if region else ""


def _map_client_error(
    exc: bce.ClientError, label: str, action: str | None, profile: str | None, where: str = ""
) -> AwsError:
    code = error_code(exc)
    message = str(exc.response.get("Error", {}).get("Message", "")).strip()
    if code in ACCESS_DENIED_CODES:
        needed = action or label
        return AwsError(
            f"access denied: the current identity may not call {needed} ({label}){where}",
            f"grant {needed} to this identity (an IAM policy or permission set), or use a "
            "profile/role that has it; an SCP can also deny it",
            kind="access",
            operation=label,
            code=code,
        )
    if code in EXPIRED_TOKEN_CODES:
        return AwsError(
            "your AWS session token has expired",
            _sso_hint(profile),
            kind="credentials",
            operation=label,
            code=code,
        )
    if code in INVALID_CREDENTIALS_CODES:
        return AwsError(
            f"AWS rejected the credentials ({code}): {message}",
            "check the access key (it may be deleted or inactive) or sign in again with "
            f"`{_sso_hint(profile)}`",
            kind="credentials",
            operation=label,
            code=code,
        )
    if code in THROTTLING_CODES:
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        return AwsError(
            f"AWS kept throttling {label} ({code}) after {attempts} retries",
            "wait a minute and run again, or lower the concurrency",
            kind="throttled",
            operation=label,
            code=code,
        )
    if _is_html_error(exc):
        return _unsupported(exc, label, code)
    return AwsError(
        f"AWS said {code}: {message or '(no message)'} during {label}",
        None,
        operation=label,
        code=code,
    )


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `fn(*args, **kwargs)` and raise a mapped AwsError if it fails."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        raise map_error(exc) from exc


def is_not_found(exc: BaseException) -> bool:
    """True for "*NotFound*", "NoSuch*", ResourceNotFoundException and S3 HEAD 404s."""
    code = error_code(exc)
    if "NotFound" in code or code.startswith("NoSuch") or code in NOT_FOUND_EXACT:
        return True
    operation = getattr(exc, "operation_name", "") or ""
    return code == "404" and operation.startswith("Head")


def exit_kind(err: BaseException) -> int | None:
    """Exit code 3 for credentials/connection/config errors; None means "report per check"."""
    return EXIT_AWS if getattr(err, "kind", None) in CREDENTIAL_KINDS else None
