"""The sandbox's own service fakes, one module per service, keyed by SigV4 signing name."""

from __future__ import annotations

from ..state import SandboxState
from .accessanalyzer import AccessAnalyzerFake
from .backup import BackupFake
from .base import Fake
from .budgets import BudgetsFake
from .cloudtrail import CloudTrailFake
from .config import ConfigFake
from .controltower import ControlTowerFake
from .ec2 import Ec2Fake
from .guardduty import GuardDutyFake
from .iam import IamFake
from .inspector2 import Inspector2Fake
from .organizations import OrganizationsFake
from .securityhub import SecurityHubFake
from .ssoadmin import SsoAdminFake
from .sts import StsFake

FAKES: tuple[type[Fake], ...] = (
    AccessAnalyzerFake,
    BackupFake,
    BudgetsFake,
    CloudTrailFake,
    ConfigFake,
    ControlTowerFake,
    Ec2Fake,
    GuardDutyFake,
    IamFake,
    Inspector2Fake,
    OrganizationsFake,
    SecurityHubFake,
    SsoAdminFake,
    StsFake,
)


def build_fakes(state: SandboxState) -> dict[str, list[Fake]]:
    """Instantiate every fake, grouped by the signing name it serves."""
    fakes: dict[str, list[Fake]] = {}
    for cls in FAKES:
        fakes.setdefault(cls.service, []).append(cls(state))
    return fakes
