"""Sessions (profile region, sandbox detection) and the keychain, with an in-memory keyring."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends import fail

from bootstrap_tui.aws import (
    ClientFactory,
    Connection,
    delete_bootstrap_keys,
    has_bootstrap_keys,
    load_bootstrap_keys,
    make_session,
    probe_sandbox,
    store_bootstrap_keys,
    whoami,
)
from bootstrap_tui.errors import AwsError

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_keychain_round_trip(memory_keyring):
    assert not has_bootstrap_keys() and load_bootstrap_keys() is None
    store_bootstrap_keys(KEY_ID, SECRET)
    assert has_bootstrap_keys()
    assert load_bootstrap_keys() == (KEY_ID, SECRET)
    assert load_bootstrap_keys(service="other") is None
    store_bootstrap_keys(KEY_ID, SECRET, service="other")
    assert delete_bootstrap_keys() is True
    assert delete_bootstrap_keys() is False
    assert load_bootstrap_keys() is None and load_bootstrap_keys("other") == (KEY_ID, SECRET)


def test_keychain_rejects_malformed_keys(memory_keyring):
    with pytest.raises(AwsError, match="access key id"):
        store_bootstrap_keys("not a key", SECRET)
    with pytest.raises(AwsError, match="secret"):
        store_bootstrap_keys(KEY_ID, "   ")
    assert memory_keyring.entries == {}


def test_no_keychain_backend_is_a_clear_error():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(AwsError) as caught:
            store_bootstrap_keys(KEY_ID, SECRET)
        assert "keychain is not available" in caught.value.message
        assert caught.value.kind == "credentials" and caught.value.hint
        with pytest.raises(AwsError):
            load_bootstrap_keys()
        assert has_bootstrap_keys() is False
    finally:
        keyring.set_keyring(previous)


def test_make_session_with_keychain_keys(memory_keyring, moto, tmp_path):
    store_bootstrap_keys(KEY_ID, SECRET)
    session = make_session(Connection(use_keychain=True, region="eu-west-1"))
    creds = session.get_credentials().get_frozen_credentials()
    assert (creds.access_key, creds.secret_key) == (KEY_ID, SECRET)
    assert session.region_name == "eu-west-1"
    identity = whoami(ClientFactory(session, region="eu-west-1", endpoint_url=moto, max_attempts=1))
    assert identity.account_id == "123456789012"
    leaked = [
        p for p in tmp_path.rglob("*") if p.is_file() and SECRET in p.read_text(errors="ignore")
    ]
    assert leaked == []


def test_make_session_keychain_empty(memory_keyring):
    with pytest.raises(AwsError) as caught:
        make_session(Connection(use_keychain=True))
    assert caught.value.kind == "credentials"


def test_region_precedence(tmp_path, monkeypatch):
    (tmp_path / "aws-config").write_text(
        "[profile dev]\nregion = eu-central-1\n[default]\nregion = ap-south-1\n"
    )
    (tmp_path / "aws-credentials").write_text(
        "[dev]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = s\n"
    )
    assert make_session(Connection(aws_profile="dev")).region_name == "eu-central-1"
    assert (
        make_session(Connection(aws_profile="dev", region="us-west-2")).region_name == "us-west-2"
    )
    assert make_session(Connection()).region_name == "ap-south-1"
    (tmp_path / "aws-config").write_text("")
    assert make_session(Connection()).region_name == "us-east-1"
    monkeypatch.setenv("AWS_PROFILE", "dev")
    (tmp_path / "aws-config").write_text("[profile dev]\nregion = sa-east-1\n")
    assert make_session(Connection()).region_name == "sa-east-1"


def test_probe_sandbox(fault, moto):
    fault.routes["/_sandbox/info"] = (
        200,
        "application/json",
        json.dumps({"sandbox": True, "account": "1"}).encode(),
    )
    assert probe_sandbox(fault.url) == {"sandbox": True, "account": "1"}
    assert probe_sandbox(fault.url + "/") == {"sandbox": True, "account": "1"}
    fault.routes["/_sandbox/info"] = (200, "application/json", b'{"sandbox": false}')
    assert probe_sandbox(fault.url) is None
    fault.routes["/_sandbox/info"] = (200, "text/html", b"<html>")
    assert probe_sandbox(fault.url) is None
    assert probe_sandbox(moto) is None
    assert probe_sandbox("http://127.0.0.1:9", timeout=0.5) is None
    assert probe_sandbox(None) is None


def test_dummy_credentials_only_for_a_sandbox(fault, moto, monkeypatch):
    fault.routes["/_sandbox/info"] = (200, "application/json", b'{"sandbox": true}')
    session = make_session(Connection(endpoint_url=fault.url))
    assert session.get_credentials().access_key == "testing"
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault.url)
    assert make_session(Connection()).get_credentials().access_key == "testing"
    assert make_session(Connection(endpoint_url=moto)).get_credentials() is None
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert make_session(Connection()).get_credentials() is None
