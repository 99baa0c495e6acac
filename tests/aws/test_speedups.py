"""botocore speed-ups (aws/speedups.py): same handlers called as with botocore's own code."""
from __future__ import annotations

import copy

import boto3
import pytest
from botocore import hooks
from hypothesis import given, settings
from hypothesis import strategies as st

from bootstrap_tui.aws import speedups
from bootstrap_tui.aws.speedups import CopyOnWriteTrie, event_handlers

EVENTS = ["before-call", "before-call.ec2", "before-call.ec2.DescribeVpcs", "before-call.*.DescribeVpcs",
          "before-call.s3", "after-call.ec2.DescribeVpcs", "before-call.api.sagemaker.ListModels",
          "before-call.sagemaker.ListModels"]
HANDLERS = 4

operation = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 5), st.sampled_from(EVENTS), st.integers(0, HANDLERS - 1),
              st.sampled_from(["register", "register_first", "register_last"])),
    st.tuples(st.just("unregister"), st.integers(0, 5), st.sampled_from(EVENTS), st.integers(0, HANDLERS - 1)),
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
        except Exception as exc:  # noqa: BLE001 - botocore's own errors must match too
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
    assert speedups.install() == {"client_classes": True, "event_handlers": True}


def test_a_wrong_copy_is_caught_by_the_self_check(monkeypatch):
    """A trie 'copy' that shares its nodes would leak one client's handlers into another."""
    monkeypatch.setitem(speedups._FAST, (hooks._PrefixTrie, "__copy__"), lambda self: self)
    monkeypatch.setattr(CopyOnWriteTrie, "__copy__", lambda self: self)
    assert speedups._self_check() is False


def test_clients_copy_handlers_on_write_and_stay_isolated():
    speedups.install()
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
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
