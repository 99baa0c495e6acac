"""Every check is proven able to fail: it has a realistic drift in ``seeds.DRIFTS``.

The proof itself is in tests/sandbox/test_seeds.py: the compliant seed verifies
with every check passing, and the drifted seed (compliant plus every drift in
``DRIFTS``, each a plain-boto3 change) fails exactly the scope each drift names.
This module makes the drift list complete: a check without a drift fails here,
unless it is in ``NO_DRIFT_YET``.

``NO_DRIFT_YET`` is a known debt, not an exemption: it may only shrink. Adding a
drift for a listed check makes test_allow_list_only_shrinks fail until the check
is removed from the list, and the list may never grow past ``NO_DRIFT_YET_MAX``.
"""
from __future__ import annotations

import pytest

from bootstrap_tui.engine import discover_steps
from bootstrap_tui.sandbox.seeds import DRIFTS

CHECK_IDS = [check.id for step in discover_steps() for check in step.checks]
DRIFTED = {drift.check_id for drift in DRIFTS}

# Checks that have no drift in seeds.DRIFTS yet (first measured 2026-12-03).
NO_DRIFT_YET = frozenset({
    "mgmt.caller-not-root", "mgmt.security-contact", "mgmt.alternate-contacts", "mgmt.account-alias",
    "mgmt.no-workloads", "root.mfa-enabled", "root.hardware-mfa", "root.not-used-recently",
    "org.all-features", "org.caller-is-management", "org.ou-tree", "org.scps-enabled",
    "org.trusted-access", "accounts.exist", "accounts.in-ou", "accounts.automation-role",
    "ct.service-roles", "ct.landing-zone", "ct.version-current", "ct.governed-regions",
    "ct.ous-registered", "ct.controls-enabled", "identity-center.instance",
    "identity-center.admin-group-everywhere", "identity-center.session-durations",
    "identity-center.no-member-iam-users", "log-archive.trail-kms",
    "log-archive.key-rotation", "log-archive.bucket-access-logging", "log-archive.bucket-tls-not-public",
    "log-archive.object-lock", "log-archive.config-bucket", "guardrails.root-access-centralized",
    "security-services.guardduty-delegated-admin",
    "security-services.securityhub-enabled", "security-services.securityhub-standards",
    "security-services.securityhub-aggregator", "security-services.config-recorder",
    "security-services.config-aggregator", "security-services.access-analyzer",
    "security-services.budget", "security-services.security-contact",
    "bootstrap-cleanup.no-iam-users", "bootstrap-cleanup.keychain-empty",
})
NO_DRIFT_YET_MAX = 44


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_every_check_has_a_drift_that_makes_it_fail(check_id):
    assert check_id in DRIFTED or check_id in NO_DRIFT_YET, \
        f"{check_id}: add a Drift to bootstrap_tui/sandbox/seeds.py DRIFTS that makes it FAIL"


def test_allow_list_only_shrinks():
    assert len(NO_DRIFT_YET) <= NO_DRIFT_YET_MAX
    assert NO_DRIFT_YET <= set(CHECK_IDS), f"not checks: {sorted(NO_DRIFT_YET - set(CHECK_IDS))}"
    assert NO_DRIFT_YET & DRIFTED == set(), \
        f"these now have a drift; remove them from NO_DRIFT_YET: {sorted(NO_DRIFT_YET & DRIFTED)}"


def test_each_drift_names_a_real_check_and_says_what_it_does():
    for drift in DRIFTS:
        assert drift.check_id in CHECK_IDS, drift.check_id
        assert len(drift.what) >= 15 and callable(drift.make), drift.check_id
