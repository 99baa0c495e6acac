"""Drifts of the security-services step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift


def _delete_guardduty(endpoint: str, account: str, region: str | None) -> list[dict[str, Any]]:
    guardduty = client(endpoint, "guardduty", account, region)
    deleted = []
    for detector in guardduty.list_detectors()["DetectorIds"]:
        found = guardduty.get_detector(DetectorId=detector)
        deleted.append({"FindingPublishingFrequency": found["FindingPublishingFrequency"]})
        guardduty.delete_detector(DetectorId=detector)
    return deleted


def _recreate_guardduty(endpoint: str, account: str, region: str | None, deleted: list[dict[str, Any]]) -> None:
    guardduty = client(endpoint, "guardduty", account, region)
    for settings in deleted:
        guardduty.create_detector(Enable=True, **settings)


DRIFTS: tuple[Drift, ...] = (
    Drift("security-services.guardduty-enabled", "prod", 0, "the GuardDuty detector is deleted",
          _delete_guardduty, _recreate_guardduty, in_drifted_seed=True),
)
