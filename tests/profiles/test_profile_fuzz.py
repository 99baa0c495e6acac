"""Property: any input gives a valid Profile or a ConfigError, never another exception."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.profile import Profile, load_profile, profile_from_text
from bootstrap_tui.yamlio import dump
from tests.mutations import mutated

BASE = load_profile("startup-minimal").data
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def exercise(raw) -> None:
    """Parse `raw`; a Profile must answer every accessor, anything else is a ConfigError."""
    try:
        prof = profile_from_text(raw, "fuzz.yaml")
    except ConfigError as exc:
        text = str(exc)
        assert text and "Traceback" not in text
        return
    assert isinstance(prof, Profile)
    prof.ous()
    for account in prof.accounts:
        assert prof.account(account.key) == account
        assert account.ou in prof.ous()
    prof.scp_targets()
    assert prof.home_region in prof.governed_regions
    assert isinstance(prof.control_tower_enabled, bool)
    assert prof.frameworks and prof.automation_role


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "us-east-1",
            "Security",
            "Workloads/Prod",
            "all",
            "log-archive",
            "3.3",
            "soc2",
            "",
            "management",
            "Root",
            "\x07",
            "eu-west-1",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.text(max_size=12),
                st.integers(0, 5),
                st.sampled_from(["name", "key", "ou", "children", "enabled", "accounts", "group"]),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@SETTINGS
@given(mutated(BASE, values))
def test_mutated_profiles(data):
    exercise(dump(data))


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text):
    exercise(text)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(raw):
    exercise(raw)


TOKENS = [
    "name: x\n",
    "extends: startup-minimal\n",
    "extends: soc2\n",
    "description: d\n",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\n",
    "  ",
    "\t",
    "'",
    '"',
    "!!python/object ",
    "!tag ",
    "&a ",
    "*a ",
    "<<: ",
    "? ",
    "|\n",
    ">\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "home_region",
    "accounts",
    "organization",
    "ous",
    "null",
    "~",
    "yes",
    "1e9",
    "0x1F",
    "2024-01-01",
    "#",
    "\\",
    "\x00",
    "\u2028",
    "\ufeff",
    "é",
]


@SETTINGS
@given(
    st.lists(st.one_of(st.sampled_from(TOKENS), st.text(string.printable, max_size=5)), max_size=40)
)
def test_yamlish_token_soup(tokens):
    exercise("".join(tokens))


@SETTINGS
@given(st.dictionaries(st.sampled_from(list(BASE) + ["extends", "bogus"]), values, max_size=6))
def test_extends_with_random_overrides(overrides):
    data = {"name": "fuzz", "extends": "startup-minimal", **overrides}
    exercise(dump(data))
