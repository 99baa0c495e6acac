"""IAM: the root user (MFA, access keys) and centralized root access for organizations."""

from __future__ import annotations

import base64
from .. import motoaccess
from ..state import utcnow
from ..wire import AwsError, Call, Response, query_response
from .base import Fake

DATE = "%Y-%m-%dT%H:%M:%S+00:00"
FEATURES = ("RootCredentialsManagement", "RootSessions")


class IamFake(Fake):
    service = "iam"
    name = "iam"

    @property
    def features(self) -> dict[str, set[str]]:
        return self.state.service_state(self.name, dict)

    def op_get_account_summary(self, call: Call) -> None:
        root = self.state.root(call.account)
        summary = motoaccess.iam(call.account).account_summary
        summary._account_mfa_enabled = int(root.mfa)
        summary._account_access_keys_present = int(root.access_keys)
        return None

    def root_row(self, account: str) -> str:
        root = self.state.root(account)
        used = (
            root.password_last_used.strftime(DATE) if root.password_last_used else "no_information"
        )
        rotated = (root.keys_created or root.created).strftime(DATE) if root.access_keys else "N/A"
        key_used = (
            [root.key_last_used[0].strftime(DATE), *root.key_last_used[1:]]
            if root.key_last_used
            else ["N/A", "N/A", "N/A"]
        )
        fields = [
            "<root_account>",
            f"arn:aws:iam::{account}:root",
            root.created.strftime(DATE),
            "not_supported",
            used,
            "not_supported",
            "not_supported",
            str(root.mfa).lower(),
            str(root.access_keys).lower(),
            rotated,
            *key_used,
            "false",
            "N/A",
            "N/A",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "false",
            "N/A",
        ]
        return ",".join(fields) + "\n"

    def op_get_credential_report(self, call: Call) -> Response | None:
        backend = motoaccess.iam(call.account)
        if not backend.report_generated():
            return None
        header, _, users = backend.get_credential_report().partition("\n")
        report = header + "\n" + self.root_row(call.account) + users
        return query_response(
            "iam",
            "GetCredentialReport",
            {
                "Content": base64.b64encode(report.encode()).decode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )

    def _org_id(self, call: Call) -> str:
        org = motoaccess.organization(call.account)
        if org is None:
            raise AwsError(
                "OrganizationNotFoundException",
                "The request failed because AWS Organizations is not enabled for this account.",
                400,
            )
        if org.master_account_id != call.account:
            raise AwsError(
                "AccountNotManagementOrDelegatedAdministratorException",
                "The request failed because the account is not the management account or delegated "
                "administrator of the organization.",
                400,
            )
        return org.id

    def _trusted(self, call: Call) -> None:
        services = motoaccess.organizations(call.account).services
        if not any(s.get("ServicePrincipal") == "iam.amazonaws.com" for s in services):
            raise AwsError(
                "ServiceAccessNotEnabledException",
                "The request failed because trusted access for IAM is not enabled in AWS Organizations.",
                400,
            )

    def _features_response(self, call: Call, org_id: str) -> Response:
        enabled = sorted(self.features.get(org_id, set()))
        return query_response(
            "iam", call.operation or "", {"OrganizationId": org_id, "EnabledFeatures": enabled}
        )

    def _toggle(self, call: Call, feature: str, enable: bool) -> Response:
        org_id = self._org_id(call)
        self._trusted(call)
        enabled = self.features.setdefault(org_id, set())
        if enable:
            enabled.add(feature)
        else:
            enabled.discard(feature)
        return self._features_response(call, org_id)

    def op_enable_organizations_root_credentials_management(self, call: Call) -> Response:
        return self._toggle(call, "RootCredentialsManagement", True)

    def op_disable_organizations_root_credentials_management(self, call: Call) -> Response:
        return self._toggle(call, "RootCredentialsManagement", False)

    def op_enable_organizations_root_sessions(self, call: Call) -> Response:
        return self._toggle(call, "RootSessions", True)

    def op_disable_organizations_root_sessions(self, call: Call) -> Response:
        return self._toggle(call, "RootSessions", False)

    def op_list_organizations_features(self, call: Call) -> Response:
        return self._features_response(call, self._org_id(call))

    def enabled_features(self, org_id: str) -> set[str]:
        return set(self.features.get(org_id, set()))
