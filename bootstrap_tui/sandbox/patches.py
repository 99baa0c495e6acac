"""In-process corrections to moto, applied once when a sandbox starts.

- S3 bucket policies: moto treats any statement whose Condition it cannot
  evaluate as an explicit Deny, so the usual TLS-only CloudTrail bucket policy
  blocks even the owner. The sandbox evaluates conditions against a request
  context in which ``aws:SecureTransport`` is true (the sandbox stands in for
  an HTTPS endpoint); a statement whose condition does not hold simply does
  not apply, as in IAM.
- Account lookup: moto's ``get_account_id_from`` instantiates an IAM backend
  for every partition of every account it scans (about a second per new
  account with AWS managed policies loaded); the sandbox only scans backends
  that already exist, after the root users' access keys (``ROOT_KEYS``).
- Identity Center: moto looks up an AWS managed policy's path under ``path``
  while its policy data spells it ``Path``, so policies outside ``/`` (e.g.
  ``job-function/Billing``) cannot be attached to a permission set.
- Organizations: accept the delegated-administrator and trusted-access service
  principals this project uses (securityhub, sso, config, cloudtrail, iam, ...).
- IAM: service-linked roles get AWS's names where moto's lowercase the service
  (AWS Config's is ``AWSServiceRoleForConfig``, Config developer guide "Using
  Service-Linked Roles for AWS Config").
- Identity Center ids in AWS's shapes (SSO Admin API Reference, "PermissionSet" and
  "InstanceMetadata" patterns): permission set ARNs are
  ``arn:aws:sso:::permissionSet/ssoins-…/ps-…`` (moto: ``…:instance/ssoins-…/ps-…``) and
  identity store ids ``d-`` and 10 hexadecimal digits (moto: any lowercase letters).
"""

from __future__ import annotations

import json
import re
from typing import Any

SERVICE_LINKED_ROLE_NAMES = {"config": "Config"}  # service -> the X of AWSServiceRoleForX
EXTRA_DELEGATED_SERVICES = (
    "securityhub.amazonaws.com",
    "sso.amazonaws.com",
    "config.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "access-analyzer.amazonaws.com",
    "guardduty.amazonaws.com",
    "inspector2.amazonaws.com",
    "detective.amazonaws.com",
    "macie.amazonaws.com",
    "backup.amazonaws.com",
    "stacksets.cloudformation.amazonaws.com",
    "member.org.stacksets.cloudformation.amazonaws.com",
    "fms.amazonaws.com",
    "ipam.amazonaws.com",
    "securitylake.amazonaws.com",
    "iam.amazonaws.com",
    "account.amazonaws.com",
    "auditmanager.amazonaws.com",
)
EXTRA_TRUSTED_SERVICES = ("iam.amazonaws.com", "controltower.amazonaws.com", "sso.amazonaws.com")

REQUEST_CONTEXT = {"aws:securetransport": ["true"]}

# Access key id -> account of the root user's access keys (moto has no root user; one sandbox per process).
ROOT_KEYS: dict[str, str] = {}

_applied = False


def apply_patches() -> None:
    """Apply the corrections (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.organizations.models import FakeDelegatedAdministrator, FakeServiceAccess
    from moto.s3.models import FakeBucket

    for principal in EXTRA_DELEGATED_SERVICES:
        if principal not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
            FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(principal)
    for principal in EXTRA_TRUSTED_SERVICES:
        if principal not in FakeServiceAccess.TRUSTED_SERVICES:
            FakeServiceAccess.TRUSTED_SERVICES.append(principal)
    FakeBucket.get_permission = _bucket_permission
    import moto.iam.models as iam_models

    iam_models.get_account_id_from = account_id_from
    iam_models.SERVICE_NAME_CONVERSION.update(SERVICE_LINKED_ROLE_NAMES)
    from moto.ssoadmin.models import SSOAdminBackend

    SSOAdminBackend._find_managed_policy = _find_aws_managed_policy
    _aws_shaped_identity_center_ids()
    _applied = True


def _aws_shaped_identity_center_ids() -> None:
    from moto.moto_api._internal import mock_random
    from moto.ssoadmin.models import Instance, PermissionSet

    def permission_set_arn(instance_arn: str) -> str:
        partition, instance = instance_arn.split(":")[1], instance_arn.rsplit("/", 1)[1]
        suffix = mock_random.get_random_hex(16)
        return f"arn:{partition}:sso:::permissionSet/{instance}/ps-{suffix}"

    original = Instance.__init__

    def instance_init(self: Any, account_id: str, region: str) -> None:
        original(self, account_id, region)
        self.identity_store_id = f"d-{mock_random.get_random_hex(10)}"

    PermissionSet.generate_id = staticmethod(permission_set_arn)
    Instance.__init__ = instance_init


def _find_aws_managed_policy(self: Any, managed_policy_arn: str) -> Any:
    """moto's lookup, reading the policy path from the ``Path`` key its data uses."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.ssoadmin.exceptions import ResourceNotFoundException
    from moto.ssoadmin.models import ManagedPolicy

    if self.aws_managed_policies is None:
        self.aws_managed_policies = json.loads(aws_managed_policies_data)
    name = managed_policy_arn.split("/")[-1]
    policy = self.aws_managed_policies.get(name)
    if policy is not None:
        path = policy.get("Path") or policy.get("path") or "/"
        if managed_policy_arn == f"arn:{self.partition}:iam::aws:policy{path}{name}":
            return ManagedPolicy(managed_policy_arn, name)
    raise ResourceNotFoundException(f"Policy does not exist with ARN: {managed_policy_arn}")


def account_id_from(access_key: str) -> str:
    """The account owning ``access_key`` (a root user's key, or a key in an existing IAM backend),
    else moto's default account."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    if access_key in ROOT_KEYS:
        return ROOT_KEYS[access_key]
    for account_id, account in list(iam_backends.items()):
        for backend in list(dict.values(account)):
            if access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


def _bucket_permission(bucket: Any, action: str, resource: str) -> Any:
    from moto.iam.access_control import PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    return evaluate_bucket_policy(bucket.policy, action, resource)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str) -> bool:
    for pattern in _as_list(patterns):
        regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
        if re.match(regex, value, re.IGNORECASE):
            return True
    return False


def _applies_to_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def _condition_holds(condition: dict[str, Any]) -> bool:
    for operator, entries in condition.items():
        base = operator.replace("IfExists", "")
        for key, expected in entries.items():
            actual = REQUEST_CONTEXT.get(key.lower())
            if actual is None:
                if operator.endswith("IfExists"):
                    continue
                return base.startswith("Null") and str(expected).lower() == "true"
            wanted = [str(v).lower() for v in _as_list(expected)]
            if base in ("Bool", "StringEquals", "StringEqualsIgnoreCase", "StringLike"):
                if not any(_matches(w, a) for w in wanted for a in actual):
                    return False
            elif base in ("StringNotEquals", "StringNotLike"):
                if any(_matches(w, a) for w in wanted for a in actual):
                    return False
            else:
                return False
    return True


def evaluate_bucket_policy(policy: bytes | str, action: str, resource: str) -> Any:
    """Evaluate the statements that apply to everyone ("*"); explicit Deny wins."""
    from moto.iam.access_control import PermissionResult

    document = json.loads(policy.decode() if isinstance(policy, bytes) else policy)
    permitted = False
    for statement in _as_list(document.get("Statement")):
        if not _applies_to_anyone(statement.get("Principal")):
            continue
        if "NotAction" in statement:
            if _matches(statement["NotAction"], action):
                continue
        elif not _matches(statement.get("Action"), action):
            continue
        if "Resource" in statement and not _matches(statement["Resource"], resource):
            continue
        if not _condition_holds(statement.get("Condition") or {}):
            continue
        if statement.get("Effect") == "Deny":
            return PermissionResult.DENIED
        permitted = True
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL
