"""How --confirm-destructive matches a listed change in an account that the plan showed as still to be
created, once the accounts step has created it."""

from __future__ import annotations

from bootstrap_tui.cli import _change_key
from bootstrap_tui.future import Projection, is_placeholder, placeholder
from bootstrap_tui.model import Change, Plan
from bootstrap_tui.profile import load_profile


def vpc(account: str, name: str, region: str = "us-east-1") -> Change:
    return Change("delete", "default VPC", name, account=account, region=region, destructive=True)


def test_a_new_accounts_change_matches_by_placeholder_once_the_account_exists():
    mark = placeholder("Log Archive")
    assert (
        mark == "<Log Archive, to be created>"
        and is_placeholder(mark)
        and not is_placeholder("123456789012")
    )
    listed = {_change_key(vpc(mark, "the new account's default VPC"))}
    created = {"111122223333": mark}
    assert _change_key(vpc("111122223333", "vpc-0abc"), created) in listed
    assert _change_key(vpc("111122223333", "vpc-0abc", "us-west-2"), created) not in listed
    assert (
        _change_key(vpc("444455556666", "vpc-0abc"), created) not in listed
    )  # not created by this run
    # an account that existed when the plan was made is matched by the VPC's own id
    assert _change_key(vpc("444455556666", "vpc-1")) != _change_key(vpc("444455556666", "vpc-2"))


def test_projection_takes_in_only_what_the_plans_create():
    organization = Plan("organization")
    organization.add("create", "organization", "all features")
    organization.add(
        "create", "organizational unit", "Security", data={"parent": "", "ou": "Security"}
    )
    accounts = Plan("accounts")
    accounts.add("create", "account", "Log Archive", data={"key": "log-archive"})
    accounts.add("move", "account", "Audit", data={"key": "audit"})
    accounts.add("resolve", "account name clash", "Production", data={"key": "production"})
    future = Projection()
    profile = load_profile("startup-minimal")
    future.learn(organization, {}, profile)
    future.learn(accounts, {"log-archive_email": "aws+la@example.com"}, profile)
    assert future.organization and future.ous == ["Security"]
    assert [(a["Id"], a["Email"], a["ou"]) for a in future.accounts] == [
        ("<Log Archive, to be created>", "aws+la@example.com", "Security")
    ]
    assert future.ou("Security") == {"Id": "<OU Security, to be created>", "Name": "Security"}
    assert future.ou("Sandbox") is None
