"""IAM Identity Center (sso-admin): one organization instance, in the organization's home region."""

from __future__ import annotations

import json
from typing import Any

from bootstrap_tui.aws_limits import ACCOUNT_ASSIGNMENT_OUTSTANDING

from .. import motoaccess
from ..wire import AwsError, Call, Response
from .base import Fake


class SsoAdminFake(Fake):
    """Filters moto's per-account/per-region instances down to what AWS shows.

    The organization instance appears in the management account, in the
    region where the organization was created, as soon as the organization
    exists (no explicit enablement or landing zone needed in the sandbox).
    ``CreateInstance`` makes an account instance for a standalone account.
    """

    service = "sso"
    name = "sso-admin"

    @property
    def data(self) -> dict[str, Any]:
        return self.state.service_state(
            self.name, lambda: {"account_instances": set(), "requests": {}}
        )

    def handle(self, call: Call, moto: Any) -> Response | None:
        if call.protocol != "json" or not (call.headers.get("x-amz-target") or "").startswith(
            "SWBExternalService"
        ):
            return None
        return super().handle(call, moto)

    @staticmethod
    def _backend(call: Call) -> Any:
        from moto.ssoadmin.models import ssoadmin_backends

        return ssoadmin_backends[call.account][call.region]

    def _visible(self, call: Call) -> list[Any]:
        backend = self._backend(call)
        org = motoaccess.organization(call.account)
        org_home = (
            org is not None and org.master_account_id == call.account and org.region == call.region
        )
        result = []
        for index, instance in enumerate(backend.instances):
            if instance.instance_arn in self.data["account_instances"] or (index == 0 and org_home):
                result.append(instance)
        return result

    @staticmethod
    def _describe(instance: Any, region: str) -> dict[str, Any]:
        data = {k: v for k, v in instance.to_json().items() if v is not None}
        data["IdentityStoreArn"] = (
            f"arn:aws:identitystore::{instance.account_id}:identitystore/{instance.identity_store_id}"
        )
        data["PrimaryRegion"] = region
        data["Regions"] = [
            {
                "RegionName": region,
                "Status": "ACTIVE",
                "IsPrimaryRegion": True,
                "AddedDate": instance.created_date,
            }
        ]
        return data

    def op_list_instances(self, call: Call) -> dict[str, Any]:
        return {"Instances": [self._describe(i, call.region) for i in self._visible(call)]}

    def op_describe_instance(self, call: Call) -> dict[str, Any]:
        for instance in self._visible(call):
            if instance.instance_arn == call.params.get("InstanceArn"):
                return self._describe(instance, call.region)
        raise AwsError("ResourceNotFoundException", "Instance not found.")

    def op_create_instance(self, call: Call) -> dict[str, Any]:
        from moto.ssoadmin.models import Instance

        org = motoaccess.organization(call.account)
        if org is not None and org.master_account_id == call.account:
            raise AwsError(
                "ValidationException",
                "An organization instance already exists; account instances cannot be created in the "
                "management account.",
            )
        if self._visible(call):
            raise AwsError(
                "ConflictException", "An instance of IAM Identity Center already exists."
            )
        instance = Instance(call.account, call.region)
        instance.name = call.params.get("Name")
        self._backend(call).instances.append(instance)
        self.data["account_instances"].add(instance.instance_arn)
        return {"InstanceArn": instance.instance_arn}

    def op_delete_instance(self, call: Call) -> dict[str, Any]:
        """DeleteInstance: only the account that owns the instance may delete it; every permission set,
        account assignment and the identity store's users and groups go with it."""
        from moto.identitystore.models import identitystore_backends

        arn = call.params.get("InstanceArn")
        instance = next((i for i in self._visible(call) if i.instance_arn == arn), None)
        if instance is None:
            raise AwsError(
                "AccessDeniedException",
                "Only the account that owns the instance can delete it; a "
                "delegated administrator or member account cannot delete the organization instance.",
            )
        backend = self._backend(call)
        backend.instances.remove(instance)
        backend.permission_sets = [p for p in backend.permission_sets if p.instance_arn != arn]
        backend.account_assignments = [
            a for a in backend.account_assignments if a.instance_arn != arn
        ]
        self.data["account_instances"].discard(arn)
        identitystore_backends[call.account][call.region].identity_stores.pop(
            instance.identity_store_id, None
        )
        return {}

    @property
    def requests(self) -> dict[str, dict[str, Any]]:
        """Assignment creations/deletions and provisionings by request id: the status AWS
        returns and the operation behind it (IN_PROGRESS until it completes)."""
        return self.data.setdefault("requests", {})

    def _start(
        self, kind: str, status: dict[str, Any], on_complete: Any = None, instance: Any = None
    ) -> dict[str, Any]:
        request_id = status["RequestId"]
        record: dict[str, Any] = {"status": status, "kind": kind, "instance": instance}
        self.requests[request_id] = record
        # fixed mode keeps them instant (as before realistic durations); realistic: AWS's time
        record["operation"] = self.state.start_operation(
            request_id, f"sso:{kind}", on_complete=on_complete, fixed_s=0
        )
        return self._status(request_id, kind)

    def _status(self, request_id: str | None, kind: str) -> dict[str, Any]:
        record = self.requests.get(request_id or "")
        if record is None or record["kind"] != kind:
            raise AwsError("ResourceNotFoundException", f"{kind} request {request_id} not found.")
        status = dict(record["status"], Status=record["operation"].status)
        return status

    def _outstanding(self, instance_arn: str | None) -> int:
        return sum(
            1
            for record in self.requests.values()
            if record["kind"] == "CreateAccountAssignment"
            and record["instance"] == instance_arn
            and record["operation"].status == "IN_PROGRESS"
        )

    def op_create_account_assignment(self, call: Call) -> Response | dict[str, Any]:
        """Asynchronous: IN_PROGRESS, listed once it completes; at most
        ACCOUNT_ASSIGNMENT_OUTSTANDING creations outstanding per instance."""
        instance_arn = call.params.get("InstanceArn")
        if self._outstanding(instance_arn) >= ACCOUNT_ASSIGNMENT_OUTSTANDING:
            raise AwsError(
                "ThrottlingException",
                "Rate exceeded: CreateAccountAssignment has a maximum of "
                f"{ACCOUNT_ASSIGNMENT_OUTSTANDING} outstanding asynchronous calls.",
            )
        response = self.moto()
        if response.status != 200:
            return response
        status = json.loads(response.body)["AccountAssignmentCreationStatus"]
        backend = self._backend(call)
        assignment = next(
            a for a in backend.account_assignments if a.request_id == status["RequestId"]
        )
        backend.account_assignments.remove(assignment)  # not listed while in progress
        status.pop("Status", None)

        def finish(_operation: Any) -> None:
            backend.account_assignments.append(assignment)

        return {
            "AccountAssignmentCreationStatus": self._start(
                "CreateAccountAssignment", status, finish, instance_arn
            )
        }

    def op_delete_account_assignment(self, call: Call) -> Response | dict[str, Any]:
        """Asynchronous: the assignment stays listed until the deletion completes."""
        response = self.moto()
        if response.status != 200:
            return response
        status = json.loads(response.body)["AccountAssignmentDeletionStatus"]
        backend = self._backend(call)
        assignment = next(
            a for a in backend.deleted_account_assignments if a.request_id == status["RequestId"]
        )
        backend.account_assignments.append(assignment)
        status.pop("Status", None)

        def finish(_operation: Any) -> None:
            if assignment in backend.account_assignments:
                backend.account_assignments.remove(assignment)

        return {
            "AccountAssignmentDeletionStatus": self._start(
                "DeleteAccountAssignment", status, finish
            )
        }

    def op_describe_account_assignment_creation_status(self, call: Call) -> dict[str, Any]:
        request_id = call.params.get("AccountAssignmentCreationRequestId")
        return {
            "AccountAssignmentCreationStatus": self._status(request_id, "CreateAccountAssignment")
        }

    def op_describe_account_assignment_deletion_status(self, call: Call) -> dict[str, Any]:
        request_id = call.params.get("AccountAssignmentDeletionRequestId")
        return {
            "AccountAssignmentDeletionStatus": self._status(request_id, "DeleteAccountAssignment")
        }

    def op_provision_permission_set(self, call: Call) -> Response | dict[str, Any]:
        """Asynchronous: IN_PROGRESS until AWS has updated the roles in the accounts."""
        response = self.moto()
        if response.status != 200:
            return response
        status = json.loads(response.body).get("PermissionSetProvisioningStatus", {})
        if call.params.get("TargetId"):
            status["AccountId"] = call.params["TargetId"]
        status.pop("Status", None)
        return {"PermissionSetProvisioningStatus": self._start("ProvisionPermissionSet", status)}

    def op_describe_permission_set_provisioning_status(self, call: Call) -> dict[str, Any]:
        request_id = call.params.get("ProvisionPermissionSetRequestId")
        return {
            "PermissionSetProvisioningStatus": self._status(request_id, "ProvisionPermissionSet")
        }


def enable_organization_instance(management: str) -> dict[str, str]:
    """The console's "Enable" of IAM Identity Center with AWS Organizations (no API creates an
    organization instance): a new, empty instance in the organization's home region."""
    from moto.ssoadmin.models import Instance, ssoadmin_backends

    org = motoaccess.organization(management)
    if org is None or org.master_account_id != management:
        raise ValueError(f"account {management} is not the management account of an organization")
    backend = ssoadmin_backends[management][org.region]
    if backend.instances:
        raise LookupError("IAM Identity Center is already enabled")
    instance = Instance(management, org.region)
    backend.instances.append(instance)
    return {
        "InstanceArn": instance.instance_arn,
        "IdentityStoreId": instance.identity_store_id,
        "region": org.region,
    }
