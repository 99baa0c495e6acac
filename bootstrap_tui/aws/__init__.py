"""AWS access: sessions, the client factory, error mapping, regions and fan-out."""

from bootstrap_tui.aws.clients import ClientFactory, is_read_only_operation
from bootstrap_tui.aws.errors import call, error_code, exit_kind, is_not_found, map_error
from bootstrap_tui.aws.fanout import account_tasks, fan_out
from bootstrap_tui.aws.identity import Identity, refuse_root, whoami
from bootstrap_tui.aws.keychain import (
    delete_bootstrap_keys,
    has_bootstrap_keys,
    load_bootstrap_keys,
    store_bootstrap_keys,
)
from bootstrap_tui.aws.regions import (
    enabled_region_names,
    enabled_regions,
    governed_regions,
    partition_of,
)
from bootstrap_tui.aws.session import Connection, make_session, probe_sandbox, resolve_endpoint

__all__ = [
    "ClientFactory",
    "Connection",
    "Identity",
    "account_tasks",
    "call",
    "delete_bootstrap_keys",
    "enabled_region_names",
    "enabled_regions",
    "error_code",
    "exit_kind",
    "fan_out",
    "governed_regions",
    "has_bootstrap_keys",
    "is_not_found",
    "is_read_only_operation",
    "load_bootstrap_keys",
    "make_session",
    "map_error",
    "partition_of",
    "probe_sandbox",
    "refuse_root",
    "resolve_endpoint",
    "store_bootstrap_keys",
    "whoami",
]
