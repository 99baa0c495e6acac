"""Regenerate tests/data/prowler.json from a git clone of prowler-cloud/prowler.

Usage: python tests/data/make_prowler_data.py <path-to-prowler-git-dir> [commit]

Reads, at one commit, every AWS check folder
(prowler/providers/aws/services/<service>/<check>/<check>.metadata.json) and the
compliance files of the frameworks we map to, and writes check ids and
check -> requirement ids (Prowler's own spelling) with the commit recorded.
Never edit prowler.json by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "prowler.json"
COMPLIANCE = {
    "cis-aws-3.0": "cis_3.0_aws.json",
    "soc2": "soc2_aws.json",
    "iso27001-2022": "iso27001_2022_aws.json",
    "pci-dss-4.0": "pci_4.0_aws.json",
}


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", repo, *args], check=True, capture_output=True, text=True
    ).stdout


def check_ids(repo: str, commit: str) -> list[str]:
    names = git(
        repo, "ls-tree", "-r", "--name-only", commit, "prowler/providers/aws/services"
    ).splitlines()
    return sorted({Path(n).parent.name for n in names if n.endswith(".metadata.json")})


def compliance(repo: str, commit: str, filename: str) -> dict[str, list[str]]:
    data = json.loads(git(repo, "show", f"{commit}:prowler/compliance/aws/{filename}"))
    out: dict[str, set[str]] = {}
    for req in data["Requirements"]:
        for check in req.get("Checks") or []:
            out.setdefault(check, set()).add(req["Id"])
    return {k: sorted(v) for k, v in sorted(out.items())}


def main(argv: list[str]) -> int:
    repo = argv[1]
    commit = git(repo, "rev-parse", argv[2] if len(argv) > 2 else "HEAD").strip()
    date = git(repo, "show", "-s", "--format=%cI", commit).strip()
    data = {
        "source": "https://github.com/prowler-cloud/prowler",
        "commit": commit,
        "commit_date": date,
        "generator": "tests/data/make_prowler_data.py",
        "checks": check_ids(repo, commit),
        "compliance": {
            fw: {"file": f"prowler/compliance/aws/{name}", "checks": compliance(repo, commit, name)}
            for fw, name in COMPLIANCE.items()
        },
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(data['checks'])} checks, commit {commit})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
