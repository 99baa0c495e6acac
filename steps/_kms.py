"""KMS lookups shared by the steps that create keys."""

from __future__ import annotations

from typing import Any

from steps._naming import PURPOSE_TAG


def unaliased_tagged_key(kms: Any, purpose: str) -> dict[str, Any] | None:
    """An enabled KMS key tagged with our `purpose` but without an alias: a run stopped
    between CreateKey and CreateAlias. Adopting it keeps a rerun from creating a second key."""
    aliased = {
        a.get("TargetKeyId")
        for page in kms.get_paginator("list_aliases").paginate()
        for a in page["Aliases"]
    }
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            if key["KeyId"] in aliased:
                continue
            tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            if {"TagKey": PURPOSE_TAG, "TagValue": purpose} in tags:
                meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
                if meta.get("KeyState") == "Enabled":
                    return meta
    return None
