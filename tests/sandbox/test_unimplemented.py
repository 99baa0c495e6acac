"""Operations the sandbox does not implement answer AWS's 501 NotImplemented shape, never a web page."""

from __future__ import annotations

import botocore.exceptions
import pytest

# (service, operation, params, protocol): one operation neither moto nor a fake implements, per
# service the tool calls (json, rest-json, query and ec2 protocols; moto's S3 answers unknown rest-xml
# sub-resources itself).
CASES = [
    ("securityhub", "get_insights", {}, "rest-json"),
    ("account", "list_regions", {}, "rest-json"),
    ("account", "get_contact_information", {}, "rest-json"),
    ("guardduty", "list_filters", {"DetectorId": "d0"}, "rest-json"),
    (
        "sso-admin",
        "list_trusted_token_issuers",
        {"InstanceArn": "arn:aws:sso:::instance/ssoins-0"},
        "json",
    ),
    ("organizations", "list_handshakes_for_organization", {}, "json"),
    ("controlcatalog", "list_domains", {}, "rest-json"),
    ("cloudtrail", "list_event_data_stores", {}, "json"),
    ("config", "list_resource_evaluations", {}, "json"),
    ("budgets", "describe_budget_notifications_for_account", {"AccountId": "123456789012"}, "json"),
    ("accessanalyzer", "list_policy_generations", {}, "rest-json"),
    ("logs", "list_anomalies", {}, "json"),
    ("iam", "list_delegation_requests", {}, "query"),
    ("sns", "list_origination_numbers", {}, "query"),
    ("rds", "describe_integrations", {}, "query"),
    ("ec2", "describe_capacity_blocks", {}, "ec2"),
]


@pytest.mark.parametrize(
    "service, operation, params, protocol", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_unimplemented_operation_is_501(aws, service, operation, params, protocol):
    client = aws(service)
    assert client.meta.service_model.protocol == protocol
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        getattr(client, operation)(**params)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Code"] == "NotImplemented"
    assert "does not support" in response["Error"]["Message"]
