"""Seeds: the starting state of a sandbox (fresh, compliant, drifted).

``fresh`` is a brand-new management account: no organization, root MFA off,
no root access keys. ``compliant`` is what the product itself builds: the real
engine applies every step of the startup-minimal profile (``apply --yes
--simulate-console``, destructive changes confirmed) with a throw-away state
file. ``drifted`` is ``compliant`` plus the deliberate drifts in ``DRIFTS``. The brownfield
seeds (``BROWNFIELD_SEEDS``: what a founder built by hand) live in ``brownfield``.

``--accounts N`` (N >= 1) gives exactly N workload accounts: the profile's
Production and Staging, then ``Workload 3`` ... ``Workload N``, alternating
between Workloads/Prod and Workloads/NonProd. N = 0 (the default) keeps the
profile's own two. They are expressed as a derived profile
(``seed_profile_text``) that extends startup-minimal; ``regions`` may also
replace its governed regions.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .brownfield import BROWNFIELD_CONTACT, BROWNFIELD_SCP  # noqa: F401 (tests import them from here)
from .brownfield import build as build_brownfield
from .environ import environment
from .plain import SEED_CREDENTIAL, client
from .plain import info as _info

BASE_PROFILE = "startup-minimal"
BROWNFIELD_SEEDS = ("brownfield-org", "brownfield-services", "brownfield-iam", "half-finished")
MAX_WORKLOAD_ACCOUNTS = 998
# Optional (detective) controls the compliant-ct seed enables on every registered OU, so that
# ct.controls-enabled has something to verify (soc2, iso27001 and pci-dss enable them too).
SEED_CT_CONTROLS = ("AWS-GR_ENCRYPTED_VOLUMES", "AWS-GR_ROOT_ACCOUNT_MFA_ENABLED")
_CREDENTIAL_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)


def apply_seed(endpoint: str, seed: str, accounts: int, regions: list[str] | None = None) -> None:
    """Bring a freshly reset sandbox at ``endpoint`` to ``seed``.

    The caller (``Sandbox``) switches latency, faults and operation delays off
    while a seed is applied.
    """
    if seed == "fresh":
        return
    if seed in BROWNFIELD_SEEDS:
        build_brownfield(endpoint, seed)
        return
    if seed == "new-org":
        client(endpoint, "organizations").create_organization(FeatureSet="ALL")
        return
    build_compliant(endpoint, accounts, regions, control_tower=seed == "compliant-ct")
    if seed == "drifted":
        from .drifts import introduce_drift

        introduce_drift(endpoint, regions)


# ------------------------------------------------------------------ the seed profile


def _base_profile() -> Any:
    from bootstrap_tui.profile import load_profile

    return load_profile(BASE_PROFILE)


def workload_accounts(accounts: int) -> list[dict[str, str]]:
    """The workload account specs for ``--accounts N`` (0 = the profile's own)."""
    if accounts < 0 or accounts > MAX_WORKLOAD_ACCOUNTS:
        raise ValueError(
            f"accounts must be between 0 and {MAX_WORKLOAD_ACCOUNTS} (a profile holds at "
            f"most 1000 accounts, two of them Log Archive and Audit), got {accounts}"
        )
    own = [dict(a) for a in _base_profile().data["accounts"] if a["ou"].startswith("Workloads")]
    if accounts == 0:
        return own
    specs = own[:accounts]
    for number in range(len(specs) + 1, accounts + 1):
        specs.append(
            {
                "key": f"workload-{number}",
                "name": f"Workload {number}",
                "ou": "Workloads/Prod" if number % 2 else "Workloads/NonProd",
                "email_local": f"workload-{number}",
            }
        )
    return specs


def seed_profile_text(
    accounts: int = 0, regions: list[str] | None = None, control_tower: bool = False
) -> str | None:
    """YAML of the derived profile for ``accounts``/``regions`` (and Control Tower on, for the
    ``compliant-ct`` seed); None when startup-minimal itself fits."""
    if accounts == 0 and not regions and not control_tower:
        return None
    base = _base_profile().data
    workloads = workload_accounts(accounts)
    keys = {a["key"] for a in workloads}
    shared = [dict(a) for a in base["accounts"] if not a["ou"].startswith("Workloads")]
    derived: dict[str, Any] = {
        "extends": BASE_PROFILE,
        "name": "sandbox-seed",
        "description": f"startup-minimal with {len(workloads)} workload accounts (sandbox seed)",
        "accounts": shared + workloads,
    }
    dropped = {a["key"] for a in base["accounts"] if a["ou"].startswith("Workloads")} - keys
    if dropped:
        derived["identity_center"] = {"assignments": _assignments_without(base, dropped)}
    if control_tower:
        derived["name"] = "sandbox-seed-ct"
        derived["description"] += ", Control Tower on"
        derived["control_tower"] = {"enabled": True, "controls": list(SEED_CT_CONTROLS)}
    if regions:
        allowed = list(dict.fromkeys([*base["guardrails"]["allowed_regions"], *regions]))
        derived["home_region"] = regions[0]
        derived["governed_regions"] = list(regions)
        derived["guardrails"] = {"allowed_regions": allowed}
    return yaml.safe_dump(derived, sort_keys=False)


def _assignments_without(base: dict[str, Any], dropped: set[str]) -> list[dict[str, Any]]:
    kept = []
    for assignment in base["identity_center"]["assignments"]:
        targets = assignment["accounts"]
        if targets != "all":
            targets = [key for key in targets if key not in dropped]
            if not targets:
                continue
        kept.append({**assignment, "accounts": targets})
    return kept


def write_seed_profile(
    directory: Path,
    accounts: int = 0,
    regions: list[str] | None = None,
    control_tower: bool = False,
) -> str:
    """The profile to give the engine (``Options.profile``): a built-in name or a written file."""
    text = seed_profile_text(accounts, regions, control_tower)
    if text is None:
        return BASE_PROFILE
    path = Path(directory) / "seed-profile.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ compliant


def _sandbox_credentials() -> contextlib.AbstractContextManager[None]:
    """Dummy credentials for the engine run, whatever AWS profile the sandbox's user has set."""
    return environment(
        {
            **dict.fromkeys(_CREDENTIAL_ENV),
            "AWS_ACCESS_KEY_ID": SEED_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": SEED_CREDENTIAL,
        }
    )


def build_compliant(
    endpoint: str, accounts: int = 0, regions: list[str] | None = None, control_tower: bool = False
) -> None:
    """Run the real engine: every step of the seed profile, applied as ``apply --yes --simulate-console``."""
    run_engine_steps(
        endpoint,
        f"compliant{'-ct' if control_tower else ''}",
        None,
        accounts,
        regions,
        control_tower,
    )


def run_engine_steps(
    endpoint: str,
    seed: str,
    count: int | None,
    accounts: int = 0,
    regions: list[str] | None = None,
    control_tower: bool = False,
) -> None:
    """Apply the first ``count`` steps (None: all) of the seed profile with a throw-away state file."""
    from bootstrap_tui.engine import Options, connect_engine
    from bootstrap_tui.errors import BootstrapError

    with tempfile.TemporaryDirectory(prefix="bootstrap-tui-seed-") as tmp:
        profile = write_seed_profile(Path(tmp), accounts, regions, control_tower)
        with _sandbox_credentials():
            options = Options(
                endpoint_url=endpoint,
                state_file=Path(tmp) / "state.yaml",
                profile=profile,
                simulate_console=True,
            )
            step_id = "connect"
            try:
                engine = connect_engine(options)
            except BootstrapError as exc:
                raise RuntimeError(f"seed {seed}: step {step_id} failed: {exc}") from None
            try:
                ids = engine.step_ids()[:count]
                engine.require_inputs(ids)
                for step_id in ids:
                    engine.apply(step_id, confirm_destructive=lambda plan: True)
            except BootstrapError as exc:
                raise RuntimeError(f"seed {seed}: step {step_id} failed: {exc}") from None
            finally:
                engine.close()


def account_ids_by_key(endpoint: str, accounts: int = 0) -> dict[str, str]:
    """Profile account key -> account id in a seeded sandbox (matched by account name)."""
    info = _info(endpoint)
    by_name = {a.get("name"): a["id"] for a in info["accounts"] if not a["management"]}
    shared = [a for a in _base_profile().data["accounts"] if not a["ou"].startswith("Workloads")]
    found = {
        spec["key"]: by_name[spec["name"]]
        for spec in [*shared, *workload_accounts(accounts)]
        if spec["name"] in by_name
    }
    found["management"] = info["management_account_id"]
    return found
