"""Strict, safe YAML for every file a user can hand us (profiles, answers, state).

Only plain YAML values are accepted: mappings, lists, text, numbers, booleans,
null and timestamps. Duplicate keys, language tags (`!!python/...`), custom tags,
merge keys, control characters, non-UTF-8 bytes and files over 1 MiB are
refused. Every error is a ConfigError whose message starts with "FILE:LINE:".

`load_with_lines` also returns where each value was written: a dict mapping a
dotted path such as "accounts[2].ou" to its 1-based line number ("" is the
document itself).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bootstrap_tui.errors import ConfigError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("null", "bool", "int", "float", "str", "timestamp")}
_MAP_TAG = _STD + "map"
_SEQ_TAG = _STD + "seq"
_CONSTRUCTOR = SafeConstructor()
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_HINT_PLAIN = "use plain YAML values only: text, numbers, true/false, lists and mappings"

_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true/false",
    "timestamp": "a timestamp",
    "null": "null",
}
Lines = dict[str, int]


def _line_of(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character index, counting YAML line breaks."""
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    line = len(breaks) + 1
    column = index - (breaks[-1].end() if breaks else 0) + 1
    return line, column


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


def key_path(parent: str, key: Any) -> str:
    """The dotted path of mapping key `key` under `parent` ("a", "b" -> "a.b")."""
    return f"{parent}.{key}" if parent else str(key)


def index_path(parent: str, index: int) -> str:
    """The path of list item `index` under `parent` ("a", 2 -> "a[2]")."""
    return f"{parent}[{index}]"


def decode(raw: bytes | str, filename: str, max_bytes: int = MAX_BYTES) -> str:
    """Check size, encoding and characters; return the text without a BOM."""
    if isinstance(raw, str):
        size = len(raw.encode("utf-8", "surrogatepass"))
        text = raw
    else:
        size = len(raw)
        text = None
    if size > max_bytes:
        raise ConfigError(
            f"{filename}:1: the file is {size} bytes; the limit is {_size_text(max_bytes)}",
            "is this the right file?",
        )
    if text is None:
        assert isinstance(raw, bytes)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            raise ConfigError(
                f"{filename}:{line}: byte 0x{raw[exc.start]:02x} at column {column} "
                f"is not valid UTF-8",
                "save the file as UTF-8 text",
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _BAD_CHAR.search(text)
    if bad:
        line, column = _line_of(text, bad.start())
        raise ConfigError(
            f"{filename}:{line}: control character U+{ord(bad.group()):04X} at "
            f"column {column} is not allowed",
            "remove it; YAML files may contain only printable text, tabs and newlines",
        )
    return text


def _size_text(limit: int) -> str:
    """'1 MiB (1048576 bytes)' for a byte limit."""
    return f"{limit // (1024 * 1024)} MiB ({limit} bytes)"


def read_file(path: str | Path, what: str = "file") -> bytes:
    """The bytes of a user-supplied file, refusing directories and files over 1 MiB."""
    path = Path(path).expanduser()
    try:
        if path.is_dir():
            article = "an" if what[:1] in "aeiou" else "a"
            raise ConfigError(f"{path}: is a directory, not {article} {what}")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(
                f"{path}:1: the file is {size} bytes; the limit is {_size_text(MAX_BYTES)}",
                "is this the right file?",
            )
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


class _Builder:
    """Turns a composed node tree into Python values and a path -> line map."""

    def __init__(self, filename: str):
        self.filename = filename
        self.lines: Lines = {}
        self.nodes = 0

    def fail(self, node: Node, path: str, problem: str, hint: str | None = None) -> ConfigError:
        shown = path if len(path) <= 100 else path[:80] + "…"  # aliases can nest a path deeply
        where = f"{shown}: " if shown else ""
        return ConfigError(f"{self.filename}:{node.start_mark.line + 1}: {where}{problem}", hint)

    def build(self, node: Node, path: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                node,
                path,
                f"the document expands to more than {MAX_NODES} values (are aliases nested?)",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self.fail(
                    node, path, f"tag {_short_tag(node.tag)} is not allowed", _HINT_PLAIN
                )
            out = []
            for index, item in enumerate(node.value):
                sub = index_path(path, index)
                self.lines.setdefault(sub, item.start_mark.line + 1)
                out.append(self.build(item, sub, depth + 1))
            return out
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        raise self.fail(node, path, "unsupported YAML node")

    def scalar(self, node: ScalarNode, path: str) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, path, f"tag {_short_tag(node.tag)} is not allowed", _HINT_PLAIN)
        try:
            return _CONSTRUCTOR.yaml_constructors[node.tag](_CONSTRUCTOR, node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            kind = _short_tag(node.tag)[2:]
            detail = f" ({exc})" if kind == "timestamp" else ""
            raise self.fail(
                node,
                path,
                f"{node.value[:40]!r} cannot be read as {_KINDS.get(kind, kind)}{detail}",
                "quote it to make it text",
            ) from None

    def mapping(self, node: MappingNode, path: str, depth: int) -> dict[Any, Any]:
        if node.tag != _MAP_TAG:
            raise self.fail(node, path, f"tag {_short_tag(node.tag)} is not allowed", _HINT_PLAIN)
        out: dict[Any, Any] = {}
        first_line: dict[tuple[type, Any], int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(
                    key_node, path, "a key must be a plain value, not a list or mapping"
                )
            if key_node.tag == _STD + "merge":
                raise self.fail(
                    key_node,
                    path,
                    "merge keys (<<) are not supported",
                    "write the keys out in full",
                )
            key = self.scalar(key_node, path)
            sub = key_path(path, key)
            line = key_node.start_mark.line + 1
            ident = (type(key), key)
            if ident in first_line:
                raise self.fail(
                    key_node,
                    sub,
                    f"duplicate key (first set on line {first_line[ident]})",
                    "keep only one of them",
                )
            first_line[ident] = line
            self.lines.setdefault(sub, line)
            out[key] = self.build(value_node, sub, depth + 1)
        return out


def load_with_lines(
    raw: bytes | str, filename: str, max_bytes: int = MAX_BYTES
) -> tuple[Any, Lines]:
    """Parse one YAML document strictly; return (data, {dotted path: line})."""
    text = decode(raw, filename, max_bytes)
    try:
        loader = _LOADER(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc.context or ""):
            problem = "only one YAML document is allowed (remove the extra '---')"
        column = f" (column {mark.column + 1})" if mark else ""
        raise ConfigError(
            f"{filename}:{line}: invalid YAML: {problem}{column}",
            "check the indentation and quoting near that line",
        ) from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{filename}:1: invalid YAML: {exc}") from None
    if root is None:
        return None, {}
    builder = _Builder(filename)
    builder.lines[""] = root.start_mark.line + 1
    try:
        data = builder.build(root, "", 0)
    except RecursionError:
        raise ConfigError(f"{filename}:1: nested too deeply") from None
    return data, builder.lines


def load_file(path: str | Path, what: str = "file") -> tuple[Any, Lines]:
    """Read and parse a user-supplied YAML file (see load_with_lines)."""
    return load_with_lines(read_file(path, what), str(path))


class _Dumper(yaml.SafeDumper):
    """SafeDumper that never writes anchors/aliases (files stay plain and diffable)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any) -> str:
    """Plain YAML text for `data` (keys kept in order, Unicode kept readable)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
