"""Names and tags of the resources this tool creates."""

from __future__ import annotations

PREFIX = "bootstrap"  # deterministic prefix of every resource name this tool creates
TRAIL_NAME = f"{PREFIX}-org-trail"
KMS_ALIAS = f"alias/{PREFIX}-org-trail"
CT_TRAIL_NAME = "aws-controltower-BaselineCloudTrail"
PURPOSE_TAG = "bootstrap-tui:purpose"
