"""Property-based bad input: every validator, the answers and state loaders, set_answers.

Any input gives either a valid value or a clear error naming the field (and
FILE:LINE for files); never another exception; files on disk stay byte-for-byte
as they were. The profile loader has its own fuzz tests in tests/profiles.
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap_tui.answers import load_answers
from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.errors import ConfigError, StateError, ValidationError
from bootstrap_tui.model import Field
from bootstrap_tui.profile import load_profile
from bootstrap_tui.state import StateStore, empty_state, read_state_file, state_text
from bootstrap_tui.yamlio import dump
from tests.mutations import mutated

SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILES = ("startup-minimal", "soc2", "iso27001", "pci-dss")
ENGINE = Engine(Options())
STR_KINDS = {"text", "name", "email", "domain", "region", "alias", "phone", "choice"}

SYNTHETIC = (
    Field("t", "t"),
    Field("n", "n", kind="name"),
    Field("e", "e", kind="email"),
    Field("d", "d", kind="domain"),
    Field("r", "r", kind="region"),
    Field("rs", "rs", kind="regions"),
    Field("rs_opt", "rs", kind="regions", required=False),
    Field("i", "i", kind="int", minimum=1, maximum=3650),
    Field("i_any", "i", kind="int"),
    Field("b", "b", kind="bool"),
    Field("c", "c", kind="choice", choices=("small", "large")),
    Field("a", "a", kind="alias"),
    Field("p", "p", kind="phone"),
    Field("opt", "opt", required=False),
)


def all_fields() -> list[tuple[str, Field]]:
    """Every input of every step under every shipped profile, plus one field per kind."""
    found = {}
    for name in PROFILES:
        profile = load_profile(name)
        for step in ENGINE.steps:
            for field in step.fields(profile):
                found[
                    (
                        step.id,
                        field.name,
                        field.kind,
                        field.required,
                        field.minimum,
                        field.maximum,
                        field.choices,
                    )
                ] = (step.id, field)
    found.update({("synthetic", f.name): ("synthetic", f) for f in SYNTHETIC})
    return list(found.values())


FIELDS = all_fields()
KINDS_COVERED = {f.kind for _, f in FIELDS}

NASTY = [
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "\x07",
    "\x1b[31mred",
    "\u2028",
    "\ufeff",
    "\ud800",
    "x" * 300,
    "y" * 70_000,
    "9" * 5000,
    "-1",
    "0",
    "1",
    "1e3",
    "0x10",
    "3.5",
    "nan",
    "inf",
    "yes",
    "no",
    "on",
    "off",
    "TRUE",
    "us-east-1",
    " eu-west-1 ",
    "moon-1",
    "us-east-1,moon-1",
    ", ,",
    "us-gov-west-1",
    "a@b.co",
    "ops@example.com",
    "x@gmail.com",
    "bad@",
    "@example.com",
    "EXAMPLE.com.",
    "-bad-.com",
    "example-corp",
    "ab",
    "a--b",
    "+1 206 555 0100",
    "555",
    "small",
    "large",
    "Robert'); DROP TABLE",
    "é@x.com",
    "${HOME}",
    "!!python/object",
    "*a",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(),
    st.text(string.printable, max_size=40),
    st.sampled_from(NASTY),
    st.binary(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=8,
)


def check_valid(field: Field, value) -> None:
    """A parsed value has the kind's type, honours limits and re-parses to itself."""
    if value is None:
        assert not field.required
        return
    if field.kind in STR_KINDS:
        assert isinstance(value, str)
        if field.kind == "choice":
            assert value in field.choices
    elif field.kind == "regions":
        assert isinstance(value, list) and all(isinstance(v, str) for v in value)
        assert value or not field.required
    elif field.kind == "int":
        assert isinstance(value, int) and not isinstance(value, bool)
        assert field.minimum is None or value >= field.minimum
        assert field.maximum is None or value <= field.maximum
    elif field.kind == "bool":
        assert isinstance(value, bool)
    assert field.parse(value) == value  # stored answers are re-validated on every run


def check_error(exc: ValidationError, name: str, prefix: str = "") -> None:
    text = str(exc)
    assert exc.field == name
    assert text.startswith(f"{prefix}{name}: "), text
    assert "\n" not in text and len(text) < 600, text
    assert "Traceback" not in text


def test_every_field_kind_is_fuzzed():
    assert {
        "text",
        "name",
        "email",
        "domain",
        "region",
        "regions",
        "int",
        "bool",
        "choice",
        "alias",
        "phone",
    } <= KINDS_COVERED
    assert len(FIELDS) > 30


@SETTINGS
@given(st.sampled_from(FIELDS), values)
def test_any_value_for_any_field_is_valid_or_names_the_field(step_field, raw):
    _, field = step_field
    try:
        value = field.parse(raw)
    except ValidationError as exc:
        check_error(exc, field.name)
        return
    check_valid(field, value)
    if field.warn is not None:
        advice = field.warning(value, {})
        assert advice is None or isinstance(advice, str)


@pytest.mark.parametrize(
    "kind, raw, expected",
    [
        ("email", "ops@example.com\n", "ops@example.com"),
        ("domain", "@Example.COM.", "example.com"),
        ("regions", "us-east-1, eu-west-1,us-east-1", ["us-east-1", "eu-west-1"]),
        ("int", " 42 ", 42),
        ("bool", "Yes", True),
        ("alias", "example-corp", "example-corp"),
    ],
)
def test_validators_normalise_what_a_user_types(kind, raw, expected):
    assert Field("f", "f", kind=kind).parse(raw) == expected


@pytest.mark.parametrize(
    "kind, raw, message",
    [
        ("email", "ops@example", "f: 'ops@example' is not an email address"),
        ("email", "a\x00@example.com", "f: contains control characters"),
        ("text", "x" * 2000, "f: is 2000 characters long; at most 1024 allowed"),
        ("region", "moon-1", "f: 'moon-1' is not an AWS region code"),
        ("regions", {"us-east-1": True}, "f: expected a list of region codes"),
        ("int", 2**80, "f: must be at most 10"),
        ("int", True, "f: expected a whole number, got true/false"),
        ("int", "9" * 5000, "f: expected a whole number, got '9999"),
        ("bool", "maybe", "f: expected yes or no, got 'maybe'"),
        ("alias", "a--b", "f: 'a--b' is not a valid alias"),
        ("phone", "call me", "f: 'call me' is not a phone number"),
        ("name", ["a", "list"], "f: expected text, got list"),
        ("text", None, "f: a value is required"),
        ("text", "   ", "f: a value is required"),
    ],
)
def test_validator_messages(kind, raw, message):
    with pytest.raises(ValidationError) as caught:
        Field("f", "f", kind=kind, minimum=1, maximum=10).parse(raw)
    assert str(caught.value).startswith(message)


# ------------------------------------------------------------------ answers files

answer_keys = st.one_of(
    st.sampled_from([s.id for s in ENGINE.steps]),
    st.text(max_size=10),
    st.integers(0, 3),
    st.none(),
    st.booleans(),
)
field_names = st.sampled_from(sorted({f.name for _, f in FIELDS if _ != "synthetic"}))
answers_docs = st.one_of(
    values,
    st.dictionaries(
        answer_keys,
        st.one_of(
            st.none(),
            values,
            st.dictionaries(st.one_of(field_names, st.text(max_size=8)), values, max_size=4),
        ),
        max_size=5,
    ),
)


def exercise_answers(path: Path) -> None:
    before = path.read_bytes()
    try:
        loaded = load_answers(path, ENGINE)
    except ConfigError as exc:
        text = str(exc)
        assert text.startswith(f"{path}:") or text.startswith(f"cannot read answers file {path}")
        assert "Traceback" not in text
    else:
        for step_id, answers in loaded.items():
            fields = {f.name: f for f in ENGINE.by_id[step_id].fields(ENGINE.profile)}
            for name, raw in answers.items():
                fields[name].parse(raw)
    assert path.read_bytes() == before


@SETTINGS
@given(answers_docs)
def test_answers_files_with_any_structure(tmp_path, doc):
    path = tmp_path / "answers.yaml"
    try:
        text = dump(doc)
    except Exception:
        return
    path.write_text(text, encoding="utf-8")
    exercise_answers(path)


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_answers_files_with_any_bytes(tmp_path, raw):
    path = tmp_path / "answers.yaml"
    path.write_bytes(raw)
    exercise_answers(path)


def test_answer_error_names_file_line_step_and_field(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(
        "organization:\n  governed_regions: [us-east-1]\naccounts:\n  audit_email: not-an-email\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_answers(path, ENGINE)
    assert caught.value.message == (
        f"{path}:4: accounts.audit_email: 'not-an-email' is not an "
        "email address (expected name@example.com)"
    )


# ------------------------------------------------------------------ state files


def base_state() -> dict:
    data = empty_state("123456789012")
    data["profile"] = "startup-minimal"
    data["steps"] = {
        "organization": {
            "status": "applied",
            "updated_at": "2026-11-01T00:00:00+00:00",
            "answers": {"governed_regions": ["us-east-1", "us-west-2"]},
            "facts": {"org_id": "o-abc"},
        },
        "accounts": {
            "status": "in-progress",
            "operations": {
                "create:audit": {"id": "car-1", "started_at": "2026-11-01T00:00:00+00:00"}
            },
        },
    }
    data["attestations"] = {"root.mfa": {"by": "arn", "at": "2026-11-01", "note": ""}}
    data["evidence_history"] = [
        {
            "at": "2026-11-01",
            "by": "arn",
            "summary": {"PASS": 1},
            "checks": {"org.all-features": "PASS"},
        }
    ]
    return data


BASE_STATE = base_state()


def exercise_state(path: Path) -> None:
    """Open as a run would: the store, then every accessor the engine and `status` use."""
    before = path.read_bytes()
    try:
        with StateStore(path, lock=False) as store:
            engine = ENGINE
            engine.state = store
            rows = engine.status()
            assert [r["id"] for r in rows] == [s.id for s in engine.steps]
            for step in engine.steps:
                store.status(step.id)
                store.operations(step.id)
                store.facts(step.id)
                try:
                    engine.answers(step.id)
                except ValidationError as exc:  # a stored answer no longer valid: named
                    assert re.match(r"^[a-z-]+ \((state|profile)\): \w+: ", str(exc)), str(exc)
                for item in step.manual:
                    store.attestation(item.id)
            list(store.iter_history())
    except StateError as exc:
        text = str(exc)
        assert str(path) in text and "Traceback" not in text
    finally:
        ENGINE.state = None
    assert path.read_bytes() == before


@SETTINGS
@given(mutated(BASE_STATE, values, most=3, add=False))
def test_state_files_with_mutated_structure(tmp_path, data):
    path = tmp_path / "state.yaml"
    path.write_text(state_text(data), encoding="utf-8")
    exercise_state(path)


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(
            lambda t: ("schema_version: 1\n" + t).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_state_files_with_any_bytes(tmp_path, raw):
    path = tmp_path / "state.yaml"
    path.write_bytes(raw)
    exercise_state(path)


def test_a_valid_state_round_trips(tmp_path):
    path = tmp_path / "state.yaml"
    path.write_text(state_text(BASE_STATE))
    data = read_state_file(path)
    assert data["steps"]["organization"]["answers"] == {
        "governed_regions": ["us-east-1", "us-west-2"]
    }


# ------------------------------------------------------------------ engine.set_answers


@pytest.fixture(scope="module")
def answering_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("answers") / "state.yaml"
    engine = Engine(Options(state_file=path))
    engine.state = StateStore(path).open()
    engine.state.save()
    yield engine
    engine.close()


settable = [
    (sid, f)
    for sid, f in FIELDS
    if sid != "synthetic"
    and sid in ENGINE.by_id
    and any(f.name == g.name for g in ENGINE.by_id[sid].fields(ENGINE.profile))
]


@SETTINGS
@given(st.sampled_from(settable), values)
def test_set_answers_stores_only_valid_values(answering_engine, step_field, raw):
    engine = answering_engine
    step_id, field = step_field
    path = engine.state.path
    before_disk = path.read_bytes()
    before = engine.state.answers(step_id)
    try:
        result = engine.set_answers(step_id, {field.name: raw})
    except ValidationError as exc:
        check_error(exc, field.name, prefix=f"{step_id}: ")
        assert engine.state.answers(step_id) == before
        assert path.read_bytes() == before_disk
        return
    parsed = field.parse(raw)
    check_valid(field, parsed)
    on_disk = read_state_file(path)["steps"].get(step_id, {}).get("answers", {})
    assert on_disk.get(field.name) == parsed
    if parsed is not None:  # else the profile default applies
        assert result[field.name] == parsed


# ------------------------------------------------------------------ command-line misuse
# (tests/core/test_cli.py covers --bogus, bad --format/--framework/--region/--endpoint-url,
# --max-workers text, a missing --port value and --sandbox with --endpoint-url)

CLI = [sys.executable, "-m", "bootstrap_tui"]


def run_cli(args, home: Path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "BOOTSTRAP_TUI_LOG": str(home / "log.txt"),
    }
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def misuse_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("misuse")
    (root / "adir").mkdir()
    (root / "bad-answers.yaml").write_text("organization:\n  governed_regions: [moon-1]\n")
    (root / "unknown-step.yaml").write_text("organiser: {}\n")
    (root / "bad-profile.yaml").write_text(
        "name: x\nextends: startup-minimal\nhome_region: mars-1\n"
    )
    return root


MISUSE = [
    (["--state-file"], "argument --state-file: expected one argument"),
    (["--answers"], "argument --answers: expected one argument"),
    (["--profile-file"], "argument --profile-file: expected one argument"),
    (["verify", "--step"], "argument --step: expected one argument"),
    (["export", "-o"], "argument -o/--output: expected one argument"),
    (["apply", "--confirm-destructive"], "argument --confirm-destructive: expected one argument"),
    (["plan", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    (["export", "--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
    (["verify", "--max-workers", "-3"], "argument --max-workers: must be >= 1, got -3"),
    (["verify", "--max-workers", "0"], "argument --max-workers: must be >= 1, got 0"),
    (["sandbox", "--port", "70000"], "argument --port: must be between 0 and 65535, got 70000"),
    (["sandbox", "--seed", "weird"], "argument --seed: invalid choice: 'weird'"),
    (["sandbox", "--accounts", "-1"], "argument --accounts: must be >= 0, got -1"),
    (["sandbox", "--faults", "throttle=2"], "rate must be between 0 and 1"),
    (["sandbox", "--faults", "bogus"], "bad fault item 'bogus': expected KEY=VALUE"),
    (["status", "--bogus"], "unrecognized arguments: --bogus"),
    (["verify", "--step", "nope"], "unknown step 'nope'"),
    (["apply", "--yes", "--step", "organization", "--step", "nope"], "unknown step 'nope'"),
    (["plan", "--step", "Organization"], "unknown step 'Organization'"),
    (
        ["--answers", "{root}/missing.yaml", "status"],
        "cannot read answers file {root}/missing.yaml",
    ),
    (["--answers", "{root}/adir", "status"], "{root}/adir: is a directory, not an answers file"),
    (["--answers", "/dev/zero", "status"], "/dev/zero:1: the file is 1048577 bytes"),
    (
        ["--answers", "{root}/bad-answers.yaml", "plan"],
        "{root}/bad-answers.yaml:2: organization.governed_regions: 'moon-1' is not an AWS region",
    ),
    (
        ["--answers", "{root}/unknown-step.yaml", "plan"],
        "{root}/unknown-step.yaml:1: unknown step 'organiser'",
    ),
    (
        ["--profile-file", "{root}/bad-profile.yaml", "status"],
        "{root}/bad-profile.yaml:3: home_region",
    ),
    (["--profile-file", "nosuch", "status"], "unknown baseline profile 'nosuch'"),
]


@pytest.mark.parametrize("args, needle", MISUSE, ids=[" ".join(a) for a, _ in MISUSE])
def test_cli_misuse_is_a_short_error_and_exit_2(misuse_files, args, needle):
    root = str(misuse_files)
    result = run_cli([a.format(root=root) for a in args], misuse_files)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert needle.format(root=root) in lines[0]
    assert len(lines) <= 2 and all(line.startswith("  → ") for line in lines[1:]), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
