"""Drifts of the security-services step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift

HOME_REGION = "us-east-1"
BUDGET_NAME = "bootstrap-monthly-cost"


def _audit(endpoint: str) -> str:
    from ..seeds import account_ids_by_key

    return account_ids_by_key(endpoint)["audit"]


def _delete_guardduty(endpoint: str, account: str, region: str | None) -> list[dict[str, Any]]:
    guardduty = client(endpoint, "guardduty", account, region)
    deleted = []
    for detector in guardduty.list_detectors()["DetectorIds"]:
        found = guardduty.get_detector(DetectorId=detector)
        deleted.append({"FindingPublishingFrequency": found["FindingPublishingFrequency"]})
        guardduty.delete_detector(DetectorId=detector)
    return deleted


def _recreate_guardduty(
    endpoint: str, account: str, region: str | None, deleted: list[dict[str, Any]]
) -> None:
    guardduty = client(endpoint, "guardduty", account, region)
    for settings in deleted:
        guardduty.create_detector(Enable=True, **settings)


def _admin_detector(endpoint: str, region: str | None) -> tuple[Any, str]:
    guardduty = client(endpoint, "guardduty", _audit(endpoint), region)
    return guardduty, guardduty.list_detectors()["DetectorIds"][0]


def _suspend_guardduty(endpoint: str, account: str, region: str | None) -> str:
    """As GuardDuty's delegated admin does it: auto-enable from ALL to NEW, then stop monitoring the account."""
    guardduty, detector = _admin_detector(endpoint, region)
    auto = guardduty.describe_organization_configuration(DetectorId=detector)[
        "AutoEnableOrganizationMembers"
    ]
    guardduty.update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers="NEW"
    )
    guardduty.stop_monitoring_members(DetectorId=detector, AccountIds=[account])
    return auto


def _resume_guardduty(endpoint: str, account: str, region: str | None, auto: str) -> None:
    guardduty, detector = _admin_detector(endpoint, region)
    guardduty.start_monitoring_members(DetectorId=detector, AccountIds=[account])
    guardduty.update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers=auto
    )


def _remove_guardduty_admin(endpoint: str, account: str, region: str | None) -> str:
    audit = _audit(endpoint)
    client(endpoint, "guardduty", account, region).disable_organization_admin_account(
        AdminAccountId=audit
    )
    return audit


def _restore_guardduty_admin(endpoint: str, account: str, region: str | None, audit: str) -> None:
    client(endpoint, "guardduty", account, region).enable_organization_admin_account(
        AdminAccountId=audit
    )


def _disable_security_hub(endpoint: str, account: str, region: str | None) -> list[dict[str, Any]]:
    """DisableSecurityHub also disables the account's standards; they are kept to re-enable them."""
    securityhub = client(endpoint, "securityhub", account, region)
    enabled = [
        {"StandardsArn": s["StandardsArn"], "StandardsInput": s.get("StandardsInput") or {}}
        for s in securityhub.get_enabled_standards()["StandardsSubscriptions"]
    ]
    securityhub.disable_security_hub()
    return enabled


def _reenable_security_hub(
    endpoint: str, account: str, region: str | None, standards: list[dict[str, Any]]
) -> None:
    securityhub = client(endpoint, "securityhub", account, region)
    securityhub.enable_security_hub(
        EnableDefaultStandards=False, ControlFindingGenerator="SECURITY_CONTROL"
    )
    if standards:
        securityhub.batch_enable_standards(StandardsSubscriptionRequests=standards)
    admin = client(endpoint, "securityhub", _audit(endpoint), region)
    if account not in {m["AccountId"] for m in admin.list_members(OnlyAssociated=False)["Members"]}:
        admin.create_members(AccountDetails=[{"AccountId": account}])


def _disable_cis_standard(endpoint: str, account: str, region: str | None) -> list[dict[str, Any]]:
    """BatchDisableStandards on the CIS AWS Foundations Benchmark subscription."""
    securityhub = client(endpoint, "securityhub", account, region)
    cis = [
        s
        for s in securityhub.get_enabled_standards()["StandardsSubscriptions"]
        if "cis-aws-foundations-benchmark" in s["StandardsArn"]
    ]
    securityhub.batch_disable_standards(
        StandardsSubscriptionArns=[s["StandardsSubscriptionArn"] for s in cis]
    )
    return [
        {"StandardsArn": s["StandardsArn"], "StandardsInput": s.get("StandardsInput") or {}}
        for s in cis
    ]


def _reenable_standards(
    endpoint: str, account: str, region: str | None, standards: list[dict[str, Any]]
) -> None:
    client(endpoint, "securityhub", account, region).batch_enable_standards(
        StandardsSubscriptionRequests=standards
    )


def _delete_finding_aggregator(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    securityhub = client(endpoint, "securityhub", account, HOME_REGION)
    arn = securityhub.list_finding_aggregators()["FindingAggregators"][0]["FindingAggregatorArn"]
    found = securityhub.get_finding_aggregator(FindingAggregatorArn=arn)
    securityhub.delete_finding_aggregator(FindingAggregatorArn=arn)
    return {"RegionLinkingMode": found["RegionLinkingMode"], "Regions": found.get("Regions") or []}


def _recreate_finding_aggregator(
    endpoint: str, account: str, region: str | None, found: dict[str, Any]
) -> None:
    params = found if found["Regions"] else {"RegionLinkingMode": found["RegionLinkingMode"]}
    client(endpoint, "securityhub", account, HOME_REGION).create_finding_aggregator(**params)


def _stop_recorder(endpoint: str, account: str, region: str | None) -> str:
    config = client(endpoint, "config", account, region)
    name = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["name"]
    config.stop_configuration_recorder(ConfigurationRecorderName=name)
    return name


def _start_recorder(endpoint: str, account: str, region: str | None, name: str) -> None:
    client(endpoint, "config", account, region).start_configuration_recorder(
        ConfigurationRecorderName=name
    )


def _narrow_recorder(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """PutConfigurationRecorder with one resource type (S3 buckets) instead of all supported types."""
    config = client(endpoint, "config", account, region)
    recorder = config.describe_configuration_recorders()["ConfigurationRecorders"][0]
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": recorder["name"],
            "roleARN": recorder["roleARN"],
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": ["AWS::S3::Bucket"],
                "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
            },
        }
    )
    return recorder


def _restore_recorder(
    endpoint: str, account: str, region: str | None, recorder: dict[str, Any]
) -> None:
    group = recorder["recordingGroup"]
    client(endpoint, "config", account, region).put_configuration_recorder(
        ConfigurationRecorder={
            "name": recorder["name"],
            "roleARN": recorder["roleARN"],
            "recordingGroup": {
                "allSupported": group["allSupported"],
                "includeGlobalResourceTypes": group["includeGlobalResourceTypes"],
            },
        }
    )


def _ct_execution_client(endpoint: str, service: str, account: str, region: str | None) -> Any:
    """A client through AWSControlTowerExecution, the one role Control Tower's guardrail SCP lets change Config."""
    import boto3

    found = client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/AWSControlTowerExecution", RoleSessionName="drift"
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretAccessKey"],
        aws_session_token=found["SessionToken"],
    )


def _delete_ct_delivery_channel(
    endpoint: str, account: str, region: str | None
) -> tuple[str, dict[str, Any]]:
    """Stop Control Tower's recorder (DeleteDeliveryChannel refuses while it runs), then delete its channel."""
    config = _ct_execution_client(endpoint, "config", account, region)
    recorder = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["name"]
    channel = config.describe_delivery_channels()["DeliveryChannels"][0]
    config.stop_configuration_recorder(ConfigurationRecorderName=recorder)
    config.delete_delivery_channel(DeliveryChannelName=channel["name"])
    return recorder, channel


def _restore_ct_delivery_channel(
    endpoint: str, account: str, region: str | None, memento: tuple[str, dict[str, Any]]
) -> None:
    recorder, channel = memento
    config = _ct_execution_client(endpoint, "config", account, region)
    config.put_delivery_channel(DeliveryChannel=channel)
    config.start_configuration_recorder(ConfigurationRecorderName=recorder)


def _delete_config_aggregator(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    config = client(endpoint, "config", account, HOME_REGION)
    found = next(
        a
        for a in config.describe_configuration_aggregators()["ConfigurationAggregators"]
        if a.get("OrganizationAggregationSource")
    )
    config.delete_configuration_aggregator(
        ConfigurationAggregatorName=found["ConfigurationAggregatorName"]
    )
    return {
        "ConfigurationAggregatorName": found["ConfigurationAggregatorName"],
        "OrganizationAggregationSource": found["OrganizationAggregationSource"],
    }


def _recreate_config_aggregator(
    endpoint: str, account: str, region: str | None, found: dict[str, Any]
) -> None:
    client(endpoint, "config", account, HOME_REGION).put_configuration_aggregator(**found)


def _delete_org_analyzer(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    analyzer_client = client(endpoint, "accessanalyzer", account, region)
    analyzer = analyzer_client.list_analyzers(type="ORGANIZATION")["analyzers"][0]
    analyzer_client.delete_analyzer(analyzerName=analyzer["name"])
    return {
        "analyzerName": analyzer["name"],
        "type": analyzer["type"],
        "tags": analyzer.get("tags") or {},
    }


def _recreate_org_analyzer(
    endpoint: str, account: str, region: str | None, analyzer: dict[str, Any]
) -> None:
    client(endpoint, "accessanalyzer", account, region).create_analyzer(**analyzer)


def _delete_budget_alert(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """The monthly budget's lowest alert (its early warning) is deleted; the others stay."""
    budgets = client(endpoint, "budgets", account)
    notification = min(
        budgets.describe_notifications_for_budget(AccountId=account, BudgetName=BUDGET_NAME)[
            "Notifications"
        ],
        key=lambda n: float(n["Threshold"]),
    )
    subscribers = budgets.describe_subscribers_for_notification(
        AccountId=account, BudgetName=BUDGET_NAME, Notification=notification
    )["Subscribers"]
    budgets.delete_notification(
        AccountId=account, BudgetName=BUDGET_NAME, Notification=notification
    )
    return {"Notification": notification, "Subscribers": subscribers}


def _restore_budget_alert(
    endpoint: str, account: str, region: str | None, alert: dict[str, Any]
) -> None:
    client(endpoint, "budgets", account).create_notification(
        AccountId=account, BudgetName=BUDGET_NAME, **alert
    )


def _delete_security_contact(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    accounts = client(endpoint, "account", account)
    contact = accounts.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    accounts.delete_alternate_contact(AlternateContactType="SECURITY")
    return {k: contact[k] for k in ("Name", "Title", "EmailAddress", "PhoneNumber")}


def _restore_security_contact(
    endpoint: str, account: str, region: str | None, contact: dict[str, Any]
) -> None:
    client(endpoint, "account", account).put_alternate_contact(
        AlternateContactType="SECURITY", **contact
    )


def _inspector_admin(endpoint: str, region: str | None) -> Any:
    return client(endpoint, "inspector2", _audit(endpoint), region)


def _disable_inspector_ec2(endpoint: str, account: str, region: str | None) -> None:
    """Inspector's delegated admin turns off EC2 scanning for the account."""
    _inspector_admin(endpoint, region).disable(accountIds=[account], resourceTypes=["EC2"])


def _enable_inspector_ec2(endpoint: str, account: str, region: str | None, _: None) -> None:
    _inspector_admin(endpoint, region).enable(accountIds=[account], resourceTypes=["EC2"])


def _stop_inspector_auto_enable(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """New member accounts are no longer auto-enabled for EC2 scanning."""
    admin = _inspector_admin(endpoint, region)
    auto = admin.describe_organization_configuration()["autoEnable"]
    admin.update_organization_configuration(autoEnable=dict(auto, ec2=False))
    return auto


def _restore_inspector_auto_enable(
    endpoint: str, account: str, region: str | None, auto: dict[str, Any]
) -> None:
    _inspector_admin(endpoint, region).update_organization_configuration(autoEnable=auto)


BACKUP_NAME = "bootstrap-backup"  # the backup policy, the vault and the role AWS Backup assumes


def _backup_policy_and_ou(endpoint: str) -> tuple[Any, str, str]:
    org = client(endpoint, "organizations")
    policy = next(
        p["Id"]
        for p in org.list_policies(Filter="BACKUP_POLICY")["Policies"]
        if p["Name"] == BACKUP_NAME
    )
    root = org.list_roots()["Roots"][0]["Id"]
    ou = next(
        o["Id"]
        for o in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if o["Name"] == "Workloads"
    )
    return org, policy, ou


def _detach_backup_policy(endpoint: str, account: str, region: str | None) -> None:
    """The backup policy is detached from the Workloads OU."""
    org, policy, ou = _backup_policy_and_ou(endpoint)
    org.detach_policy(PolicyId=policy, TargetId=ou)


def _attach_backup_policy(endpoint: str, account: str, region: str | None, _: None) -> None:
    org, policy, ou = _backup_policy_and_ou(endpoint)
    org.attach_policy(PolicyId=policy, TargetId=ou)


def _delete_backup_vault(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """The (governance-locked, empty) vault's lock is removed, then the vault is deleted."""
    backup = client(endpoint, "backup", account, region)
    vault = backup.describe_backup_vault(BackupVaultName=BACKUP_NAME)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=BACKUP_NAME)
    backup.delete_backup_vault(BackupVaultName=BACKUP_NAME)
    return {k: vault[k] for k in ("MinRetentionDays", "MaxRetentionDays") if k in vault}


def _recreate_backup_vault(
    endpoint: str, account: str, region: str | None, lock: dict[str, Any]
) -> None:
    backup = client(endpoint, "backup", account, region)
    backup.create_backup_vault(BackupVaultName=BACKUP_NAME)
    backup.put_backup_vault_lock_configuration(BackupVaultName=BACKUP_NAME, **lock)


def _unlock_backup_vault(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """The vault's governance-mode Vault Lock is removed."""
    backup = client(endpoint, "backup", account, region)
    vault = backup.describe_backup_vault(BackupVaultName=BACKUP_NAME)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=BACKUP_NAME)
    return {k: vault[k] for k in ("MinRetentionDays", "MaxRetentionDays") if k in vault}


def _relock_backup_vault(
    endpoint: str, account: str, region: str | None, lock: dict[str, Any]
) -> None:
    client(endpoint, "backup", account, region).put_backup_vault_lock_configuration(
        BackupVaultName=BACKUP_NAME, **lock
    )


def _backup_volume(account: str, region: str | None, role: str, endpoint: str) -> None:
    client(endpoint, "backup", account, region).start_backup_job(
        BackupVaultName=BACKUP_NAME,
        ResourceArn=f"arn:aws:ec2:{region}:{account}:volume/vol-0b5c0ffee0000000a",
        IamRoleArn=f"arn:aws:iam::{account}:role/{role}",
    )


def _fail_backup_job(endpoint: str, account: str, region: str | None) -> None:
    """An on-demand backup of a volume names a role AWS Backup cannot assume: the job FAILS."""
    _backup_volume(account, region, "deleted-backup-role", endpoint)


def _complete_backup_job(endpoint: str, account: str, region: str | None, _: None) -> None:
    """The volume is backed up again with the policy's role: its latest job COMPLETES."""
    _backup_volume(account, region, BACKUP_NAME, endpoint)


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "security-services.guardduty-enabled",
        "prod",
        0,
        "the GuardDuty detector is deleted",
        _delete_guardduty,
        _recreate_guardduty,
        in_drifted_seed=True,
    ),
    Drift(
        "security-services.guardduty-enabled",
        "management",
        1,
        "the GuardDuty delegated admin sets auto-enable to NEW and suspends GuardDuty in the management "
        "account (StopMonitoringMembers)",
        _suspend_guardduty,
        _resume_guardduty,
    ),
    Drift(
        "security-services.guardduty-delegated-admin",
        "management",
        1,
        "the Audit account is removed as GuardDuty's delegated administrator",
        _remove_guardduty_admin,
        _restore_guardduty_admin,
    ),
    Drift(
        "security-services.securityhub-enabled",
        "management",
        0,
        "Security Hub is disabled",
        _disable_security_hub,
        _reenable_security_hub,
    ),
    Drift(
        "security-services.securityhub-enabled",
        "staging",
        1,
        "Security Hub is disabled",
        _disable_security_hub,
        _reenable_security_hub,
    ),
    Drift(
        "security-services.securityhub-standards",
        "management",
        1,
        "the CIS AWS Foundations Benchmark standard is disabled (BatchDisableStandards)",
        _disable_cis_standard,
        _reenable_standards,
    ),
    Drift(
        "security-services.securityhub-standards",
        "prod",
        0,
        "the CIS AWS Foundations Benchmark standard is disabled (BatchDisableStandards)",
        _disable_cis_standard,
        _reenable_standards,
    ),
    Drift(
        "security-services.securityhub-aggregator",
        "audit",
        None,
        "the Security Hub finding aggregator is deleted",
        _delete_finding_aggregator,
        _recreate_finding_aggregator,
    ),
    Drift(
        "security-services.config-recorder",
        "management",
        0,
        "the AWS Config recorder is stopped",
        _stop_recorder,
        _start_recorder,
    ),
    Drift(
        "security-services.config-recorder",
        "prod",
        1,
        "the AWS Config recorder is narrowed to record S3 buckets only",
        _narrow_recorder,
        _restore_recorder,
    ),
    Drift(
        "security-services.config-recorder",
        "prod",
        0,
        "through AWSControlTowerExecution, Control Tower's Config recorder is stopped and its delivery channel "
        "deleted",
        _delete_ct_delivery_channel,
        _restore_ct_delivery_channel,
        base="compliant-ct",
    ),
    Drift(
        "security-services.config-aggregator",
        "audit",
        None,
        "the organization Config aggregator is deleted",
        _delete_config_aggregator,
        _recreate_config_aggregator,
    ),
    Drift(
        "security-services.access-analyzer",
        "audit",
        1,
        "the ORGANIZATION analyzer is deleted",
        _delete_org_analyzer,
        _recreate_org_analyzer,
    ),
    Drift(
        "security-services.budget",
        "management",
        None,
        "the budget's lowest alert (its early warning) is deleted",
        _delete_budget_alert,
        _restore_budget_alert,
    ),
    Drift(
        "security-services.security-contact",
        "management",
        None,
        "the security alternate contact is deleted",
        _delete_security_contact,
        _restore_security_contact,
    ),
    Drift(
        "security-services.security-contact",
        "staging",
        None,
        "the security alternate contact is deleted",
        _delete_security_contact,
        _restore_security_contact,
    ),
    Drift(
        "security-services.inspector",
        "management",
        0,
        "Inspector's delegated admin disables EC2 scanning for the account",
        _disable_inspector_ec2,
        _enable_inspector_ec2,
    ),
    Drift(
        "security-services.inspector",
        "staging",
        1,
        "Inspector's delegated admin disables EC2 scanning for the account",
        _disable_inspector_ec2,
        _enable_inspector_ec2,
    ),
    Drift(
        "security-services.inspector",
        "audit",
        0,
        "the delegated admin stops auto-enabling EC2 scanning for new member accounts",
        _stop_inspector_auto_enable,
        _restore_inspector_auto_enable,
    ),
    Drift(
        "security-services.backup-policy",
        "management",
        None,
        "the backup policy is detached from the Workloads OU",
        _detach_backup_policy,
        _attach_backup_policy,
    ),
    Drift(
        "security-services.backup-vault",
        "prod",
        0,
        "the backup vault's governance lock is removed and the empty vault deleted",
        _delete_backup_vault,
        _recreate_backup_vault,
    ),
    Drift(
        "security-services.backup-vault-lock",
        "staging",
        1,
        "the backup vault's governance-mode Vault Lock is removed",
        _unlock_backup_vault,
        _relock_backup_vault,
    ),
    Drift(
        "security-services.backup-jobs",
        "prod",
        1,
        "an on-demand backup job names a role AWS Backup cannot assume and fails",
        _fail_backup_job,
        _complete_backup_job,
    ),
)
