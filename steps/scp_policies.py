"""Service control policies: load the reviewed JSON files, fill placeholders,
validate, refuse unsafe sets, and pack them into as few AWS policies as the
Organizations quotas need.

Pure functions (no AWS calls), so they are unit-tested directly.

Placeholders (strings in profiles/scps/*.json):
  "${ALLOWED_REGIONS}"        a JSON string replaced by the list of allowed regions
  "${EXEMPT_ROLE_ARNS}"       a JSON string replaced by the list of exempt role ARN patterns
                              (always includes arn:aws:iam::*:role/<automation role>)
  "${LOG_ARCHIVE_RESOURCES}"  replaced by the log archive bucket ARNs (bucket and objects)
  ${LOG_ARCHIVE_BUCKET}, ${AUTOMATION_ROLE}, ${HOME_REGION} inside a string: substituted
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterable

from bootstrap_tui.errors import ConfigError, RefusedError

MAX_POLICY_CHARS = 5120  # Organizations: SCP document size limit
MAX_SCPS_PER_TARGET = 5  # Organizations: SCPs attached to one root, OU or account
POLICY_NAME_PREFIX = "bootstrap-guardrails-"
FULL_ACCESS_ID = "p-FullAWSAccess"

# Condition operators IAM accepts (with optional IfExists / ForAllValues / ForAnyValue).
OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
}

# Condition keys this project allows in SCPs (lower case; IAM compares them case-insensitively).
# Anything else is refused so that a typo cannot silently turn a Deny into a no-op.
KNOWN_CONDITION_KEYS = {
    "aws:assumedroot",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:currenttime",
    "aws:epochtime",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principaltype",
    "aws:requestedregion",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:securetransport",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:userid",
    "aws:username",
    "aws:viaawsservice",
    "aws:vpcsourceip",
    "ec2:encrypted",
    "ec2:region",
    "ec2:volumetype",
    "ec2:instancetype",
    "ec2:metadatahttptokens",
    "ec2:rolemaximumsessionduration",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-acl",
    "s3:resourceaccount",
    "s3:tlsversion",
    "iam:passedtoservice",
    "iam:awsservicename",
    "iam:permissionsboundary",
    "kms:callervia",
    "kms:calleraccount",
    "kms:viaservice",
    "organizations:serviceprincipal",
    "organizations:policytype",
    "sts:rolesessionname",
    "sts:sourceidentity",
}
KNOWN_KEY_PREFIXES = ("aws:principaltag/", "aws:resourcetag/", "aws:requesttag/")

PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")
LIST_PLACEHOLDERS = {"ALLOWED_REGIONS", "EXEMPT_ROLE_ARNS", "LOG_ARCHIVE_RESOURCES"}

# Calls the automation role must always be able to make (to reach and repair accounts).
CRITICAL_ACTIONS = (
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
    "iam:GetRole",
    "iam:PassRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "organizations:DescribeOrganization",
)
# Regional calls that must keep working in every allowed region for everybody.
REGIONAL_PROBES = ("ec2:DescribeInstances", "lambda:ListFunctions", "s3:ListBucket")


def scp_directory() -> Path:
    """profiles/scps, shipped with the package (bootstrap_tui.resources.data_dir)."""
    from bootstrap_tui.resources import data_dir

    directory = data_dir("profiles") / "scps"
    if not directory.is_dir():
        raise ConfigError(
            "the SCP directory profiles/scps was not found",
            "reinstall bootstrap-tui; the package ships its reviewed SCPs",
        )
    return directory


def load_templates(ids: Iterable[str], directory: Path | None = None) -> dict[str, str]:
    directory = directory or scp_directory()
    out: dict[str, str] = {}
    for policy_id in ids:
        if not re.fullmatch(r"[a-z0-9][a-z0-9\-]{0,62}", policy_id):
            raise ConfigError(
                f"guardrails.scps: {policy_id!r} is not a valid SCP id",
                "use the lowercase file name of a JSON file in profiles/scps",
            )
        path = directory / f"{policy_id}.json"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in directory.glob("*.json")))
            raise ConfigError(
                f"guardrails.scps: no reviewed SCP named {policy_id!r}", f"available: {known}"
            )
        out[policy_id] = path.read_text(encoding="utf-8")
    return out


# ------------------------------------------------------------------ filling


@dataclass
class FillValues:
    allowed_regions: list[str]
    automation_role: str
    log_archive_bucket: str | None = None
    extra_buckets: list[str] = field(default_factory=list)
    extra_exempt_roles: list[str] = field(default_factory=list)
    home_region: str = "us-east-1"
    partition: str = "aws"  # from the caller's ARN (aws, aws-cn, aws-us-gov)

    def exempt_arns(self) -> list[str]:
        roles = [self.automation_role, *self.extra_exempt_roles]
        return list(dict.fromkeys(f"arn:{self.partition}:iam::*:role/{r}" for r in roles if r))

    def lists(self) -> dict[str, list[str]]:
        buckets = [b for b in [self.log_archive_bucket, *self.extra_buckets] if b]
        part = self.partition
        resources = [
            arn for b in buckets for arn in (f"arn:{part}:s3:::{b}", f"arn:{part}:s3:::{b}/*")
        ]
        return {
            "ALLOWED_REGIONS": list(self.allowed_regions),
            "EXEMPT_ROLE_ARNS": self.exempt_arns(),
            "LOG_ARCHIVE_RESOURCES": resources,
        }

    def scalars(self) -> dict[str, str]:
        return {
            "LOG_ARCHIVE_BUCKET": self.log_archive_bucket or "",
            "AUTOMATION_ROLE": self.automation_role,
            "HOME_REGION": self.home_region,
        }


def fill(policy_id: str, template: str, values: FillValues) -> dict[str, Any]:
    """Parse a template and substitute placeholders; raise ConfigError when impossible."""
    try:
        doc = json.loads(template)
    except ValueError as exc:
        raise ConfigError(f"SCP {policy_id}: not valid JSON ({exc})") from None
    lists, scalars = values.lists(), values.scalars()

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            out: list[Any] = []
            for item in node:
                item = walk(item)
                out.extend(item if isinstance(item, list) else [item])
            return out
        if isinstance(node, str):
            whole = PLACEHOLDER.fullmatch(node)
            if whole and whole.group(1) in LIST_PLACEHOLDERS:
                items = lists[whole.group(1)]
                if not items:
                    raise ConfigError(
                        f"SCP {policy_id}: nothing to fill in for ${{{whole.group(1)}}}",
                        "run the step that creates it first (log-archive for the bucket)",
                    )
                return list(items)

            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in scalars or not scalars[name]:
                    raise ConfigError(f"SCP {policy_id}: unknown or empty placeholder ${{{name}}}")
                return scalars[name]

            return PLACEHOLDER.sub(sub, node)
        return node

    return walk(doc)


# ------------------------------------------------------------------ validation


def _key_known(key: str) -> bool:
    low = key.lower()
    return low in KNOWN_CONDITION_KEYS or low.startswith(KNOWN_KEY_PREFIXES)


def _base_operator(op: str) -> str:
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if op.startswith(prefix):
            op = op[len(prefix) :]
    return op[:-8] if op.endswith("IfExists") and op != "IfExists" else op


def validate(policy_id: str, doc: Any) -> list[str]:
    """Problems with one filled SCP (empty list = valid)."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        return [f"{policy_id}: the policy must be a JSON object"]
    if doc.get("Version") != "2012-10-17":
        problems.append(f'{policy_id}: Version must be "2012-10-17"')
    stmts = doc.get("Statement")
    if isinstance(stmts, dict):
        stmts = [stmts]
    if not isinstance(stmts, list) or not stmts:
        problems.append(f"{policy_id}: Statement must be a non-empty list")
        stmts = []
    sids: set[str] = set()
    for index, st in enumerate(stmts):
        where = f"{policy_id} statement {st.get('Sid', index) if isinstance(st, dict) else index}"
        if not isinstance(st, dict):
            problems.append(f"{where}: must be an object")
            continue
        sid = st.get("Sid")
        if sid is not None:
            if not re.fullmatch(r"[A-Za-z0-9]*", str(sid)):
                problems.append(f"{where}: Sid may hold only letters and digits")
            if sid in sids:
                problems.append(f"{where}: duplicate Sid")
            sids.add(sid)
        if st.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{where}: Effect must be Allow or Deny")
        if "Principal" in st or "NotPrincipal" in st:
            problems.append(
                f"{where}: SCPs cannot name a Principal (use a condition on aws:PrincipalArn)"
            )
        if ("Action" in st) == ("NotAction" in st):
            problems.append(f"{where}: exactly one of Action or NotAction is required")
        if "Resource" not in st and "NotResource" not in st:
            problems.append(f"{where}: Resource is required")
        for action in [*_list(st.get("Action")), *_list(st.get("NotAction"))]:
            if not isinstance(action, str) or not re.fullmatch(
                r"\*|[a-z0-9\-]+:[A-Za-z0-9*?]+", action
            ):
                problems.append(f"{where}: {action!r} is not an action (service:Action)")
        condition = st.get("Condition", {})
        if not isinstance(condition, dict):
            problems.append(f"{where}: Condition must be an object")
            continue
        if condition and st.get("Effect") == "Allow":
            problems.append(f"{where}: SCP Allow statements cannot have conditions")
        for op, block in condition.items():
            if _base_operator(op) not in OPERATORS:
                problems.append(f"{where}: unknown condition operator {op!r}")
            if not isinstance(block, dict):
                problems.append(f"{where}: condition {op} must map keys to values")
                continue
            for key, value in block.items():
                if not _key_known(key):
                    problems.append(
                        f"{where}: unknown condition key {key!r} (not on the allowlist)"
                    )
                if any(
                    isinstance(v, str) and "${" in v and PLACEHOLDER.search(v) for v in _list(value)
                ):
                    problems.append(f"{where}: unfilled placeholder in {key}")
    size = len(minify(doc))
    if size > MAX_POLICY_CHARS:
        problems.append(
            f"{policy_id}: {size} characters after minification; "
            f"SCPs may have at most {MAX_POLICY_CHARS}"
        )
    return problems


def minify(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"))


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# ------------------------------------------------------------------ evaluation (safety)


def _matches_action(patterns: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _statement_actions(st: dict[str, Any], action: str) -> bool:
    if "Action" in st:
        return _matches_action(_list(st["Action"]), action)
    return not _matches_action(_list(st.get("NotAction")), action)


def _compare(base: str, have: str, want: str) -> bool:
    if base.startswith("String") and "IgnoreCase" in base:
        return have.lower() == want.lower()
    if base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return fnmatch.fnmatchcase(have, want)
    if base in ("ArnEquals", "ArnNotEquals"):
        return fnmatch.fnmatchcase(have, want)  # ArnEquals also honours wildcards
    if base == "Bool":
        return have.lower() == str(want).lower()
    return have == str(want)


def condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    """Whether a Condition block holds for a request context (missing keys handled as IAM does)."""
    ctx = {k.lower(): v for k, v in context.items()}
    for op, block in (condition or {}).items():
        base = _base_operator(op)
        if_exists = op.endswith("IfExists")
        for key, value in block.items():
            have = ctx.get(key.lower())
            wants = [str(v) for v in _list(value)]
            if base == "Null":
                want_null = str(_list(value)[0]).lower() == "true"
                if (have is None) != want_null:
                    return False
                continue
            negated = "Not" in base
            if have is None:
                if if_exists or negated:
                    continue
                return False
            positive = base.replace("Not", "") if negated else base
            hit = any(_compare(positive, have, w) for w in wants)
            if hit == negated:
                return False
    return True


def denies(doc: dict[str, Any], action: str, context: dict[str, str]) -> list[str]:
    """Sids of the Deny statements that apply to `action` in `context`."""
    hits = []
    for index, st in enumerate(_list(doc.get("Statement"))):
        if st.get("Effect") != "Deny" or not _statement_actions(st, action):
            continue
        if condition_holds(st.get("Condition") or {}, context):
            hits.append(str(st.get("Sid") or index))
    return hits


def check_safety(
    policies: dict[str, dict[str, Any]],
    automation_role: str,
    regions: list[str],
    partition: str = "aws",
) -> None:
    """Raise RefusedError when the set would lock out the automation role or deny an allowed region."""
    role_arn = f"arn:{partition}:iam::111122223333:role/{automation_role}"
    for region in regions:
        automation = {
            "aws:PrincipalArn": role_arn,
            "aws:RequestedRegion": region,
            "aws:PrincipalAccount": "111122223333",
            "aws:SecureTransport": "true",
            "aws:PrincipalType": "AssumedRole",
        }
        for policy_id, doc in policies.items():
            for action in CRITICAL_ACTIONS:
                sids = denies(doc, action, automation)
                if sids:
                    raise RefusedError(
                        f"SCP {policy_id} (statement {sids[0]}) would deny {action} to the automation "
                        f"role {automation_role} in {region}, locking this tool out of member accounts",
                        f"add arn:{partition}:iam::*:role/{automation_role} to an ArnNotLike aws:PrincipalArn "
                        'exemption, or use "${EXEMPT_ROLE_ARNS}"',
                    )
        someone = {
            "aws:PrincipalArn": f"arn:{partition}:iam::111122223333:role/Developer",
            "aws:RequestedRegion": region,
            "aws:PrincipalAccount": "111122223333",
            "aws:SecureTransport": "true",
            "aws:PrincipalType": "AssumedRole",
        }
        for policy_id, doc in policies.items():
            for action in REGIONAL_PROBES:
                sids = denies(doc, action, someone)
                if sids:
                    raise RefusedError(
                        f"SCP {policy_id} (statement {sids[0]}) would deny {action} in {region}, "
                        "which is a home or governed region",
                        "the allowed regions must include the home region and every governed region "
                        "(guardrails.allowed_regions in the profile)",
                    )


# ------------------------------------------------------------------ packing


def sid_prefix(policy_id: str) -> str:
    return "".join(part.capitalize() for part in policy_id.split("-"))


def reserved_scps(control_tower: bool, preventive: bool = False) -> list[str]:
    """The SCPs every OU already holds besides ours: FullAWSAccess, Control Tower's own and,
    when the profile enables preventive Control Tower controls (SCPs), one more for them."""
    return (
        ["FullAWSAccess"]
        + (["Control Tower's aws-guardrails-* SCP"] if control_tower else [])
        + (
            ["the SCP of Control Tower's preventive controls"]
            if control_tower and preventive
            else []
        )
    )


def pack(
    policies: dict[str, dict[str, Any]], reserved: list[str] | None = None
) -> list[dict[str, Any]]:
    """Merge the policies (in order) into as few documents as the size limit allows.

    Organizations allows 5 SCPs per OU; `reserved` (default: FullAWSAccess) already
    take some, so only the rest can be ours; statements keep their origin in the Sid
    prefix. Returns [{"name", "ids", "document"}].
    """
    reserved = reserved or reserved_scps(False)
    slots = MAX_SCPS_PER_TARGET - len(reserved)
    bundles: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for policy_id, doc in policies.items():
        stmts = []
        for index, st in enumerate(_list(doc.get("Statement"))):
            st = dict(st)
            st["Sid"] = sid_prefix(policy_id) + str(st.get("Sid") or index)
            stmts.append(st)
        if current is not None:
            trial = {"Version": "2012-10-17", "Statement": current["document"]["Statement"] + stmts}
            if len(minify(trial)) <= MAX_POLICY_CHARS:
                current["document"] = trial
                current["ids"].append(policy_id)
                continue
        current = {"ids": [policy_id], "document": {"Version": "2012-10-17", "Statement": stmts}}
        if len(minify(current["document"])) > MAX_POLICY_CHARS:
            raise ConfigError(f"SCP {policy_id} is larger than {MAX_POLICY_CHARS} characters")
        bundles.append(current)
    if len(bundles) > slots:
        raise RefusedError(
            f"the guardrail SCPs need {len(bundles)} policies, but an OU can hold only {slots} "
            f"besides {' and '.join(reserved)}",
            "shorten the policies or list fewer ids under guardrails.scps",
        )
    for number, bundle in enumerate(bundles, 1):
        bundle["name"] = f"{POLICY_NAME_PREFIX}{number}"
    return bundles


def build(
    ids: list[str],
    values: FillValues,
    regions: list[str],
    directory: Path | None = None,
    targets: dict[str, list[str]] | None = None,
    control_tower: bool = False,
    preventive: bool = False,
    preventive_ous: Iterable[str] | None = None,
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Load, fill, validate, safety-check and pack. Returns (filled by id, bundles).

    Policies that share the same attachment targets are packed together; each
    bundle carries "targets" (OU paths or "Root"). With `control_tower`, every OU
    keeps a slot for Control Tower's own SCP, and with `preventive` one more for the SCP its
    preventive controls take, on the OUs in `preventive_ous` (every OU when None): Control Tower
    enables the profile's controls only on the OUs it registers.
    """
    reserved = reserved_scps(control_tower, preventive)
    plain = reserved_scps(control_tower, False)
    held = None if preventive_ous is None else set(preventive_ous)

    def reserved_on(target: str) -> list[str]:
        return reserved if held is None or target in held else plain

    templates = load_templates(ids, directory)
    filled = {pid: fill(pid, text, values) for pid, text in templates.items()}
    problems = [p for pid, doc in filled.items() for p in validate(pid, doc)]
    if problems:
        raise ConfigError(
            "the guardrail SCPs are not valid:\n  " + "\n  ".join(problems),
            "fix the JSON under profiles/scps",
        )
    missing = [r for r in regions if r not in values.allowed_regions]
    if missing:
        raise RefusedError(
            f"guardrails.allowed_regions does not include {', '.join(missing)}; the region-deny SCP "
            "would block the home or governed regions",
            "add them to guardrails.allowed_regions in the profile",
        )
    check_safety(filled, values.automation_role, regions, values.partition)
    groups: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}
    for pid, doc in filled.items():
        key = tuple(sorted((targets or {}).get(pid, [])))
        groups.setdefault(key, {})[pid] = doc
    bundles: list[dict[str, Any]] = []
    per_target: dict[str, int] = {}
    for key, docs in groups.items():
        packed = pack(docs, reserved)
        for bundle in packed:
            bundle["targets"] = list(key)
            for target in key:
                per_target[target] = per_target.get(target, 0) + 1
        bundles.extend(packed)
    crowded = [t for t, n in per_target.items() if n > MAX_SCPS_PER_TARGET - len(reserved_on(t))]
    if crowded:
        room = reserved_on(crowded[0])
        raise RefusedError(
            f"{crowded[0]} would need {per_target[crowded[0]]} guardrail SCPs; an OU holds at most "
            f"{MAX_SCPS_PER_TARGET - len(room)} besides {' and '.join(room)}",
            "give more SCPs the same guardrails.scp_targets so they can be merged",
        )
    for number, bundle in enumerate(bundles, 1):
        bundle["name"] = f"{POLICY_NAME_PREFIX}{number}"
    return filled, bundles
