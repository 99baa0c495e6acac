"""Cheaper botocore client creation: a cold verify builds ~300 clients (docs/performance.md).

botocore rebuilds, for every client, things that are the same for every client of a
service: the client class, the service model, a deep copy of the session's event-handler
trie, the event-name alias cache, and a signature inspection per handler registered.
`install()` makes each of these shared or cheap. None has a public botocore API, so each
speed-up wraps one internal, keeps botocore's behaviour (copies stay isolated, per-client
state stays on the client), and is installed only when `_self_check()` proves, against the
installed botocore, that event handlers still behave exactly as botocore's own code does;
otherwise botocore is left as it is (slower, never wrong).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import json
import logging
import os
import threading
import types
from typing import Any
from collections.abc import Callable

import botocore
import botocore.client
import botocore.session
from botocore import hooks, loaders

from bootstrap_tui.aws import patching, tls
from bootstrap_tui.aws.once import BuiltOnce

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_installed: dict[str, bool] = {}
_built: dict[tuple[str, str, str], Any] = {}  # ("class" | "model", service, API version)
_builder = BuiltOnce()  # loading EC2's model does not hold up building GuardDuty's client
_alias_cache: dict[str, str] = {}

# For measurement only (benchmarks/verify_bench.py --compare-speedups): speed-ups named here,
# comma-separated, are not installed in this process.
SWITCH = "BOOTSTRAP_TUI_SPEEDUPS_OFF"
NAMES = ("client_classes", "event_handlers", "pristine_sessions", "plain_models", "shared_trust")


def switched_off() -> set[str]:
    """The speed-ups the environment switches off (see SWITCH); normally none."""
    return {name.strip() for name in os.environ.get(SWITCH, "").split(",") if name.strip()}


def install() -> dict[str, bool]:
    """Install every speed-up once per process; returns which are active."""
    with _lock:
        if not _installed:
            off = switched_off()
            _installed["client_classes"] = "client_classes" not in off and _share_client_classes()
            _installed["event_handlers"] = (
                "event_handlers" not in off and _self_check() and _install_event_speedups()
            )
            _installed["shared_trust"] = "shared_trust" not in off and tls.install()
        return dict(_installed)


# ------------------------------------------------------------------ client classes and models


def _share_client_classes() -> bool:
    """One client class and one (read-only) service model per service and API version.

    The class only maps method names to operations; credentials, region, endpoint and
    event hooks live on each client instance, so clients of different accounts can share it.
    """
    creator = botocore.client.ClientCreator
    create_class = getattr(creator, "_create_client_class", None)
    load_model = getattr(creator, "_load_service_model", None)
    if create_class is None or load_model is None:
        return False

    def create_client_class(self: Any, service_name: str, service_model: Any) -> type:
        return _builder.get(
            _built,
            ("class", service_name, service_model.api_version),
            lambda: create_class(self, service_name, service_model),
        )

    def load_service_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
        return _builder.get(
            _built,
            ("model", service_name, api_version or ""),
            lambda: load_model(self, service_name, api_version),
        )

    creator._create_client_class = create_client_class
    creator._load_service_model = load_service_model
    return True


class PlainJSONFileLoader(loaders.JSONFileLoader):
    """botocore's model-file loader, parsing into plain dicts rather than OrderedDicts.

    Dicts keep insertion order (Python 3.7+) and botocore uses nothing OrderedDict adds;
    parsing the ~60 model files a verify needs takes half the CPU (~0.07 s less).
    """

    def _load_file(self, full_path: str, open_method: Callable[..., Any]) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as fp:
            return json.loads(fp.read().decode("utf-8"))


def plain_models(session: Any) -> bool:
    """Use `PlainJSONFileLoader` for a botocore session's models; False if its loader is not
    botocore's own (someone else chose it: left alone)."""
    loader = session.get_component("data_loader")
    if "plain_models" in switched_off():
        return False
    if type(getattr(loader, "file_loader", None)) is loaders.JSONFileLoader:
        loader.file_loader = PlainJSONFileLoader()
    return type(getattr(loader, "file_loader", None)) is PlainJSONFileLoader


# ------------------------------------------------------------------ event handlers


class CopyOnWriteTrie(hooks._PrefixTrie):
    """botocore's handler trie, copied in O(1): copies share nodes until one is changed.

    Every client gets a copy of its session's trie (a few hundred nodes) and then adds a
    dozen handlers. Here a copy shares the whole tree; adding or removing a handler first
    copies just the nodes on that event name's path. Nodes this trie created since its last
    copy are in `_owned` and are changed in place; every other node may be shared.
    """

    _owned: dict[int, Any]
    _root: dict[str, Any]

    def _own(self, node: dict[str, Any]) -> dict[str, Any]:
        if id(node) in self._owned:
            return node
        mine = {
            "chunk": node["chunk"],
            "values": node["values"],
            "children": dict(node["children"]),
        }
        self._owned[id(mine)] = mine
        return mine

    def _own_path(self, key: str, create: bool) -> dict[str, Any] | None:
        self._root = node = self._own(self._root)
        for part in key.split("."):
            child = node["children"].get(part)
            if child is None:
                if not create:
                    return None
                child = {"chunk": part, "values": None, "children": {}}
                self._owned[id(child)] = child
            else:
                child = self._own(child)
            node["children"][part] = child
            node = child
        values = node["values"]
        if values is None and create:
            values = hooks.NodeList([], [], [])
        elif values is not None and id(values) not in self._owned:
            values = hooks.NodeList(list(values.first), list(values.middle), list(values.last))
        if values is not None:
            self._owned[id(values)] = values
            node["values"] = values
        return node

    def append_item(self, key: str, value: Any, section: int = hooks._MIDDLE) -> None:
        node = self._own_path(key, True)
        assert node is not None  # create=True makes every node on the path
        node["values"][section].append(value)

    def remove_item(self, key: str, value: Any) -> None:
        self._own_path(key, False)
        super().remove_item(key, value)

    def __copy__(self) -> CopyOnWriteTrie:
        twin = CopyOnWriteTrie.__new__(CopyOnWriteTrie)
        twin.__dict__ = dict(self.__dict__)
        twin._owned = {}
        self._owned = {}  # every node is shared from now on, by both
        return twin


_stock_trie_copy = hooks._PrefixTrie.__copy__


def _copy_trie(self: hooks._PrefixTrie) -> hooks._PrefixTrie:
    """`_PrefixTrie.__copy__`: the original becomes copy-on-write too, then shares its nodes."""
    if type(self) is hooks._PrefixTrie:
        self.__class__ = CopyOnWriteTrie
    if type(self) is not CopyOnWriteTrie:  # someone else's subclass: copy it botocore's way
        return _stock_trie_copy(self)
    return CopyOnWriteTrie.__copy__(self)


def _copy_aliaser(self: hooks.EventAliaser) -> hooks.EventAliaser:
    """`EventAliaser.__copy__` with botocore's default aliases: one process-wide alias cache.

    An event name's alias depends only on the name and the alias table, so every client
    can share what the others already worked out instead of starting empty.
    """
    twin = self.__class__(copy.copy(self._emitter), copy.copy(self._event_aliases))
    if self._event_aliases == hooks.EVENT_ALIASES:
        twin._alias_name_cache = _alias_cache
    return twin


def _fast_accept_kwargs(original: Callable[..., Any]) -> Callable[..., Any]:
    """`_verify_accept_kwargs` reading a plain function's code flags, not its full signature."""

    def verify(self: Any, func: Any) -> Any:
        target = func.__func__ if type(func) is types.MethodType else func
        if type(target) is types.FunctionType and "__signature__" not in target.__dict__:
            if not target.__code__.co_flags & inspect.CO_VARKEYWORDS:
                raise ValueError(f"Event handler {func} must accept keyword arguments (**kwargs)")
            return None
        return original(self, func)

    return verify


_STOCK = {
    (hooks._PrefixTrie, "__copy__"): hooks._PrefixTrie.__copy__,
    (hooks.EventAliaser, "__copy__"): hooks.EventAliaser.__copy__,
    (hooks.BaseEventHooks, "_verify_accept_kwargs"): hooks.BaseEventHooks._verify_accept_kwargs,
}
_FAST = {
    (hooks._PrefixTrie, "__copy__"): _copy_trie,
    (hooks.EventAliaser, "__copy__"): _copy_aliaser,
    (hooks.BaseEventHooks, "_verify_accept_kwargs"): _fast_accept_kwargs(
        hooks.BaseEventHooks._verify_accept_kwargs
    ),
}


def _install_event_speedups() -> bool:
    patching.apply(_FAST)
    return True


def event_handlers(fast: bool) -> contextlib.AbstractContextManager[None]:
    """Temporarily botocore's own event-handler code (False) or the speed-ups (True)."""
    return patching.applied(_FAST if fast else _STOCK)


def _handler_scenario() -> list[list[str]]:
    """Register, copy and unregister handlers the way clients do; what each emitter calls."""
    calls: list[str] = []

    def handler(name: str) -> Callable[..., None]:
        def handle(**_: Any) -> None:
            calls.append(name)

        return handle

    first, general, ec2, describe, s3, late = (
        handler(n) for n in ("first", "general", "ec2", "describe", "s3", "late")
    )
    session = hooks.EventAliaser(hooks.HierarchicalEmitter())
    session.register_first("before-call", first)
    session.register("before-call.*", general)
    session.register("before-call.ec2", ec2)
    client_a = copy.copy(session)
    client_a.register("before-call.ec2.DescribeVpcs", describe)
    client_a.unregister("before-call", first)
    session.register_last("before-call.s3", s3)
    client_b = copy.copy(client_a)
    client_b.register("before-call.ec2", late)
    client_c = copy.copy(session)
    client_c.unregister("before-call.ec2", ec2)
    seen = []
    for emitter in (session, client_a, client_b, client_c):
        for event in ("before-call.ec2.DescribeVpcs", "before-call.s3.ListBuckets", "before-call"):
            calls.clear()
            emitter.emit(event)
            seen.append(list(calls))
    return seen


def _self_check() -> bool:
    """True when the speed-ups run `_handler_scenario` exactly as botocore itself does."""
    try:
        with event_handlers(fast=False):
            expected = _handler_scenario()
        with event_handlers(fast=True):
            same = _handler_scenario() == expected
    except Exception:
        logger.debug("botocore event speed-ups not installed", exc_info=True)
        return False
    if not same:
        logger.debug("botocore event speed-ups not installed: handlers would differ")
    return same


# ------------------------------------------------------------------ sessions

_pristine: dict[tuple[Any, ...], Any] = {}


def new_botocore_session() -> botocore.session.Session:
    """A new botocore session, as `botocore.session.Session()` makes it, in ~0.5 ms, not ~5.

    botocore registers its ~450 built-in handlers into every new session, working out each
    event name's alias as it goes. With the event speed-ups installed, a copy of one pristine
    emitter holding those handlers (O(1), copy-on-write) is handed to the session through
    its own `event_hooks` / `include_builtin_handlers` arguments instead. Not done when
    session initializers are registered (they would run twice on the pristine handlers).
    """
    if (
        not install().get("event_handlers")
        or "pristine_sessions" in switched_off()
        or getattr(botocore, "_INITIALIZERS", None) != []
    ):
        return botocore.session.Session()
    emitter = _builder.get(_pristine, ("emitter",), _pristine_emitter)
    return botocore.session.Session(event_hooks=copy.copy(emitter), include_builtin_handlers=False)


def _pristine_emitter() -> hooks.HierarchicalEmitter:
    emitter = hooks.HierarchicalEmitter()
    botocore.session.Session(event_hooks=emitter)  # registers the built-in handlers into it
    return emitter
