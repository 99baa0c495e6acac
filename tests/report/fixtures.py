"""Real model objects (Steps, Checks, CheckResults, a VerifyRun) for report tests."""

from __future__ import annotations

from bootstrap_tui.engine import VerifyRun
from bootstrap_tui.model import (
    Check,
    CheckResult,
    ManualItem,
    Outcome,
    Plan,
    Scope,
    Severity,
    Status,
    Step,
)

MGMT = "111111111111"
LOGS = "222222222222"
HOSTILE = '<script>alert(\'x\')</script> "quoted" & | `tick` =HYPERLINK("http://evil") \x1b[31m'
SECRET_KEY_ID = "AKIAABCDEFGHIJKLMNOP"


def _noop(ctx, account, region):  # pragma: no cover - never run in report tests
    return Outcome.ok("ok")


class _Base(Step):
    def plan(self, ctx):  # pragma: no cover
        return Plan(self.id)

    def apply(self, ctx, plan):  # pragma: no cover
        return None


ROOT_MFA = Check(
    "root.mfa-enabled",
    "Root user has MFA",
    Severity.CRITICAL,
    Scope.MANAGEMENT,
    _noop,
    "Enable a hardware MFA device on the root user in the console.",
    frameworks={
        "cis-aws-3.0": ["1.4"],
        "soc2": ["CC6.1"],
        "iso27001-2022": ["A.8.5"],
        "pci-dss-4.0": ["8.4.1"],
        "aws-ssb": ["ACCT.02"],
    },
    prowler="iam_root_mfa_enabled",
)
ROOT_KEYS = Check(
    "root.no-access-keys",
    "Root user has no access keys",
    Severity.CRITICAL,
    Scope.MANAGEMENT,
    _noop,
    "Delete the root user's access keys.",
    frameworks={"cis-aws-3.0": ["1.3"], "aws-ssb": ["ACCT.02"]},
    prowler="iam_no_root_access_key",
)
TRAIL = Check(
    "logs.trail-multi-region",
    "Organization trail is multi-region and logging",
    Severity.HIGH,
    Scope.ACCOUNT,
    _noop,
    "Turn on the organization trail.",
    frameworks={
        "cis-aws-3.0": ["3.1"],
        "soc2": ["CC7.2"],
        "iso27001-2022": ["A.8.15"],
        "pci-dss-4.0": ["10.2.1"],
        "aws-ssb": ["ACCT.07"],
    },
    prowler="cloudtrail_multi_region_enabled",
)
EBS = Check(
    "guardrails.ebs-encryption",
    "EBS encryption by default",
    Severity.MEDIUM,
    Scope.ACCOUNT_REGION,
    _noop,
    "Enable EBS encryption by default in every region.",
    frameworks={"cis-aws-3.0": ["2.2.1"], "aws-ssb": ["WKLD.08"], "pci-dss-4.0": ["3.5.1"]},
    prowler="ec2_ebs_default_encryption",
)
CONTACT = Check(
    "account.security-contact",
    "Security contact registered",
    Severity.LOW,
    Scope.ACCOUNT,
    _noop,
    "Set the security alternate contact.",
    frameworks={"cis-aws-3.0": ["1.2"], "aws-ssb": ["ACCT.01"]},
)


class RootMfa(_Base):
    id = "root-mfa"
    title = "Root user: MFA and no access keys"
    summary = "Protect the root user."
    manual = (
        ManualItem(
            "root-mfa.device",
            "Enable MFA on root",
            "Console: IAM > Security credentials > Assign MFA",
            check_id="root.mfa-enabled",
        ),
        ManualItem("root-mfa.password-manager", "Root password in a password manager", "Store it."),
    )
    checks = (ROOT_MFA, ROOT_KEYS)


class LogArchive(_Base):
    id = "log-archive"
    title = "Immutable log archive"
    summary = "Organization trail into a locked bucket."
    checks = (TRAIL,)


class Guardrails(_Base):
    id = "guardrails"
    title = "Guardrails"
    summary = "SCPs and account defaults."
    checks = (EBS, CONTACT)


def make_steps() -> list[Step]:
    return [RootMfa(), LogArchive(), Guardrails()]


def result(
    check: Check,
    step_id: str,
    status: Status,
    message: str,
    account: str = MGMT,
    region: str | None = None,
    **evidence,
) -> CheckResult:
    return CheckResult(
        check_id=check.id,
        step_id=step_id,
        title=check.title,
        status=status,
        severity=check.severity,
        message=message,
        remediation=check.remediation,
        account=account,
        region=region,
        evidence=evidence,
        frameworks=check.mappings(),
        prowler=check.prowler,
    )


def make_run() -> VerifyRun:
    results = [
        result(ROOT_MFA, "root-mfa", Status.PASS, "MFA is enabled", AccountMFAEnabled=1),
        result(
            ROOT_KEYS,
            "root-mfa",
            Status.FAIL,
            "root has 1 access key",
            AccountAccessKeysPresent=1,
            key=SECRET_KEY_ID,
        ),
        result(
            TRAIL,
            "log-archive",
            Status.PASS,
            "trail org-trail is logging",
            account=MGMT,
            IsMultiRegionTrail=True,
        ),
        result(
            TRAIL,
            "log-archive",
            Status.ERROR,
            "AccessDenied: cannot assume role",
            account=LOGS,
            error="AccessDenied",
        ),
        result(
            EBS,
            "guardrails",
            Status.PASS,
            "enabled",
            account=MGMT,
            region="eu-west-1",
            EbsEncryptionByDefault=True,
        ),
        result(
            EBS,
            "guardrails",
            Status.WARN,
            "enabled, AWS managed key",
            account=LOGS,
            region="eu-west-1",
            KmsKeyId="alias/aws/ebs",
        ),
        result(
            EBS,
            "guardrails",
            Status.FAIL,
            HOSTILE,
            account=LOGS,
            region="us-east-1",
            EbsEncryptionByDefault=False,
            password="hunter2",
        ),
        result(
            CONTACT,
            "guardrails",
            Status.MANUAL,
            "confirm the contact is a distribution list",
            account=MGMT,
        ),
    ]
    return VerifyRun(
        results=results,
        started_at="2024-05-02T10:00:00+00:00",
        finished_at="2024-05-02T10:00:07+00:00",
        actor=f"arn:aws:sts::{MGMT}:assumed-role/Admin/alice",
        account=MGMT,
        endpoint="http://127.0.0.1:4566",
        calls=42,
    )


def make_state() -> dict:
    """State data with a synthetic evidence history: three earlier verify runs."""
    return {
        "schema_version": 1,
        "management_account_id": MGMT,
        "profile": "soc2",
        "steps": {
            "root-mfa": {"status": "manual-pending", "updated_at": "2024-05-01T09:00:00+00:00"},
            "log-archive": {"status": "verified", "updated_at": "2024-05-01T09:30:00+00:00"},
            "guardrails": {
                "status": "failed",
                "updated_at": "2024-05-01T09:40:00+00:00",
                "error": f"boom with {SECRET_KEY_ID}",
            },
        },
        "attestations": {
            "root-mfa.device": {
                "by": "arn:aws:iam::111111111111:user/alice",
                "at": "2024-05-01T08:00:00+00:00",
                "note": "YubiKey #2",
            },
            "org.incident-response-plan": {
                "by": "alice",
                "at": "2024-04-20T12:00:00+00:00",
                "note": HOSTILE,
            },
        },
        "evidence_history": [
            {
                "at": "2024-04-01T00:00:00+00:00",
                "by": "alice",
                "summary": {},
                "checks": {"root.mfa-enabled": "FAIL", "logs.trail-multi-region": "PASS"},
            },
            {
                "at": "2024-04-10T00:00:00+00:00",
                "by": "alice",
                "summary": {},
                "checks": {"root.mfa-enabled": "PASS", "logs.trail-multi-region": "FAIL"},
            },
            {
                "at": "2024-04-20T00:00:00+00:00",
                "by": "ci",
                "summary": {},
                "checks": {
                    "root.mfa-enabled": "PASS",
                    "logs.trail-multi-region": "PASS",
                    "root.no-access-keys": "FAIL",
                },
            },
        ],
    }
