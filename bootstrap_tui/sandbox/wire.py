"""AWS wire formats: the request context, responses and errors per protocol."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

JSON = "json"
REST_JSON = "rest-json"
QUERY = "query"
EC2 = "ec2"
REST_XML = "rest-xml"

QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"


@dataclass
class Call:
    """One AWS API request as the sandbox sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    service: str | None = None
    region: str = "us-east-1"
    access_key: str | None = None
    account: str = ""
    protocol: str = REST_JSON
    operation: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        """The IAM-style action name, e.g. ``organizations:CreateAccount``."""
        return f"{self.service}:{self.operation}"


@dataclass
class Response:
    """A complete HTTP response."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class AwsError(Exception):
    """An AWS error response; rendered in the protocol of the request."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        sender: bool = True,
        fields: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
        self.fields = fields or {}  # the error shape's other members (JSON protocols), e.g. Reason


def request_id() -> str:
    return str(uuid.uuid4())


def json_response(data: Any, status: int = 200, protocol: str = JSON) -> Response:
    content_type = "application/x-amz-json-1.1" if protocol == JSON else "application/json"
    body = json.dumps(data, default=str).encode()
    return Response(
        status, [("Content-Type", content_type), ("x-amzn-RequestId", request_id())], body
    )


def to_xml(value: Any, member_tag: str = "member") -> str:
    """Serialise dicts/lists/scalars into AWS query-style XML fragments."""
    if isinstance(value, dict):
        return "".join(
            f"<{k}>{to_xml(v, member_tag)}</{k}>" for k, v in value.items() if v is not None
        )
    if isinstance(value, list):
        return "".join(f"<{member_tag}>{to_xml(v, member_tag)}</{member_tag}>" for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def query_response(service: str, operation: str, result: dict[str, Any] | str | None) -> Response:
    """A query-protocol (iam, sts) success response."""
    namespace = QUERY_NAMESPACES.get(service, f"https://{service}.amazonaws.com/doc/")
    inner = result if isinstance(result, str) else to_xml(result or {})
    body = (
        f'<{operation}Response xmlns="{namespace}">'
        f"<{operation}Result>{inner}</{operation}Result>"
        f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return Response(200, [("Content-Type", "text/xml")], body.encode())


def ec2_response(operation: str, inner_xml: str) -> Response:
    """An EC2-protocol success response; ``inner_xml`` is already serialised."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><{operation}Response xmlns="{EC2_NAMESPACE}">'
        f"<requestId>{request_id()}</requestId>{inner_xml}</{operation}Response>"
    )
    return Response(200, [("Content-Type", "text/xml;charset=UTF-8")], body.encode())


def error_response(protocol: str, error: AwsError, service: str | None = None) -> Response:
    """Render ``error`` the way AWS does for ``protocol`` so botocore parses it."""
    rid = request_id()
    code, message = escape(error.code), escape(error.message)
    if protocol == JSON:
        body = json.dumps({"__type": error.code, "message": error.message, **error.fields}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", rid)]
    elif protocol == REST_JSON:
        body = json.dumps(
            {
                "__type": error.code,
                "message": error.message,
                "Message": error.message,
                **error.fields,
            }
        ).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error.code),
            ("x-amzn-RequestId", rid),
        ]
    elif protocol == EC2:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>"
        ).encode()
        headers = [("Content-Type", "text/xml;charset=UTF-8")]
    elif protocol == REST_XML:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>{rid}</RequestId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", rid)]
    else:
        namespace = QUERY_NAMESPACES.get(service or "", "https://amazonaws.com/doc/")
        kind = "Sender" if error.sender else "Receiver"
        body = (
            f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    return Response(error.status, headers, body)


def access_denied(call: Call, caller_arn: str) -> AwsError:
    """The error AWS returns when IAM denies ``call``."""
    message = f"User: {caller_arn} is not authorized to perform: {call.action}"
    if call.protocol in (JSON, REST_JSON):
        return AwsError("AccessDeniedException", message, 400 if call.protocol == JSON else 403)
    if call.protocol == EC2:
        return AwsError(
            "UnauthorizedOperation",
            f"You are not authorized to perform this operation. {message}",
            403,
        )
    return AwsError("AccessDenied", message, 403)


def region_not_enabled(call: Call) -> AwsError:
    """What AWS answers in a region the caller's account has not opted in to."""
    message = "The security token included in the request is invalid."
    if call.protocol in (JSON, REST_JSON):
        return AwsError("UnrecognizedClientException", message, 403)
    if call.protocol == EC2:
        return AwsError(
            "AuthFailure", "AWS was not able to validate the provided access credentials", 401
        )
    if call.protocol == REST_XML:
        return AwsError(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
        )
    return AwsError("InvalidClientTokenId", message, 403)


def throttled(call: Call) -> AwsError:
    """A throttling error that botocore's retry handler recognises."""
    if call.protocol == JSON:
        return AwsError("ThrottlingException", "Rate exceeded", 400)
    if call.protocol == REST_JSON:
        return AwsError("ThrottlingException", "Rate exceeded", 429)
    if call.protocol == EC2:
        return AwsError("RequestLimitExceeded", "Request limit exceeded.", 503, sender=False)
    if call.protocol == REST_XML:
        return AwsError("SlowDown", "Please reduce your request rate.", 503, sender=False)
    return AwsError("Throttling", "Rate exceeded", 400)


def server_error(call: Call, unavailable: bool) -> AwsError:
    """An HTTP 503 ServiceUnavailable or 500 InternalError."""
    if unavailable:
        return AwsError(
            "ServiceUnavailable",
            "Service is unavailable. Please try again later.",
            503,
            sender=False,
        )
    code = "InternalFailure" if call.protocol in (JSON, REST_JSON) else "InternalError"
    return AwsError(code, "We encountered an internal error. Please try again.", 500, sender=False)
