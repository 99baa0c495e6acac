"""DescribeDeliveryChannelStatus: no delivery before the recorder runs, Success once it does,
Failure with S3's error code once the channel's bucket is gone."""

from __future__ import annotations


def _status(config) -> dict:
    return config.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]


def test_delivery_status_follows_the_recorder_and_the_bucket(aws) -> None:
    s3, config = aws("s3"), aws("config")
    s3.create_bucket(Bucket="config-delivery")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "config-delivery"}
    )
    before = _status(config)
    assert "lastStatus" not in before["configHistoryDeliveryInfo"]  # never delivered yet
    assert "lastStatus" not in before["configSnapshotDeliveryInfo"]
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    running = _status(config)
    assert running["configHistoryDeliveryInfo"]["lastStatus"] == "Success"
    assert running["configSnapshotDeliveryInfo"]["lastSuccessfulTime"]
    s3.delete_bucket(Bucket="config-delivery")
    failed = _status(config)["configHistoryDeliveryInfo"]
    assert failed["lastStatus"] == "Failure" and failed["lastErrorCode"] == "NoSuchBucket"
