"""Every option the docs show for a `bootstrap-tui` command is accepted by that command's parser.

The options are read from the docs (README.md, docs/*.md, docs/steps/*.md): every command line
that starts with `bootstrap-tui` (in code blocks and inline code), and every option table, which
documents the command named last before it.
"""

from __future__ import annotations

import re
from pathlib import Path

from bootstrap_tui.cli import command_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("docs/steps/*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
SPAN = re.compile(r"`([^`]+)`")
TABLE_ROW = re.compile(r"^\|\s*`(-[^`]*)`", re.M)
STARTS_COMMAND = {"", "$", "-", "run:", "&&", ";", "time"}  # what may stand before bootstrap-tui
ENDS_COMMAND = {"&&", ";", "|", ">", ">>", "2>", "#"}


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _snippets(text: str) -> list[tuple[int, str]]:
    """(line, text) of every code line (continuations joined) and inline code span."""
    found: list[tuple[int, str]] = []
    for block in FENCE.finditer(text):
        first = _line(text, block.start(1))
        joined: list[tuple[int, str]] = []
        for n, line in enumerate(block.group(1).splitlines()):
            if joined and (joined[-1][1].endswith("\\") or re.match(r"\s+[\[-]", line)):
                joined[-1] = (joined[-1][0], joined[-1][1].rstrip("\\") + " " + line.strip())
            else:
                joined.append((first + n, line))
        found += joined
    prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    found += [(_line(prose, m.start()), m.group(1)) for m in SPAN.finditer(prose)]
    return sorted(found)


def _options(tokens: list[str]) -> list[str]:
    """The option names among the tokens: `[--step ID]...` -> --step, `--a/--b` -> both."""
    out = []
    for token in tokens:
        token = token.strip("[](),.").split("=", 1)[0]
        out += [t for t in token.split("/") if re.fullmatch(r"--?[a-z][a-z0-9-]*", t)]
    return out


def _command_lines(snippet: str) -> list[tuple[str | None, list[str], list[str]]]:
    """(command, global options, command options) of each `bootstrap-tui ...` in a snippet."""
    tokens = snippet.replace("\\|", "|").split()
    top = command_parser(None)
    commands = set(next(a for a in top._actions if a.dest == "command").choices)
    out = []
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        if not (token == "bootstrap-tui" or token.endswith("/bootstrap-tui")):
            continue
        if before not in STARTS_COMMAND:
            continue
        rest = []
        for t in tokens[i + 1 :]:
            if t in ENDS_COMMAND:
                break
            rest.append(t)
        globals_: list[str] = []
        j = 0
        while j < len(rest) and rest[j].lstrip("[").startswith("-"):
            name = _options([rest[j]])
            globals_ += name
            action = top._option_string_actions.get(name[0]) if name else None
            j += 2 if action is not None and action.nargs != 0 and "=" not in rest[j] else 1
        command = rest[j] if j < len(rest) and rest[j] in commands else None
        out.append((command, globals_, _options(rest[j + 1 :]) if command else []))
    return out


def documented() -> list[tuple[str, str | None, str]]:
    """(where, command or None for the top level, option) for every documented option."""
    found = []
    for path in DOCS:
        text = path.read_text()
        mentions: list[tuple[int, str | None]] = []
        for line, snippet in _snippets(text):
            for command, globals_, options in _command_lines(snippet):
                mentions.append((line, command))
                where = f"{path.relative_to(ROOT)}:{line}"
                found += [(where, None, o) for o in globals_]
                found += [(where, command, o) for o in options]
        for row in TABLE_ROW.finditer(text):
            line = _line(text, row.start())
            earlier = [command for seen, command in mentions if seen < line]
            command = earlier[-1] if earlier else None
            where = f"{path.relative_to(ROOT)}:{line} (option table)"
            found += [(where, command, o) for o in _options(row.group(1).split())]
    return found


def test_every_documented_option_is_accepted_by_its_command():
    found = documented()
    parsers = {command: command_parser(command) for _, command, _ in found}
    rejected = [
        f"{where}: bootstrap-tui {command or ''} {option}".replace("  ", " ")
        for where, command, option in found
        if option not in parsers[command]._option_string_actions
    ]
    assert rejected == [], "documented but rejected:\n" + "\n".join(rejected)


def test_the_docs_are_read_for_every_kind_of_mention():
    """The extraction sees command lines, global options and option tables (the sandbox's
    --op-delay and --tls-cert are documented only in its table)."""
    found = {(command, option) for _, command, option in documented()}
    assert {("sandbox", "--op-delay"), ("sandbox", "--tls-key"), ("verify", "--format")} <= found
    assert (None, "--sandbox") in found and (None, "--aws-profile") in found
    assert len(found) >= 30
