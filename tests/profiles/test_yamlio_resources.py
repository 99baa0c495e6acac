"""yamlio (strict YAML with line numbers) and resources (shipped data lookup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap_tui import resources
from bootstrap_tui.errors import ConfigError
from bootstrap_tui.yamlio import dump, load_file, load_with_lines


def message(raw, name="f.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        load_with_lines(raw, name)
    return info.value.message


def test_lines_map_dotted_paths():
    data, lines = load_with_lines(b"a: 1\nlist:\n  - x\n  - key: v\n    other: 2\n", "f.yaml")
    assert data == {"a": 1, "list": ["x", {"key": "v", "other": 2}]}
    assert lines == {
        "": 1,
        "a": 1,
        "list": 2,
        "list[0]": 3,
        "list[1]": 4,
        "list[1].key": 4,
        "list[1].other": 5,
    }


def test_accepts_str_bom_empty_and_crlf():
    assert load_with_lines("\ufeffa: 1\r\nb: 2\r\n", "f")[0] == {"a": 1, "b": 2}
    assert load_with_lines(b"", "f") == (None, {})
    assert load_with_lines(b"# only a comment\n", "f") == (None, {})


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"a: 1\nb: 2\na: 3\n", "f.yaml:3: a: duplicate key (first set on line 1)"),
        (
            b"x:\n  y: !!python/name:os.system\n",
            "f.yaml:2: x.y: tag !!python/name:os.system is not allowed",
        ),
        (b"a: !!binary aGk=\n", "f.yaml:1: a: tag !!binary is not allowed"),
        (b"a: !!set {x}\n", "f.yaml:1: a: tag !!set is not allowed"),
        (b"a: !Sub x\n", "f.yaml:1: a: tag !Sub is not allowed"),
        (b"base: &b {x: 1}\nc:\n  <<: *b\n", "f.yaml:3: c: merge keys (<<) are not supported"),
        (b"? [a]\n: 1\n", "f.yaml:1: a key must be a plain value, not a list or mapping"),
        (
            b"a: 1\n---\nb: 2\n",
            "f.yaml:2: invalid YAML: only one YAML document is allowed "
            "(remove the extra '---') (column 1)",
        ),
        (b"ok: 1\nbad: \x00\n", "f.yaml:2: control character U+0000 at column 6 is not allowed"),
        (b"a: 1\nb: \xff\xfe\n", "f.yaml:2: byte 0xff at column 4 is not valid UTF-8"),
        (
            b"when: 2024-13-40\n",
            "f.yaml:1: when: '2024-13-40' cannot be read as a timestamp (month must be in 1..12)",
        ),
        (
            b"n: " + b"9" * 5000 + b"\n",
            "f.yaml:1: n: '" + "9" * 40 + "' cannot be read as a whole number",
        ),
    ],
)
def test_rejections(raw, expected):
    assert message(raw) == expected


def test_billion_laughs_is_bounded():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    assert "expands to more than" in message("\n".join(lines).encode())


def test_deep_nesting_is_bounded():
    assert "nested deeper than 64 levels" in message(b"[" * 200 + b"]" * 200)


def test_size_limit_on_text_and_file(tmp_path):
    big = "a: " + "x" * (1024 * 1024) + "\n"
    assert message(big).startswith("f.yaml:1: the file is ")
    path = tmp_path / "big.yaml"
    path.write_text(big)
    with pytest.raises(ConfigError, match="the limit is 1 MiB"):
        load_file(path)


def test_dump_round_trips_without_aliases():
    shared = ["us-east-1"]
    data = {
        "b": shared,
        "a": {"x": shared, "name": "Café", "n": 1, "t": True, "none": None},
        "123456789012": "account",
    }
    text = dump(data)
    assert "&" not in text and "*" not in text
    assert text.index("b:") < text.index("a:")
    assert "Café" in text
    assert load_with_lines(text, "d.yaml")[0] == data


def test_load_file_unreadable(tmp_path):
    with pytest.raises(ConfigError, match="cannot read answers file"):
        load_file(tmp_path / "missing.yaml", "answers file")


# ------------------------------------------------------------------ resources


def test_data_dir_from_checkout():
    root = Path(resources.__file__).resolve().parent.parent
    assert resources.data_dir("profiles") == root / "profiles"
    assert (resources.data_dir("profiles") / "startup-minimal.yaml").is_file()


def test_data_dir_prefers_wheel_data(tmp_path, monkeypatch):
    (tmp_path / "_data" / "docs" / "steps").mkdir(parents=True)
    (tmp_path / "_data" / "docs" / "steps" / "x.md").write_text("# X\n")
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path)
    assert resources.data_dir("docs") == tmp_path / "_data" / "docs"
    assert resources.doc_page("steps/x.md") == "# X\n"
    assert resources.doc_page("steps/missing.md") is None
    assert resources.doc_page("../../etc/passwd") is None


def test_data_dir_rejects_unknown_names():
    with pytest.raises(ValueError):
        resources.data_dir("secrets")
