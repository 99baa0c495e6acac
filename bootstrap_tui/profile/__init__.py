"""Baseline profiles: the YAML files that say what "a compliant organization" means.

A profile fixes the organization's shape and policy (OU tree, accounts, Control
Tower, Identity Center, log retention, guardrails, security services, budget,
frameworks). Answers specific to one company (names, domain, emails) are not in
a profile; the wizard asks for them and keeps them in the state file.

Built-in profiles live in profiles/*.yaml. A custom profile is any YAML file;
it may start from a built-in with `extends: <name>` (mappings merge deeply,
lists and values replace). Every problem is reported as
"FILE:LINE: field.path: problem — expected ...".

- model.py: the typed Profile (frozen dataclasses) steps read;
- rules.py: what each field accepts, carried by the model's fields;
- validation.py: the structural and cross-field checks;
- loading.py: built-ins, files, `extends`;
- reference.py: the field reference in docs/profiles.md.
"""

from bootstrap_tui.frameworks import FRAMEWORKS
from bootstrap_tui.profile.loading import (
    BUILTIN_ORDER,
    list_profiles,
    load_profile,
    profile_from_text,
)
from bootstrap_tui.profile.model import (
    AUDIT_KEY,
    CT_MAX_RETENTION_DAYS,
    KNOWN_REGIONS,
    LOG_ARCHIVE_KEY,
    MANAGEMENT_KEY,
    AccountSpec,
    Profile,
)
from bootstrap_tui.profile.reference import schema_reference
from bootstrap_tui.profile.validation import validate_profile

__all__ = [
    "AUDIT_KEY",
    "BUILTIN_ORDER",
    "CT_MAX_RETENTION_DAYS",
    "FRAMEWORKS",
    "KNOWN_REGIONS",
    "LOG_ARCHIVE_KEY",
    "MANAGEMENT_KEY",
    "AccountSpec",
    "Profile",
    "list_profiles",
    "load_profile",
    "profile_from_text",
    "schema_reference",
    "validate_profile",
]
