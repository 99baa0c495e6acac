"""IAM and SCP evaluation for callers the sandbox knows.

A request signed with the keys of an IAM user, or of a session of a role that exists, is
allowed only if (IAM User Guide, "Policy evaluation logic"):
- no identity policy of the principal explicitly denies the action and at least one allows it;
- in a member account of an organization with SCPs enabled, no SCP attached to the root, an
  OU on the account's path or the account denies it, and at each of those levels some SCP
  allows it (Organizations User Guide, "SCP evaluation").
Requests with keys the sandbox does not know (the default test credentials) are not
evaluated: they keep acting as the management account's administrator.

Simplifications: the request's resource is worked out for IAM roles and users, S3 buckets and
objects, CloudTrail trails and Config rules (what the guardrail SCPs name); for any other request
a statement naming specific resources applies if it allows and does not if it denies (the
sandbox cannot tell). Condition keys are ``aws:PrincipalArn``, ``aws:RequestedRegion`` and
``aws:AssumedRoot``; a key the sandbox does not know is absent, so a Deny with a negated
operator on it applies, and an Allow on it does not.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from . import motoaccess
from .faults import s3_operation
from .wire import AwsError, Call, access_denied

NEGATED = (
    "StringNotEquals",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "StringNotEqualsIgnoreCase",
)


def _listed(value: Any) -> list[Any]:
    return [value] if isinstance(value, (str, bool)) else list(value or [])


S3_CONTROL_PAB = {
    "GET": "GetPublicAccessBlock",
    "PUT": "PutPublicAccessBlock",
    "DELETE": "DeletePublicAccessBlock",
}


def iam_action(call: Call) -> str | None:
    """The IAM action a request needs (S3 Control's account public access block by its path)."""
    from bootstrap_tui.iam_policy import signed_action

    if call.service == "s3" and call.path.startswith("/v20180820/"):
        operation = (
            S3_CONTROL_PAB.get(call.method) if call.path.endswith("/publicAccessBlock") else None
        )
        return signed_action("s3control", operation) if operation else f"s3:{call.method}"
    operation = call.operation or (s3_operation(call) if call.service == "s3" else None)
    if not operation or not call.service:
        return None
    return signed_action(call.service, operation)


def principal(call: Call) -> tuple[str, list[Any]] | None:
    """(principal ARN for conditions, its identity policy documents), or None for unknown keys."""
    from moto.sts.models import sts_backends

    if not call.access_key or not call.account:
        return None
    for session in list(sts_backends[call.account]["aws"].assumed_roles):
        if session.access_key_id == call.access_key:
            name = session.role_arn.split("/")[-1]
            role = motoaccess.role(call.account, name)
            if role is None:
                return None
            return role.arn, _role_documents(call.account, name)
    backend = motoaccess.iam(call.account)
    user = backend.get_user_from_access_key_id(call.access_key)
    if user is None:
        return None
    return user.arn, _user_documents(backend, user.name)


def _document(policy: Any) -> dict[str, Any]:
    if isinstance(policy, str):
        return json.loads(policy)
    if isinstance(policy, dict):
        return json.loads(policy["policy_document"]) if "policy_document" in policy else policy
    default = next(v for v in policy.versions if v.is_default)
    document = default.document
    return json.loads(document) if isinstance(document, str) else document


def _role_documents(account: str, name: str) -> list[dict[str, Any]]:
    backend = motoaccess.iam(account)
    documents = [
        _document(backend.get_role_policy(name, p)[1]) for p in backend.list_role_policies(name)
    ]
    attached, _ = backend.list_attached_role_policies(name)
    return documents + [_document(p) for p in attached]


def _user_documents(backend: Any, name: str) -> list[dict[str, Any]]:
    documents = [
        _document(backend.get_user_policy(name, p)) for p in backend.list_user_policies(name)
    ]
    attached, _ = backend.list_attached_user_policies(name)
    documents += [_document(p) for p in attached]
    for group in backend.get_groups_for_user(name):
        documents += [
            _document(backend.get_group_policy(group.name, p))
            for p in backend.list_group_policies(group.name)
        ]
        attached, _ = backend.list_attached_group_policies(group.name)
        documents += [_document(p) for p in attached]
    return documents


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(
            fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement["NotAction"])
        )
    return any(
        fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement.get("Action"))
    )


def _condition_holds(operator: str, key: str, wanted: Any, context: dict[str, str]) -> bool:
    base = operator.removesuffix("IfExists")
    actual = context.get(key.lower())
    if operator == "Null":
        return (actual is None) == (str(_listed(wanted)[0]).lower() == "true")
    if actual is None:
        return operator.endswith("IfExists") or base in NEGATED
    values = [str(v) for v in _listed(wanted)]
    if base in ("StringEquals", "ArnEquals"):
        return actual in values
    if base == "StringEqualsIgnoreCase":
        return actual.lower() in [v.lower() for v in values]
    if base in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(actual, v) for v in values)
    if base in ("StringNotEquals", "ArnNotEquals"):
        return actual not in values
    if base == "StringNotEqualsIgnoreCase":
        return actual.lower() not in [v.lower() for v in values]
    if base in ("StringNotLike", "ArnNotLike"):
        return not any(fnmatch.fnmatchcase(actual, v) for v in values)
    if base == "Bool":
        return actual.lower() in [v.lower() for v in values]
    return False  # an operator the sandbox does not evaluate: the statement does not apply


def request_resource(call: Call) -> str | None:
    """The ARN the request acts on, where the sandbox can tell; else None."""
    params, account, region = call.params, call.account, call.region or "us-east-1"
    if call.service == "iam":
        if params.get("RoleName"):
            return f"arn:aws:iam::{account}:role/{params['RoleName']}"
        if params.get("UserName"):
            return f"arn:aws:iam::{account}:user/{params['UserName']}"
        return None
    if call.service == "s3" and not call.path.startswith("/v20180820/"):
        path = call.path.strip("/")
        return f"arn:aws:s3:::{path}" if path else None
    if call.service == "cloudtrail" and params.get("Name"):
        name = str(params["Name"])
        return (
            name
            if name.startswith("arn:")
            else f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
        )
    if call.service == "config" and params.get("ConfigRuleName"):
        return f"arn:aws:config:{region}:{account}:config-rule/{params['ConfigRuleName']}"
    return None


def _resource_matches(statement: dict[str, Any], resource: str | None) -> bool:
    if "NotResource" in statement:
        return resource is None or not any(
            fnmatch.fnmatchcase(resource, r) for r in _listed(statement["NotResource"])
        )
    patterns = _listed(statement.get("Resource", "*"))
    if "*" in patterns:
        return True
    if resource is None:  # the sandbox cannot tell: an Allow applies, a Deny does not
        return statement.get("Effect") != "Deny"
    return any(fnmatch.fnmatchcase(resource, r) for r in patterns)


def _applies(
    statement: dict[str, Any], action: str, context: dict[str, str], resource: str | None = None
) -> bool:
    if not _action_matches(statement, action) or not _resource_matches(statement, resource):
        return False
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, wanted in pairs.items():
            if not _condition_holds(operator, key, wanted, context):
                return False
    return True


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def decide(
    documents: list[dict[str, Any]],
    action: str,
    context: dict[str, str],
    resource: str | None = None,
) -> str:
    """ALLOW, DENY (explicit) or NONE (no statement allows it)."""
    allowed = False
    for document in documents:
        for statement in _statements(document):
            if _applies(statement, action, context, resource):
                if statement.get("Effect") == "Deny":
                    return "DENY"
                allowed = True
    return "ALLOW" if allowed else "NONE"


def _scp_levels(account: str) -> list[list[dict[str, Any]]] | None:
    """The SCP documents at each level (root, OUs, account) above a member account; None when
    SCPs do not apply (not a member, or the policy type is not enabled)."""
    management = motoaccess.org_management_account(account)
    if management is None or management == account:
        return None
    backend = motoaccess.organizations(management)
    roots = [ou for ou in backend.ou if ou.id.startswith("r-")]
    if not roots or not any(
        p.get("Type") == "SERVICE_CONTROL_POLICY" and p.get("Status") == "ENABLED"
        for p in getattr(roots[0], "policy_types", [])
    ):
        return None
    by_id = {ou.id: ou for ou in backend.ou}
    target = next((a for a in backend.accounts if a.id == account), None)
    if target is None:
        return None
    chain: list[Any] = [target]
    parent = by_id.get(target.parent_id)
    while parent is not None:
        chain.append(parent)
        parent = by_id.get(getattr(parent, "parent_id", None))
    return [
        [
            json.loads(p.content)
            for p in node.attached_policies
            if p.type == "SERVICE_CONTROL_POLICY"
        ]
        for node in reversed(chain)
    ]


def check(call: Call) -> AwsError | None:
    """The AccessDenied error for ``call``, or None when it may proceed."""
    found = principal(call)
    if found is None:
        return None
    action = iam_action(call)
    if action is None:
        return None
    arn, documents = found
    context = {
        "aws:principalarn": arn,
        "aws:requestedregion": call.region or "us-east-1",
        "aws:assumedroot": "false",
    }
    caller = motoaccess.caller_arn(call.access_key, call.account)
    resource = request_resource(call)
    if decide(documents, action, context, resource) != "ALLOW":
        error = access_denied(call, caller)
        error.message = error.message.replace(f"perform: {call.action}", f"perform: {action}")
        return error
    levels = _scp_levels(call.account)
    if levels is not None:
        for level in levels:
            if decide(level, action, context, resource) != "ALLOW":
                return _scp_denied(call, caller, action)
    return None


def _scp_denied(call: Call, caller: str, action: str) -> AwsError:
    error = access_denied(call, caller)
    error.message = (
        f"User: {caller} is not authorized to perform: {action} with an explicit deny in a "
        "service control policy"
    )
    return error
