"""IAM Access Analyzer analyzers (ACCOUNT and ORGANIZATION types), per account and region."""

from __future__ import annotations

from typing import Any

from .. import motoaccess
from ..state import utcnow
from ..wire import AwsError, Call
from .base import Fake, require

ORG_TYPES = ("ORGANIZATION", "ORGANIZATION_UNUSED_ACCESS", "ORGANIZATION_INTERNAL_ACCESS")
ACCOUNT_TYPES = ("ACCOUNT", "ACCOUNT_UNUSED_ACCESS", "ACCOUNT_INTERNAL_ACCESS")


class AccessAnalyzerFake(Fake):
    service = "access-analyzer"
    name = "accessanalyzer"
    owns_service = True

    def _analyzers(self, call: Call) -> dict[str, dict[str, Any]]:
        data = self.state.service_state(self.name, dict)
        return data.setdefault((call.account, call.region), {})

    def op_create_analyzer(self, call: Call) -> dict[str, Any]:
        require(call.params, "analyzerName", "type")
        name, kind = call.params["analyzerName"], call.params["type"]
        if kind not in ORG_TYPES + ACCOUNT_TYPES:
            raise AwsError("ValidationException", f"Invalid analyzer type {kind}.")
        if kind in ORG_TYPES:
            management = motoaccess.org_management_account(call.account)
            allowed = management == call.account or motoaccess.is_delegated_admin(
                call.account, "access-analyzer.amazonaws.com"
            )
            if management is None or not allowed:
                raise AwsError(
                    "ValidationException",
                    "You must be the management account or a delegated administrator of an "
                    "organization to create an organization analyzer.",
                )
        analyzers = self._analyzers(call)
        if name in analyzers:
            raise AwsError("ConflictException", f"Analyzer {name} already exists.", 409)
        if any(a["type"] == kind for a in analyzers.values()):
            raise AwsError(
                "ServiceQuotaExceededException",
                f"Only one analyzer of type {kind} is allowed per account and region.",
                402,
            )
        arn = f"arn:aws:access-analyzer:{call.region}:{call.account}:analyzer/{name}"
        analyzers[name] = {
            "arn": arn,
            "name": name,
            "type": kind,
            "createdAt": utcnow().timestamp(),
            "tags": call.params.get("tags") or {},
            "status": "ACTIVE",
        }
        if call.params.get("configuration"):
            analyzers[name]["configuration"] = call.params["configuration"]
        return {"arn": arn}

    def op_list_analyzers(self, call: Call) -> dict[str, Any]:
        kind = call.params.get("type")
        return {
            "analyzers": [
                a for a in self._analyzers(call).values() if not kind or a["type"] == kind
            ]
        }

    def _get(self, call: Call) -> dict[str, Any]:
        name = call.params.get("analyzerName", "")
        analyzer = self._analyzers(call).get(name)
        if analyzer is None:
            raise AwsError("ResourceNotFoundException", f"Analyzer {name} not found.", 404)
        return analyzer

    def op_get_analyzer(self, call: Call) -> dict[str, Any]:
        return {"analyzer": self._get(call)}

    def op_delete_analyzer(self, call: Call) -> dict[str, Any]:
        analyzer = self._get(call)
        del self._analyzers(call)[analyzer["name"]]
        return {}
