"""control-tower under AWS's limit of 10 concurrent control and baseline operations: a start
AWS refuses because operations started elsewhere fill the slots waits for a free one."""

from __future__ import annotations

from tests.steps.engines import CT_PROFILE, converge
from tests.steps.sandboxes import client
from bootstrap_tui.aws_limits import CONTROL_TOWER_CONCURRENT_OPERATIONS

OTHER = "arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER"


def test_controls_wait_while_others_fill_the_ten_slots(engines, sandbox, tmp_path):
    first = engines.new(profile=_profile(tmp_path, []))
    converge(first, ["management-account", "root-mfa", "organization", "accounts", "control-tower"])
    first.close()
    org, tower = client(sandbox, "organizations"), client(sandbox, "controltower")
    root = org.list_roots()["Roots"][0]["Id"]
    sandbox.configure(op_delay_s=3600)
    others = [  # someone else's operations, running until our step has been refused
        tower.enable_control(
            controlIdentifier=OTHER,
            targetIdentifier=org.create_organizational_unit(ParentId=root, Name=f"Other {n}")[
                "OrganizationalUnit"
            ]["Arn"],
        )["operationIdentifier"]
        for n in range(CONTROL_TOWER_CONCURRENT_OPERATIONS)
    ]
    sandbox.configure(op_delay_s=0.1)
    engine = engines.new(profile=_profile(tmp_path, ["AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS"]))
    lines: list[str] = []

    def listen(step: str, text: str, *rest: object) -> None:
        lines.append(text)
        if " waits: " in text:
            for op_id in others:
                sandbox.state.operations[op_id].delay = 0

    engine.progress_listeners.append(listen)
    engine.apply("control-tower")
    assert any("waits" in line and "ServiceQuotaExceededException" in line for line in lines)
    assert engine.plan("control-tower").changes == []  # enabled once a slot was free


def _profile(tmp_path, controls: list[str]) -> str:
    path = tmp_path / f"ct-{len(controls)}.yaml"
    base = CT_PROFILE.replace(
        "  controls: [AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS]\n", f"  controls: {controls}\n"
    )
    path.write_text(base)
    return str(path)
