"""Seeds: the starting state of a sandbox (fresh, compliant, drifted).

``fresh`` is a brand-new management account: no organization, root MFA off,
no root access keys. ``compliant`` is what the product itself builds: the real
engine applies every step of the startup-minimal profile (``apply --yes
--simulate-console``, destructive changes confirmed) with a throw-away state
file. ``drifted`` is ``compliant`` plus the deliberate drifts in ``DRIFTS``.

``--accounts N`` (N >= 1) gives exactly N workload accounts: the profile's
Production and Staging, then ``Workload 3`` ... ``Workload N``, alternating
between Workloads/Prod and Workloads/NonProd. N = 0 (the default) keeps the
profile's own two. They are expressed as a derived profile
(``seed_profile_text``) that extends startup-minimal; ``regions`` may also
replace its governed regions.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .environ import environment

BASE_PROFILE = "startup-minimal"
MAX_WORKLOAD_ACCOUNTS = 98
SEED_CREDENTIAL = "testing"
_CREDENTIAL_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                   "AWS_DEFAULT_PROFILE")


def apply_seed(endpoint: str, seed: str, accounts: int, regions: list[str] | None = None) -> None:
    """Bring a freshly reset sandbox at ``endpoint`` to ``seed``.

    The caller (``Sandbox``) switches latency, faults and operation delays off
    while a seed is applied.
    """
    if seed == "fresh":
        return
    if seed == "brownfield-org":
        build_brownfield(endpoint)
        return
    build_compliant(endpoint, accounts, regions)
    if seed == "drifted":
        introduce_drift(endpoint, regions)


# ------------------------------------------------------------------ the seed profile

def _base_profile() -> Any:
    from bootstrap_tui.profile import load_profile

    return load_profile(BASE_PROFILE)


def workload_accounts(accounts: int) -> list[dict[str, str]]:
    """The workload account specs for ``--accounts N`` (0 = the profile's own)."""
    if accounts < 0 or accounts > MAX_WORKLOAD_ACCOUNTS:
        raise ValueError(f"accounts must be between 0 and {MAX_WORKLOAD_ACCOUNTS} (a profile holds at "
                         f"most 100 accounts, two of them Log Archive and Audit), got {accounts}")
    own = [dict(a) for a in _base_profile().data["accounts"] if a["ou"].startswith("Workloads")]
    if accounts == 0:
        return own
    specs = own[:accounts]
    for number in range(len(specs) + 1, accounts + 1):
        specs.append({"key": f"workload-{number}", "name": f"Workload {number}",
                      "ou": "Workloads/Prod" if number % 2 else "Workloads/NonProd",
                      "email_local": f"workload-{number}"})
    return specs


def seed_profile_text(accounts: int = 0, regions: list[str] | None = None) -> str | None:
    """YAML of the derived profile for ``accounts``/``regions``; None when startup-minimal itself fits."""
    if accounts == 0 and not regions:
        return None
    base = _base_profile().data
    workloads = workload_accounts(accounts)
    keys = {a["key"] for a in workloads}
    shared = [dict(a) for a in base["accounts"] if not a["ou"].startswith("Workloads")]
    derived: dict[str, Any] = {
        "extends": BASE_PROFILE,
        "name": "sandbox-seed",
        "description": f"startup-minimal with {len(workloads)} workload accounts (sandbox seed)",
        "accounts": shared + workloads,
    }
    dropped = {a["key"] for a in base["accounts"] if a["ou"].startswith("Workloads")} - keys
    if dropped:
        derived["identity_center"] = {"assignments": _assignments_without(base, dropped)}
    if regions:
        allowed = list(dict.fromkeys([*base["guardrails"]["allowed_regions"], *regions]))
        derived["home_region"] = regions[0]
        derived["governed_regions"] = list(regions)
        derived["guardrails"] = {"allowed_regions": allowed}
    return yaml.safe_dump(derived, sort_keys=False)


def _assignments_without(base: dict[str, Any], dropped: set[str]) -> list[dict[str, Any]]:
    kept = []
    for assignment in base["identity_center"]["assignments"]:
        targets = assignment["accounts"]
        if targets != "all":
            targets = [key for key in targets if key not in dropped]
            if not targets:
                continue
        kept.append({**assignment, "accounts": targets})
    return kept


def write_seed_profile(directory: Path, accounts: int = 0, regions: list[str] | None = None) -> str:
    """The profile to give the engine (``Options.profile``): a built-in name or a written file."""
    text = seed_profile_text(accounts, regions)
    if text is None:
        return BASE_PROFILE
    path = Path(directory) / "seed-profile.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ compliant

def _sandbox_credentials() -> contextlib.AbstractContextManager[None]:
    """Dummy credentials for the engine run, whatever AWS profile the sandbox's user has set."""
    return environment({**dict.fromkeys(_CREDENTIAL_ENV), "AWS_ACCESS_KEY_ID": SEED_CREDENTIAL,
                        "AWS_SECRET_ACCESS_KEY": SEED_CREDENTIAL})


def build_compliant(endpoint: str, accounts: int = 0, regions: list[str] | None = None) -> None:
    """Run the real engine: every step of the seed profile, applied as ``apply --yes --simulate-console``."""
    from bootstrap_tui.engine import Engine, Options
    from bootstrap_tui.errors import BootstrapError

    with tempfile.TemporaryDirectory(prefix="bootstrap-tui-seed-") as tmp:
        profile = write_seed_profile(Path(tmp), accounts, regions)
        with _sandbox_credentials():
            engine = Engine(Options(endpoint_url=endpoint, state_file=Path(tmp) / "state.yaml",
                                    profile=profile, simulate_console=True))
            step_id = "connect"
            try:
                engine.connect()
                ids = engine.step_ids()
                engine.require_inputs(ids)
                for step_id in ids:
                    engine.apply(step_id, confirm_destructive=lambda plan: True)
            except BootstrapError as exc:
                raise RuntimeError(f"seed compliant: step {step_id} failed: {exc}") from None
            finally:
                engine.close()


# ------------------------------------------------------------------ brownfield-org

BROWNFIELD_CONTACT = {"Name": "Jane Founder", "Title": "CEO", "EmailAddress": "jane@founder.example",
                      "PhoneNumber": "+1 206 555 0142"}
BROWNFIELD_SCP = "dev-deny-expensive-instances"
BROWNFIELD_PASSWORD_POLICY = {"MinimumPasswordLength": 8, "MaxPasswordAge": 30, "HardExpiry": True,
                              "RequireUppercaseCharacters": True, "AllowUsersToChangePassword": True}


def build_brownfield(endpoint: str) -> None:
    """What a founder builds by hand, with plain API calls: an organization with their own OUs Prod
    and Dev (one account each), their own SCP on Dev, a password policy stricter in some fields
    and weaker in others, alternate contacts on the management account, and a disabled GuardDuty
    detector in the home region."""
    org = _client(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    for name in ("Prod", "Dev"):
        ou = org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
        account = _created_account(org, f"{name} App", f"aws+{name.lower()}-app@founder.example")
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        if name == "Dev":
            policy = org.create_policy(
                Name=BROWNFIELD_SCP, Type="SERVICE_CONTROL_POLICY", Description="the founder's own SCP",
                Content=json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Sid": "NoLargeInstances", "Effect": "Deny", "Action": "ec2:RunInstances",
                    "Resource": "arn:aws:ec2:*:*:instance/*",
                    "Condition": {"StringLike": {"ec2:InstanceType": ["*.8xlarge", "*.16xlarge"]}}}]}))
            org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ou)
    _client(endpoint, "iam").update_account_password_policy(**BROWNFIELD_PASSWORD_POLICY)
    account = _client(endpoint, "account")
    for kind in ("BILLING", "OPERATIONS", "SECURITY"):
        account.put_alternate_contact(AlternateContactType=kind, **BROWNFIELD_CONTACT)
    _client(endpoint, "guardduty", region="us-east-1").create_detector(Enable=False)


def _created_account(org: Any, name: str, email: str) -> str:
    import time

    status = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    for _ in range(600):
        if status["State"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
        status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    if status["State"] != "SUCCEEDED":
        raise RuntimeError(f"seed brownfield-org: account {name}: {status.get('FailureReason')}")
    return status["AccountId"]


# ------------------------------------------------------------------ drifted

@dataclass(frozen=True)
class Drift:
    """One deliberate drift and the single check scope it must fail.

    ``account`` is a profile account key (``management`` for the management
    account); ``region`` is an index into the governed regions, or None for a
    check without region.
    """

    check_id: str
    account: str
    region: int | None
    what: str
    make: Callable[[str, str, str | None], None]


def _control(endpoint: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def _info(endpoint: str) -> dict[str, Any]:
    with urllib.request.urlopen(endpoint + "/_sandbox/info", timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _client(endpoint: str, service: str, account: str | None = None, region: str = "us-east-1") -> Any:
    import boto3
    from botocore.config import Config

    from bootstrap_tui.aws.clients import strip_account_host_prefix

    creds: dict[str, str] = {"aws_access_key_id": SEED_CREDENTIAL, "aws_secret_access_key": SEED_CREDENTIAL}
    if account is not None and account != _info(endpoint)["management_account_id"]:
        found = _client(endpoint, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="seed-drift")["Credentials"]
        creds = {"aws_access_key_id": found["AccessKeyId"], "aws_secret_access_key": found["SecretAccessKey"],
                 "aws_session_token": found["SessionToken"]}
    client = boto3.client(service, endpoint_url=endpoint, region_name=region,
                          config=Config(retries={"total_max_attempts": 1}), **creds)
    client.meta.events.register("before-sign.s3-control", strip_account_host_prefix)
    return client


def _root_keys(endpoint: str, account: str, region: str | None) -> None:
    _control(endpoint, "/_sandbox/root", {"account": account, "access_keys": True})


def _delete_password_policy(endpoint: str, account: str, region: str | None) -> None:
    _client(endpoint, "iam", account).delete_account_password_policy()


def _ebs_encryption_off(endpoint: str, account: str, region: str | None) -> None:
    _client(endpoint, "ec2", account, region).disable_ebs_encryption_by_default()


def _default_vpc_back(endpoint: str, account: str, region: str | None) -> None:
    _client(endpoint, "ec2", account, region).create_default_vpc()


def _stop_trail(endpoint: str, account: str, region: str | None) -> None:
    cloudtrail = _client(endpoint, "cloudtrail")
    trail = next(t for t in cloudtrail.describe_trails()["trailList"] if t.get("IsOrganizationTrail"))
    cloudtrail.stop_logging(Name=trail["TrailARN"])


def _detach_scp(endpoint: str, account: str, region: str | None) -> None:
    org = _client(endpoint, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    sandbox_ou = next(ou for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
                      if ou["Name"] == "Sandbox")
    policies = org.list_policies_for_target(TargetId=sandbox_ou["Id"], Filter="SERVICE_CONTROL_POLICY")["Policies"]
    policy = next(p for p in policies if p["Name"] != "FullAWSAccess")
    org.detach_policy(PolicyId=policy["Id"], TargetId=sandbox_ou["Id"])


def _log_validation_off(endpoint: str, account: str, region: str | None) -> None:
    cloudtrail = _client(endpoint, "cloudtrail")
    trail = next(t for t in cloudtrail.describe_trails()["trailList"] if t.get("IsOrganizationTrail"))
    cloudtrail.update_trail(Name=trail["TrailARN"], EnableLogFileValidation=False)


def _shorten_log_retention(endpoint: str, account: str, region: str | None) -> None:
    trail = next(t for t in _client(endpoint, "cloudtrail").describe_trails()["trailList"]
                 if t.get("IsOrganizationTrail"))
    s3 = _client(endpoint, "s3", account_ids_by_key(endpoint)["log-archive"])
    s3.put_bucket_lifecycle_configuration(Bucket=trail["S3BucketName"], LifecycleConfiguration={"Rules": [{
        "ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]})


def _delete_account_pab(endpoint: str, account: str, region: str | None) -> None:
    _client(endpoint, "s3control", account).delete_public_access_block(AccountId=account)


def _delete_guardduty(endpoint: str, account: str, region: str | None) -> None:
    guardduty = _client(endpoint, "guardduty", account, region)
    for detector in guardduty.list_detectors()["DetectorIds"]:
        guardduty.delete_detector(DetectorId=detector)


DRIFTS: tuple[Drift, ...] = (
    Drift("root.no-access-keys", "management", None, "the management root user has an access key",
          _root_keys),
    Drift("guardrails.password-policy", "audit", None, "the IAM password policy is deleted",
          _delete_password_policy),
    Drift("guardrails.ebs-default-encryption", "prod", -1, "EBS encryption by default is off",
          _ebs_encryption_off),
    Drift("guardrails.no-default-vpc", "log-archive", 0, "a default VPC is re-created",
          _default_vpc_back),
    Drift("log-archive.trail-multi-region", "management", None, "the organization trail stopped logging",
          _stop_trail),
    Drift("guardrails.scps-attached", "management", None, "an SCP is detached from the Sandbox OU",
          _detach_scp),
    Drift("security-services.guardduty-enabled", "prod", 0, "the GuardDuty detector is deleted",
          _delete_guardduty),
    Drift("log-archive.log-file-validation", "management", None,
          "log file validation is turned off on the organization trail", _log_validation_off),
    Drift("guardrails.s3-account-public-access-block", "prod", None,
          "the account-level S3 Block Public Access configuration is deleted", _delete_account_pab),
    Drift("log-archive.retention", "management", None,
          "the log bucket's lifecycle expires logs after 30 days", _shorten_log_retention),
)


def account_ids_by_key(endpoint: str, accounts: int = 0) -> dict[str, str]:
    """Profile account key -> account id in a seeded sandbox (matched by account name)."""
    info = _info(endpoint)
    by_name = {a.get("name"): a["id"] for a in info["accounts"] if not a["management"]}
    shared = [a for a in _base_profile().data["accounts"] if not a["ou"].startswith("Workloads")]
    found = {spec["key"]: by_name[spec["name"]] for spec in [*shared, *workload_accounts(accounts)]
             if spec["name"] in by_name}
    found["management"] = info["management_account_id"]
    return found


def drift_scopes(endpoint: str, regions: list[str] | None = None) -> list[tuple[str, str, str | None]]:
    """(check id, account id, region) of every drift in ``DRIFTS``, resolved for this sandbox."""
    governed = list(regions or _base_profile().governed_regions)
    ids = account_ids_by_key(endpoint)
    return [(d.check_id, ids[d.account], None if d.region is None else governed[d.region]) for d in DRIFTS]


def introduce_drift(endpoint: str, regions: list[str] | None = None) -> list[tuple[str, str, str | None]]:
    """Apply every drift in ``DRIFTS`` to a compliant sandbox; returns their scopes."""
    scopes = drift_scopes(endpoint, regions)
    for drift, (_, account, region) in zip(DRIFTS, scopes):
        drift.make(endpoint, account, region)
    return scopes
