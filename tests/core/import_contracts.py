"""Import contracts kept as data (import_contracts.yaml) and the import graph they are checked on."""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

HERE = pathlib.Path(__file__).resolve().parent
CONTRACTS_FILE = HERE / "import_contracts.yaml"

Graph = dict[str, dict[str, int]]  # module -> {imported module: first line}


@dataclass(frozen=True)
class Contract:
    name: str
    modules: tuple[str, ...]
    forbidden: tuple[str, ...]
    excepted: tuple[str, ...] = ()
    allowed: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def load_contracts(path: pathlib.Path = CONTRACTS_FILE) -> list[Contract]:
    """The contracts of the YAML table; an allowed import must give its reason."""
    contracts = []
    for row in yaml.safe_load(path.read_text(encoding="utf-8")):
        allowed = set()
        for entry in row.get("allowed", []):
            assert entry.get("reason"), f"{row['name']}: {entry['import']} gives no reason"
            importer, imported = (part.strip() for part in entry["import"].split("->"))
            allowed.add((importer, imported))
        contracts.append(
            Contract(
                name=row["name"],
                modules=tuple(row["modules"]),
                forbidden=tuple(row["forbidden"]),
                excepted=tuple(row.get("except", [])),
                allowed=frozenset(allowed),
            )
        )
    return contracts


def under(module: str, prefixes: Iterable[str]) -> bool:
    """True when `module` is one of `prefixes` or inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_files(root: pathlib.Path, packages: Iterable[str]) -> dict[str, pathlib.Path]:
    """Dotted module name -> source file, for every module of the given top-level packages."""
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: pathlib.Path, known: set[str]) -> dict[str, int]:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                head = package[: len(package) - node.level + 1]
                base = ".".join(head + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            found.setdefault(target, node.lineno)
    return found


def import_graph(root: pathlib.Path, packages: Iterable[str]) -> Graph:
    """Every module's imports (all of them, our own and third-party), with the line of each."""
    files = module_files(root, packages)
    return {name: _imports(name, path, set(files)) for name, path in files.items()}


def violations(contract: Contract, graph: Graph) -> list[str]:
    """Each importer that reaches a forbidden module, with the chain of imports that does it."""
    found = []
    for start in sorted(graph):
        if not under(start, contract.modules) or under(start, contract.excepted):
            continue
        chain = _path_to_forbidden(start, contract, graph)
        if chain:
            found.append(" -> ".join(chain))
    return found


def _path_to_forbidden(start: str, contract: Contract, graph: Graph) -> list[str] | None:
    seen, queue = {start}, [(start, [])]
    while queue:
        module, trail = queue.pop(0)
        for target, line in sorted(graph.get(module, {}).items()):
            if (module, target) in contract.allowed or target in seen:
                continue
            steps = [*trail, f"{module}:{line}"]
            if under(target, contract.forbidden):
                return [*steps, target]
            seen.add(target)
            if target in graph:
                queue.append((target, steps))
    return None
