"""A founder's own AWS Config recorder (EC2 instances only, stopped, delivering to their own bucket) is
adopted by name: the plan lists each field it changes (old → new), apply does exactly that, no second
recorder or channel appears, and verify's verdict matches the raw state read with plain boto3."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.steps.engines import make_engine
from tests.steps.sandboxes import sandbox_endpoint

from bootstrap_tui.model import Status
from bootstrap_tui.sandbox.testing import client
from steps.security_services import config_bucket

RECORDER, CHANNEL, BUCKET = "founder-recorder", "founder-channel", "founder-config-logs"
HOME = "us-east-1"


def founder_recorder(box) -> None:
    """What a founder clicks together: a recorder of EC2 instances only, never started, and its channel."""
    s3 = client(box, "s3", HOME)
    s3.create_bucket(Bucket=BUCKET)
    iam = client(box, "iam", HOME)
    iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")
    account = client(box, "sts", HOME).get_caller_identity()["Account"]
    cfg = client(box, "config", HOME)
    cfg.put_configuration_recorder(
        ConfigurationRecorder={
            "name": RECORDER,
            "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": ["AWS::EC2::Instance"],
            },
        }
    )
    cfg.put_delivery_channel(
        DeliveryChannel={"name": CHANNEL, "s3BucketName": BUCKET, "s3KeyPrefix": "mine"}
    )


def test_founder_recorder_is_adopted_and_changed_as_planned():
    with sandbox_endpoint() as box:
        founder_recorder(box)
        engine = make_engine(
            box.endpoint, Path(tempfile.mkdtemp(prefix="bt-config-")) / "state.yaml"
        )
        try:
            mgmt = engine.management_account_id
            plans = {}
            for step in engine.steps:
                plans[step.id] = engine.plan(step.id)
                engine.apply(step.id, plans[step.id], confirm_destructive=lambda plan: True)
            bucket = config_bucket(engine.context("security-services"))
            change = next(
                c
                for c in plans["security-services"].changes
                if c.data.get("kind") == "config" and c.account == mgmt and c.region == HOME
            )
            assert change.name == RECORDER and change.action == "update"
            assert "AWS::EC2::Instance only → all supported resource types" in change.detail
            assert "includeGlobalResourceTypes false → true" in change.detail
            assert f"s3BucketName {BUCKET} → {bucket}" in change.detail
            assert "s3KeyPrefix mine → none" in change.detail
            assert f"start recorder {RECORDER}" in change.detail

            cfg = client(box, "config", HOME)
            recorders = cfg.describe_configuration_recorders()["ConfigurationRecorders"]
            channels = cfg.describe_delivery_channels()["DeliveryChannels"]
            status = cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
            assert [r["name"] for r in recorders] == [RECORDER]
            assert recorders[0]["recordingGroup"]["allSupported"] is True
            assert recorders[0]["recordingGroup"]["includeGlobalResourceTypes"] is True
            assert [(c["name"], c["s3BucketName"], c.get("s3KeyPrefix")) for c in channels] == [
                (CHANNEL, bucket, None)
            ]
            assert [s["recording"] for s in status] == [True]

            run = engine.verify(["security-services"], record=False)
            verdict = [
                r.status
                for r in run.results
                if r.check_id == "security-services.config-recorder"
                and r.account == mgmt
                and r.region == HOME
            ]
            assert verdict == [Status.PASS]
            assert engine.plan("security-services").changes == []
        finally:
            engine.close()
