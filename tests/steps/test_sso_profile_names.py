"""The AWS CLI profile the cleanup step tells you to sign in with is one the identity-center
step wrote (one naming rule, steps.identity_center.sso_profile_name)."""

from __future__ import annotations

import re


from steps.identity_center import sso_profile_name


def test_cleanup_names_a_profile_the_identity_center_step_wrote(world, tmp_path):
    target = tmp_path / "config"
    world.engine.set_answers("identity-center", {"aws_config_path": str(target)})
    try:
        world.engine.apply("identity-center")
        written = set(re.findall(r"^\[profile ([^\]]+)\]$", target.read_text(), re.M))
    finally:
        world.engine.set_answers("identity-center", {"aws_config_path": ""})
    note = world.engine.plan("bootstrap-cleanup").notes[0]
    [named] = re.findall(r"aws sso login --profile (\S+)`", note)
    assert named in written
    assert named.endswith("-administratoraccess") and "<" not in named


def test_profile_name_rule():
    assert (
        sso_profile_name("Log Archive", "111122223333", "ReadOnlyAccess")
        == "log-archive-readonlyaccess"
    )
    assert (
        sso_profile_name("***", "111122223333", "AdministratorAccess")
        == "111122223333-administratoraccess"
    )
