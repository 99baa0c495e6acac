"""botocore speed-ups (aws/speedups.py): same handlers called as with botocore's own code."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import boto3
import botocore
import botocore.handlers
import botocore.loaders
import botocore.session
import pytest
from botocore import hooks
from hypothesis import given, settings
from hypothesis import strategies as st

from bootstrap_tui.aws import speedups
from bootstrap_tui.aws.speedups import CopyOnWriteTrie, event_handlers

EVENTS = [
    "before-call",
    "before-call.ec2",
    "before-call.ec2.DescribeVpcs",
    "before-call.*.DescribeVpcs",
    "before-call.s3",
    "after-call.ec2.DescribeVpcs",
    "before-call.api.sagemaker.ListModels",
    "before-call.sagemaker.ListModels",
]
HANDLERS = 4

operation = st.one_of(
    st.tuples(
        st.just("register"),
        st.integers(0, 5),
        st.sampled_from(EVENTS),
        st.integers(0, HANDLERS - 1),
        st.sampled_from(["register", "register_first", "register_last"]),
    ),
    st.tuples(
        st.just("unregister"),
        st.integers(0, 5),
        st.sampled_from(EVENTS),
        st.integers(0, HANDLERS - 1),
    ),
    st.tuples(st.just("copy"), st.integers(0, 5)),
    st.tuples(st.just("emit"), st.integers(0, 5), st.sampled_from(EVENTS)),
)


def play(operations) -> list:
    """Run operations on a session emitter and its copies; what every emit called, or raised."""
    calls: list[str] = []

    def handler(number: int):
        def handle(**_):
            calls.append(f"h{number}")

        return handle

    handlers = [handler(n) for n in range(HANDLERS)]
    emitters = [hooks.EventAliaser(hooks.HierarchicalEmitter())]
    seen: list = []
    for op in operations:
        emitter = emitters[op[1] % len(emitters)]
        try:
            if op[0] == "register":
                getattr(emitter, op[4])(op[2], handlers[op[3]])
            elif op[0] == "unregister":
                emitter.unregister(op[2], handlers[op[3]])
            elif op[0] == "copy":
                emitters.append(copy.copy(emitter))
            else:
                calls.clear()
                emitter.emit(op[2])
                seen.append(list(calls))
        except Exception as exc:
            seen.append(type(exc).__name__)
    for emitter in emitters:
        for event in EVENTS:
            calls.clear()
            emitter.emit(event)
            seen.append(list(calls))
    return seen


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=40))
def test_emitters_call_the_same_handlers_as_stock_botocore(operations):
    with event_handlers(fast=False):
        expected = play(operations)
    with event_handlers(fast=True):
        assert play(operations) == expected


def test_speedups_are_active_with_the_pinned_botocore():
    assert speedups.install() == {
        "client_classes": True,
        "event_handlers": True,
        "shared_trust": True,
    }


def test_a_wrong_copy_is_caught_by_the_self_check(monkeypatch):
    """A trie 'copy' that shares its nodes would leak one client's handlers into another."""
    monkeypatch.setitem(speedups._FAST, (hooks._PrefixTrie, "__copy__"), lambda self: self)
    monkeypatch.setattr(CopyOnWriteTrie, "__copy__", lambda self: self)
    assert speedups._self_check() is False


def test_clients_copy_handlers_on_write_and_stay_isolated():
    speedups.install()
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    one = session.client("sts", endpoint_url="http://127.0.0.1:9")
    two = session.client("sts", endpoint_url="http://127.0.0.1:9")
    assert isinstance(one.meta.events._emitter._handlers, CopyOnWriteTrie)
    seen = []
    one.meta.events.register("test-event.sts.GetCallerIdentity", lambda **_: seen.append("one"))
    two.meta.events.emit("test-event.sts.GetCallerIdentity")
    assert seen == []
    one.meta.events.emit("test-event.sts.GetCallerIdentity")
    assert seen == ["one"]


def test_handlers_without_kwargs_are_still_refused():
    speedups.install()
    emitter = hooks.HierarchicalEmitter()

    def no_kwargs(request):
        return request

    with pytest.raises(ValueError, match=r"\*\*kwargs"):
        emitter.register("before-send", no_kwargs)
    emitter.register("before-send", lambda **kwargs: None)


def _handlers_by_event(session) -> dict[str, list]:
    trie = session._original_handler._handlers
    names = {spec[0] for spec in botocore.handlers.BUILTIN_HANDLERS}
    names |= {
        f"{name}.ec2.DescribeVpcs"
        for name in (
            "before-call",
            "after-call",
            "before-parameter-build",
            "needs-retry",
            "before-sign",
            "provide-client-params",
        )
    }
    return {
        name: list(trie.prefix_search(session._events._alias_event_name(name)))
        for name in sorted(names)
    }


def test_new_sessions_get_exactly_botocores_builtin_handlers():
    speedups.install()
    made = speedups.new_botocore_session()
    assert made._original_handler is not speedups._pristine[("emitter",)]
    assert _handlers_by_event(made) == _handlers_by_event(botocore.session.Session())


def test_new_sessions_do_not_share_what_is_registered_on_them():
    one, two = speedups.new_botocore_session(), speedups.new_botocore_session()
    seen = []
    one.register("test-event.sts.GetCallerIdentity", lambda **_: seen.append("one"))
    two.get_component("event_emitter").emit("test-event.sts.GetCallerIdentity")
    speedups.new_botocore_session().get_component("event_emitter").emit(
        "test-event.sts.GetCallerIdentity"
    )
    assert seen == []
    one.get_component("event_emitter").emit("test-event.sts.GetCallerIdentity")
    assert seen == ["one"]


def test_session_initializers_run_once_per_session(monkeypatch):
    """A pristine emitter built while an initializer is registered would hold its handler too."""
    monkeypatch.setattr(speedups, "_pristine", {})
    monkeypatch.setattr(
        botocore, "_INITIALIZERS", [lambda session: session.register("x-event", lambda **_: None)]
    )
    for _ in range(2):
        made = speedups.new_botocore_session()
        assert len(list(made._original_handler._handlers.prefix_search("x-event"))) == 1


def test_models_parse_to_the_same_data_as_botocores_loader():
    stock = botocore.session.Session()
    fast = botocore.session.Session()
    assert speedups.plain_models(fast)
    for service in ("ec2", "sts", "organizations", "securityhub"):
        for kind in ("service-2", "paginators-1", "endpoint-rule-set-1"):
            ours = fast.get_component("data_loader").load_service_model(service, kind)
            theirs = stock.get_component("data_loader").load_service_model(service, kind)
            assert ours == theirs and type(ours) is dict and type(theirs) is not dict


def test_a_loader_chosen_by_someone_else_is_left_alone():
    class Custom(botocore.loaders.JSONFileLoader):
        pass

    session = botocore.session.Session()
    session.get_component("data_loader").file_loader = custom = Custom()
    assert speedups.plain_models(session) is False
    assert session.get_component("data_loader").file_loader is custom


def test_the_measurement_switch_turns_named_speedups_off():
    """benchmarks/verify_bench.py --compare-speedups measures each speed-up with this switch."""
    code = (
        "import json, botocore.session; from bootstrap_tui.aws import speedups; "
        "print(json.dumps([speedups.install(), speedups.plain_models(botocore.session.Session())]))"
    )
    env = {**os.environ, speedups.SWITCH: "client_classes,plain_models"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    active, plain = json.loads(out.stdout)
    assert active == {"client_classes": False, "event_handlers": True, "shared_trust": True}
    assert plain is False
