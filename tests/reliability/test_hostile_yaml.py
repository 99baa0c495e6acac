"""A corpus of malformed YAML and hostile files, fed to the answers, state and profile loaders.

Each case is one file; every loader must give its exact, located message and
leave the file untouched. Loading is through yamlio's strict safe loader, so
YAML tags never construct objects and alias bombs stop early. The profile
loader's field-level errors are covered by tests/profiles/broken/.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from bootstrap_tui.answers import load_answers
from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.errors import ConfigError, StateError
from bootstrap_tui.profile import load_profile
from bootstrap_tui.state import StateStore, read_state_file

ENGINE = Engine(Options())
GOOD_ANSWERS = b"organization:\n  governed_regions: [us-east-1, us-west-2]\n"
GOOD_STATE = b"schema_version: 1\nsteps:\n  organization: {status: applied}\n"
MIB = 1024 * 1024


def bomb(levels: int = 9) -> bytes:
    """Billion laughs: 10**levels values from a few hundred bytes."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


# name -> (file bytes, message expected after "FILE:" for answers and state files)
CORPUS = {
    "python-object-tag": (
        b"organization: !!python/object/apply:os.system ['touch PWNED']\n",
        "1: organization: tag !!python/object/apply:os.system is not allowed",
    ),
    "python-name-tag": (
        b"organization:\n  governed_regions: !!python/name:os.system\n",
        "2: organization.governed_regions: tag !!python/name:os.system is not allowed",
    ),
    "custom-tag": (b"organization: !Ref Something\n", "1: organization: tag !Ref is not allowed"),
    "binary-tag": (
        b"organization: !!binary aGVsbG8=\n",
        "1: organization: tag !!binary is not allowed",
    ),
    "billion-laughs": (
        bomb(),
        "the document expands to more than 200000 values (are aliases nested?)",
    ),
    "self-alias": (
        b"organization: &loop\n  governed_regions: *loop\n",
        "nested deeper than 64 levels",
    ),
    "merge-key": (
        b"base: &b {x: 1}\norganization:\n  <<: *b\n",
        "3: organization: merge keys (<<) are not supported",
    ),
    "duplicate-key": (
        b"organization: {}\naccounts: {}\norganization: {}\n",
        "3: organization: duplicate key (first set on line 1)",
    ),
    "nul-byte": (
        b"organization:\n  governed_regions: [us-east-1\x00]\n",
        "2: control character U+0000 at column 31 is not allowed",
    ),
    "escape-sequence": (
        b"organization: {}\n# \x1b[2J\n",
        "2: control character U+001B at column 3 is not allowed",
    ),
    "utf16-bom": (
        "organization: {}\n".encode("utf-16"),
        "1: byte 0xff at column 1 is not valid UTF-8",
    ),
    "utf16-no-bom": (
        "organization: {}\n".encode("utf-16-le"),
        "1: control character U+0000 at column 2 is not allowed",
    ),
    "latin1": (
        "management-account:\n  company_name: Café\n".encode("latin-1"),
        "2: byte 0xe9 at column 20 is not valid UTF-8",
    ),
    "two-documents": (
        b"organization: {}\n---\naccounts: {}\n",
        "2: invalid YAML: only one YAML document is allowed",
    ),
    "syntax-error": (b"organization: [us-east-1\n", "invalid YAML: "),
    "deep-nesting": (
        b"organization: " + b"[" * 500 + b"]" * 500 + b"\n",
        "nested deeper than 64 levels",
    ),
    "bad-timestamp": (
        b"organization: 2024-13-40\n",
        "1: organization: '2024-13-40' cannot be read as a timestamp",
    ),
    "huge-integer": (
        b"organization: " + b"9" * 6000 + b"\n",
        "1: organization: '" + "9" * 40 + "' cannot be read as a whole number",
    ),
    "list-as-key": (
        b"? [organization]\n: {}\n",
        "1: a key must be a plain value, not a list or mapping",
    ),
}


def write(tmp_path: Path, name: str, raw: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_answers_file_corpus(tmp_path, monkeypatch, case):
    raw, expected = CORPUS[case]
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "answers.yaml", raw)
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_answers(path, ENGINE)
    assert time.monotonic() - started < 5
    message = caught.value.message
    assert message.startswith(f"{path}:")
    assert expected in message
    assert "\n" not in message and len(message) < 800
    assert path.read_bytes() == raw
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_state_file_corpus(tmp_path, monkeypatch, case):
    raw, expected = CORPUS[case]
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "state.yaml", raw)
    with pytest.raises(StateError) as caught:
        StateStore(path).open()
    message = str(caught.value)
    assert message.startswith(f"corrupt state file {path}:")
    assert expected in message
    assert "move it aside" in caught.value.hint
    assert path.read_bytes() == raw
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "state.yaml",
        "state.yaml.lock",
        "state.yaml.rwlock",
    ]
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "case",
    [
        "python-object-tag",
        "custom-tag",
        "billion-laughs",
        "self-alias",
        "duplicate-key",
        "utf16-bom",
        "latin1",
        "deep-nesting",
    ],
)
def test_profile_file_corpus(tmp_path, monkeypatch, case):
    raw, expected = CORPUS[case]
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "profile.yaml", raw)
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    assert str(caught.value).startswith(f"{path}:")
    assert expected.split(": ", 1)[-1].replace("organization", "") in str(caught.value)
    assert path.read_bytes() == raw
    assert not (tmp_path / "PWNED").exists()


# ------------------------------------------------------------------ wrong shapes


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"- organization\n", "1: expected a mapping of step id to answers, found list"),
        (b"organization: [us-east-1]\n", "1: organization: expected a mapping of field to value"),
        (
            b"organization:\n  governed_regions: {us-east-1: yes}\n",
            "2: organization.governed_regions: expected a list of region codes",
        ),
        (
            b"management-account:\n  company_name: [a, b]\n",
            "2: management-account.company_name: expected text, got list",
        ),
        (b"organisation: {}\n", "1: unknown step 'organisation'"),
        (b"organization:\n  regions: [us-east-1]\n", "2: organization.regions: unknown field"),
        (b"12: {}\n", "1: unknown step 12"),
    ],
)
def test_answers_with_wrong_shapes(tmp_path, raw, expected):
    path = write(tmp_path, "answers.yaml", raw)
    with pytest.raises(ConfigError) as caught:
        load_answers(path, ENGINE)
    assert caught.value.message == f"{path}:{expected}"


def test_huge_string_value_is_refused_by_length_not_by_a_crash(tmp_path):
    path = write(
        tmp_path,
        "answers.yaml",
        b"management-account:\n  company_name: '" + b"x" * 900_000 + b"'\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_answers(path, ENGINE)
    assert caught.value.message == (
        f"{path}:2: management-account.company_name: is 900000 characters long; at most 128 allowed"
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            b"schema_version: 1\nsteps:\n  organization: {answers: [1, 2]}\n",
            "steps.organization.answers should be a mapping, found list",
        ),
        (
            b"schema_version: 1\nsteps:\n  accounts: {operations: {create:audit: car-1}}\n",
            "steps.accounts.operations.create:audit should be a mapping with a text id",
        ),
        (
            b"schema_version: 1\nsteps:\n  organization: {status: [applied]}\n",
            "steps.organization.status should be text",
        ),
        (
            b"schema_version: 1\nsteps: {}\nattestations: {root.mfa: true}\n",
            "attestations entry 'root.mfa' should be a mapping, found bool",
        ),
        (
            b"schema_version: 1\nsteps: {}\nevidence_history: [1]\n",
            "evidence_history entry 0 should be a mapping, found int",
        ),
        (b"schema_version: '1'\nsteps: {}\n", "has no valid schema_version"),
        (b"schema_version: true\nsteps: {}\n", "has no valid schema_version"),
    ],
)
def test_state_with_wrong_shapes(tmp_path, raw, expected):
    path = write(tmp_path, "state.yaml", raw)
    with pytest.raises(StateError) as caught:
        read_state_file(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)
    assert path.read_bytes() == raw


# ------------------------------------------------------------------ encodings that are fine


@pytest.mark.parametrize(
    "transform",
    [
        lambda raw: b"\xef\xbb\xbf" + raw,  # UTF-8 BOM
        lambda raw: raw.replace(b"\n", b"\r\n"),  # Windows line ends
        lambda raw: raw + b"# \xc3\xa9t\xc3\xa9 \xe2\x9c\x93\n",  # UTF-8 comment
    ],
    ids=["bom", "crlf", "utf8-comment"],
)
def test_bom_crlf_and_utf8_are_accepted(tmp_path, transform):
    answers = write(tmp_path, "answers.yaml", transform(GOOD_ANSWERS))
    assert load_answers(answers, ENGINE) == {
        "organization": {"governed_regions": ["us-east-1", "us-west-2"]}
    }
    state = write(tmp_path, "state.yaml", transform(GOOD_STATE))
    assert read_state_file(state)["steps"]["organization"]["status"] == "applied"


# ------------------------------------------------------------------ files that are not files


def test_empty_files(tmp_path):
    assert load_answers(write(tmp_path, "answers.yaml", b""), ENGINE) == {}
    assert load_answers(write(tmp_path, "comment.yaml", b"# nothing yet\n"), ENGINE) == {}
    path = write(tmp_path, "state.yaml", b"")
    with pytest.raises(StateError, match=r"is empty \(truncated\?\)"):
        StateStore(path).open()
    path = write(tmp_path, "profile.yaml", b"")
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    assert str(caught.value).startswith(f"{path}:1: ")


def test_ten_megabyte_files(tmp_path):
    raw = b"organization:\n  x: '" + b"x" * (10 * MIB) + b"'\n"
    path = write(tmp_path, "big.yaml", raw)
    with pytest.raises(ConfigError) as caught:
        load_answers(path, ENGINE)
    assert (
        caught.value.message
        == f"{path}:1: the file is {len(raw)} bytes; the limit is 1 MiB ({MIB} bytes)"
    )
    with pytest.raises(ConfigError, match="the limit is 1 MiB"):
        load_profile(str(path))
    with pytest.raises(StateError) as caught:
        StateStore(path).open()
    assert str(caught.value).startswith(f"state file {path} is larger than {8 * MIB} bytes")
    assert path.read_bytes() == raw


def test_devices_are_not_read_forever(tmp_path):
    with pytest.raises(ConfigError, match="/dev/zero:1: the file is"):
        load_answers(Path("/dev/zero"), ENGINE)
    link = tmp_path / "state.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(StateError, match="is larger than"):
        read_state_file(link)


def test_directories(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(ConfigError, match=f"^{folder}: is a directory, not an answers file$"):
        load_answers(folder, ENGINE)
    with pytest.raises(ConfigError, match=f"^{folder}: is a directory, not a profile$"):
        load_profile(str(folder))
    with pytest.raises(StateError, match=f"cannot read state file {folder}: Is a directory"):
        StateStore(folder).open()
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_files(tmp_path):
    for name in ("answers.yaml", "state.yaml", "profile.yaml"):
        write(tmp_path, name, GOOD_STATE).chmod(0)
    with pytest.raises(ConfigError, match="cannot read answers file .*: Permission denied"):
        load_answers(tmp_path / "answers.yaml", ENGINE)
    with pytest.raises(ConfigError, match="cannot read profile .*: Permission denied"):
        load_profile(str(tmp_path / "profile.yaml"))
    with pytest.raises(StateError, match="cannot read state file .*: Permission denied"):
        StateStore(tmp_path / "state.yaml").open()
    assert stat.S_IMODE((tmp_path / "state.yaml").stat().st_mode) == 0


def test_symlinks(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    write(real, "answers.yaml", GOOD_ANSWERS)
    write(real, "state.yaml", GOOD_STATE)
    (tmp_path / "answers.yaml").symlink_to(real / "answers.yaml")
    (tmp_path / "state.yaml").symlink_to(real / "state.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert load_answers(tmp_path / "answers.yaml", ENGINE)["organization"]
    with pytest.raises(ConfigError, match="cannot read answers file .*dangling.yaml: No such file"):
        load_answers(tmp_path / "dangling.yaml", ENGINE)
    with StateStore(tmp_path / "state.yaml") as store:
        assert store.status("organization") == "applied"
        store.set_status("accounts", "applied")
    # the link still points at the real file, which holds the update
    assert (tmp_path / "state.yaml").is_symlink()
    assert read_state_file(real / "state.yaml")["steps"]["accounts"]["status"] == "applied"
    assert stat.S_IMODE((real / "state.yaml").stat().st_mode) == 0o600
