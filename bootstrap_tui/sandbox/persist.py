"""Keeping the sandbox's fake AWS between runs: one pickle of moto's backends and the
sandbox's own state (root users, operations in flight, the fakes' data), written atomically.

A snapshot is one pickle graph, so an operation in flight keeps its completion (a closure
over moto objects) and finishes after a restart. What cannot be pickled is referred to:
the live fakes and the sandbox state by name, locks are made anew, AWS managed IAM policies
(identical in every account) are rebuilt from moto's data, and a closure by its code's
qualified name and its cell values.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import json
import pickle
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .motoregistry import backend_dicts

FORMAT = 1
_LOCKS = (type(threading.Lock()), type(threading.RLock()))
_EMPTY_CELL = "__bootstrap_tui_empty_cell__"
# what every moto BackendDict holds; anything else (organizations' master_accounts, S3's
# bucket_accounts) is data to keep
_PLAIN = {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}


def sandbox_home() -> Path:
    """Where the persistent sandbox lives: the user's data directory, ``sandbox/``."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("bootstrap-tui", appauthor=False)) / "sandbox"


class SnapshotError(Exception):
    """A snapshot that cannot be read back (another version, a damaged file)."""


# ------------------------------------------------------------------ rebuilders


@functools.lru_cache(maxsize=1)
def _aws_policy_data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


@functools.cache
def _aws_policy_prototype(name: str) -> Any:
    from moto.iam.models import AWSManagedPolicy

    return AWSManagedPolicy.from_data(name, "000000000000", "us-east-1", _aws_policy_data()[name])


def _aws_managed_policy(
    name: str, account_id: str, partition: str, attachments: int, policy_id: str
) -> Any:
    """An AWS managed policy as moto builds it for every account (a copy of one prototype:
    its versions cannot change, AWS managed policies are read-only)."""
    prototype = _aws_policy_prototype(name)
    kind: Any = type(prototype)
    policy = kind.__new__(kind)  # as copy.copy does (moto's __new__ tracks its instances)
    policy.__dict__.update(prototype.__dict__)
    policy.account_id, policy.partition = account_id, partition
    policy.attachment_count, policy.id = attachments, policy_id
    return policy


def _outer_code(module: str, qualname: str) -> types.CodeType:
    """The code of the module-level function or method that encloses ``qualname``."""
    import importlib

    target: Any = importlib.import_module(module)
    for part in qualname.split(".<locals>.", 1)[0].split("."):
        target = getattr(target, part)
    return target.__code__


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """Every code object nested in ``code``, depth first."""
    out = []
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out += [const, *_codes(const)]
    return out


def _same_name_codes(module: str, qualname: str) -> list[types.CodeType]:
    try:
        return [c for c in _codes(_outer_code(module, qualname)) if c.co_qualname == qualname]
    except AttributeError:
        return []


def _local_function(
    module: str, qualname: str, index: int, cells: tuple[Any, ...], defaults: Any
) -> Any:
    import importlib

    found = _same_name_codes(module, qualname)
    if index >= len(found):
        raise SnapshotError(f"the sandbox code changed ({qualname} is gone)")
    code = found[index]
    closure = tuple(types.CellType() if v == _EMPTY_CELL else types.CellType(v) for v in cells)
    return types.FunctionType(
        code, vars(importlib.import_module(module)), code.co_name, defaults, closure or None
    )


def _private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem, None)


def _cell_value(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:
        return _EMPTY_CELL


# ------------------------------------------------------------------ pickling


class _Pickler(pickle.Pickler):
    def __init__(self, file: IO[bytes], live: dict[int, tuple[Any, ...]]) -> None:
        super().__init__(file, protocol=5)
        self.live = live

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _LOCKS):
            return ("lock", isinstance(obj, _LOCKS[1]))
        return self.live.get(id(obj))

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind.__name__ == "AWSManagedPolicy":
            return _aws_managed_policy, (
                obj.name,
                obj.account_id,
                obj.partition,
                obj.attachment_count,
                obj.id,
            )
        if kind is types.FunctionType and "<locals>" in obj.__qualname__:
            code = obj.__code__
            return _local_function, (
                obj.__module__,
                code.co_qualname,
                _same_name_codes(obj.__module__, code.co_qualname).index(code),
                tuple(_cell_value(c) for c in obj.__closure__ or ()),
                obj.__defaults__,
            )
        if kind.__module__.startswith("cryptography") and hasattr(obj, "private_bytes"):
            from cryptography.hazmat.primitives import serialization as s

            return _private_key, (
                obj.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()),
            )
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedReader, live: dict[tuple[Any, ...], Any]) -> None:
        super().__init__(file)
        self.live = live

    def persistent_load(self, pid: Any) -> Any:
        if pid[0] == "lock":
            return threading.RLock() if pid[1] else threading.Lock()
        if pid in self.live:
            return self.live[pid]
        raise SnapshotError(f"the snapshot refers to {pid!r}, which this version does not have")


def _backend_dicts() -> list[Any]:
    return list(backend_dicts())


def _live_objects(sandbox: Any) -> dict[tuple[Any, ...], Any]:
    """The objects a snapshot refers to by name instead of copying them."""
    live: dict[tuple[Any, ...], Any] = {("sandbox-state",): sandbox.state}
    for service, fakes in sandbox.app.fakes.items():
        for fake in fakes:
            live[("fake", service, type(fake).__name__)] = fake
    for backends in _backend_dicts():
        live[("backends", backends.backend.__module__, backends.service_name)] = backends
    return live


def save(sandbox: Any, path: Path) -> int:
    """Write the snapshot atomically (temp file, fsync, rename, fsync dir); its size in bytes.

    Two pickles: a header (format, version, the moto modules to import before reading),
    then the data."""
    from bootstrap_tui import __version__
    from bootstrap_tui.atomicfile import replace_file

    live = _live_objects(sandbox)
    backends = {key: dict(obj) for key, obj in live.items() if key[0] == "backends"}
    extras = {
        key: {name: value for name, value in vars(obj).items() if name not in _PLAIN}
        for key, obj in live.items()
        if key[0] == "backends"
    }
    state = sandbox.state
    data = {
        "seed": sandbox.seed,
        "backends": backends,
        "extras": extras,
        "roots": state.roots,
        "operations": state.operations,
        "services": state.services,
    }
    buffer = io.BytesIO()
    pickle.dump(
        {"format": FORMAT, "version": __version__, "modules": sorted({key[1] for key in backends})},
        buffer,
        protocol=5,
    )
    _Pickler(buffer, {id(obj): key for key, obj in live.items()}).dump(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, buffer.getvalue(), 0o600)
    return buffer.tell()


def load(sandbox: Any, path: Path) -> None:
    """Put the snapshot's backends and state in place of the sandbox's; SnapshotError when
    the file is damaged or from another version (nothing is changed then)."""
    import importlib

    from bootstrap_tui import __version__

    try:
        with open(path, "rb") as file:
            header = pickle.load(file)
            if header.get("format") != FORMAT or header.get("version") != __version__:
                raise SnapshotError(f"{path} was written by bootstrap-tui {header.get('version')}")
            with shared_region_lists():
                for module in header["modules"]:
                    importlib.import_module(module)
            live = _live_objects(sandbox) | _module_backends()
            with _collector_paused():
                data = _Unpickler(file, live).load()
    except SnapshotError:
        raise
    except Exception as exc:
        raise SnapshotError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
    _put_in_place(sandbox, live, data)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a snapshot is read: unpickling creates hundreds of
    thousands of long-lived objects, and the collections they trigger would scan them again and
    again (two thirds of the load's CPU). Nothing read is garbage, so nothing is missed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def shared_region_lists() -> Iterator[None]:
    """While moto's modules are imported, boto3 sessions list regions through moto's one shared
    session. moto's EC2 module builds three new sessions at import time to list regions, and each
    parses botocore's endpoint data and EC2's service model again (~0.6 s of CPU); the lists come
    from the same data files either way."""
    from boto3.session import Session
    from moto.core.base_backend import AccountSpecificBackend

    original = Session.get_available_regions
    shared = AccountSpecificBackend.get_session()

    def listed(
        self: Session,
        service_name: str,
        partition_name: str = "aws",
        allow_non_regional: bool = False,
    ) -> list[str]:
        return original(shared, service_name, partition_name, allow_non_regional)

    Session.get_available_regions = listed
    try:
        yield
    finally:
        Session.get_available_regions = original


def _put_in_place(sandbox: Any, live: dict[tuple[Any, ...], Any], data: dict[str, Any]) -> None:

    for key, contents in data["backends"].items():
        backends = live[key]
        backends.clear()
        backends.update(contents)
        for name, value in data["extras"][key].items():
            setattr(backends, name, value)
        if contents and backends not in backend_dicts():
            backend_dicts().append(backends)
    state = sandbox.state
    for name in ("roots", "operations", "services"):
        getattr(state, name).clear()
        getattr(state, name).update(data[name])
    from .patches import ROOT_KEYS

    ROOT_KEYS.update({r.access_key_id: a for a, r in state.roots.items() if r.access_key_id})
    sandbox.seed = data["seed"]


def _module_backends() -> dict[tuple[Any, ...], Any]:
    """Every BackendDict of the imported moto model modules, in use or not."""
    import sys

    from moto.core.base_backend import BackendDict

    out: dict[tuple[Any, ...], Any] = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.") and module is not None:
            for value in vars(module).values():
                if isinstance(value, BackendDict):
                    out[("backends", value.backend.__module__, value.service_name)] = value
    return out
