"""Load a framework file: its control catalog (control id -> title) and its mappings.

The files live in bootstrap_tui/frameworks/<framework-id>.yaml, next to this
module, so they ship inside the wheel. An entry is a *heading* (a section
or principal requirement such as CIS "3" or PCI DSS "10.2") when another entry
of the same catalog has an id that starts with "<id>."; the other entries are
*leaf controls*, and coverage is counted over those.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.frameworks import FRAMEWORK_DIR, FRAMEWORKS

# libyaml when PyYAML has it: the pure-Python loader takes ten times as long over these files.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["FRAMEWORK_DIR", "Catalog", "load_catalog", "get_catalog", "framework_ids"]


def framework_ids() -> list[str]:
    """The framework ids a catalog exists for (the keys of FRAMEWORKS)."""
    return list(FRAMEWORKS)


@dataclass(frozen=True)
class Catalog:
    framework: str
    title: str
    controls: dict[str, str]  # id -> title, in document order
    note: str = ""
    source: str = ""
    prowler: dict[str, str] = field(default_factory=dict)  # prowler check id -> control id
    rationale: dict[str, dict[str, str]] = field(default_factory=dict)  # check -> control -> why
    rejected: dict[str, dict[str, str]] = field(default_factory=dict)  # check -> control -> why not

    @functools.cached_property
    def headings(self) -> frozenset[str]:
        """Ids that have at least one child entry in this catalog."""
        out = set()
        for cid in self.controls:
            parent = parent_id(cid)
            while parent:
                if parent in self.controls:
                    out.add(parent)
                parent = parent_id(parent)
        return frozenset(out)

    @property
    def leaves(self) -> list[str]:
        """The controls coverage is counted over (entries that are not headings)."""
        return [cid for cid in self.controls if cid not in self.headings]

    def parents(self, control_id: str) -> list[str]:
        """Ancestors of a control that exist in the catalog, outermost first."""
        found = []
        parent = parent_id(control_id)
        while parent:
            if parent in self.controls:
                found.append(parent)
            parent = parent_id(parent)
        return list(reversed(found))

    def __contains__(self, control_id: object) -> bool:
        return control_id in self.controls


def parent_id(control_id: str) -> str | None:
    """'10.2.1' -> '10.2', 'A.5.1' -> 'A.5', 'CC6.1' -> 'CC6', 'ACCT.01' -> 'ACCT', '1' -> None."""
    if "." in control_id:
        head = control_id.rsplit(".", 1)[0]
        return head if head not in ("A",) else None
    return None


@functools.cache
def get_catalog(framework_id: str) -> Catalog:
    """Load and validate one catalog file; ConfigError names the file and problem."""
    if framework_id not in FRAMEWORKS:
        raise ConfigError(
            f"unknown framework {framework_id!r}", f"frameworks are: {', '.join(FRAMEWORKS)}"
        )
    path = FRAMEWORK_DIR / f"{framework_id}.yaml"
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except OSError as exc:
        raise ConfigError(
            f"cannot read framework catalog {path}: {exc.strerror}",
            "the installation is incomplete; reinstall bootstrap-tui",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"framework catalog {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("controls"), dict):
        raise ConfigError(f"framework catalog {path} has no 'controls' mapping")
    controls: dict[str, str] = {}
    for key, title in data["controls"].items():
        if not isinstance(key, str) or not isinstance(title, str) or not title.strip():
            raise ConfigError(
                f"framework catalog {path}: entry {key!r} needs a string id "
                "and a non-empty title (quote numeric ids)"
            )
        controls[key] = " ".join(title.split())
    prowler = {str(k): str(v) for k, v in (data.get("prowler") or {}).items()}
    return Catalog(
        framework=framework_id,
        title=str(data.get("title") or FRAMEWORKS[framework_id]),
        controls=controls,
        note=" ".join(str(data.get("note") or "").split()),
        source=str(data.get("source") or ""),
        prowler=prowler,
        rationale=_pairs(path, data, "mappings"),
        rejected=_pairs(path, data, "rejected"),
    )


def _pairs(path: Path, data: dict[str, Any], key: str) -> dict[str, dict[str, str]]:
    """check id -> control id -> one-line reason, from a catalog's `mappings`/`rejected` section."""
    section = data.get(key) or {}
    if not isinstance(section, dict) or not all(isinstance(v, dict) for v in section.values()):
        raise ConfigError(
            f"framework catalog {path}: '{key}' must map check ids to {{control id: reason}}"
        )
    return {
        str(check): {str(cid): " ".join(str(why).split()) for cid, why in pairs.items()}
        for check, pairs in section.items()
    }


def load_catalog(framework_id: str) -> dict[str, str]:
    """Control id -> title for a framework, in the catalog's document order."""
    return dict(get_catalog(framework_id).controls)
