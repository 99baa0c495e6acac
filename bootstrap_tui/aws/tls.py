"""One TLS trust store per CA bundle, shared by every botocore client (docs/performance.md).

botocore gives each client a new SSLContext and hands urllib3 the CA bundle's path, and
urllib3 loads that bundle into the context again for every new TLS connection: with
OpenSSL 3 that is ~25 ms of CPU per connection (certifi's ~150 KB of PEM), and a verify
opens one connection or more per (account, region, service) client. Here every client whose
session verifies certificates, has no client certificate and no proxy gets one context per
bundle, into which the bundle is loaded once, on the first HTTPS connection; its connections
are told the bundle is already in the context.
Verification is unchanged: certificates are still required and hostnames still matched
(urllib3 sets CERT_REQUIRED on each connection, as before). Any other session, or a bundle
that cannot be loaded, keeps botocore's own behaviour, so errors read as they always have.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from typing import Any

from botocore import httpsession

from bootstrap_tui.aws import patching
from bootstrap_tui.aws.once import BuiltOnce

logger = logging.getLogger(__name__)

_contexts: dict[
    tuple[Any, ...], ssl.SSLContext
] = {}  # ("context", bundle path) -> the context its clients share
_loaded: dict[
    tuple[Any, ...], bool
] = {}  # ("loaded", bundle path) -> in its context (False: it did not load)
_builder = BuiltOnce()


def install() -> bool:
    """Share trust stores from now on; False if botocore lacks the hooks (left as it is)."""
    patching.apply(_SHARED)
    return bool(_SHARED)


def shared_context(bundle: str) -> ssl.SSLContext:
    """The context every eligible client verifying with `bundle` uses, built on first use."""
    return _builder.get(_contexts, ("context", bundle), httpsession.create_urllib3_context)


def shared_bundles() -> list[str]:
    """Bundles loaded into a shared context so far (each loaded exactly once)."""
    return sorted(key[1] for key, loaded in _loaded.items() if loaded)


def _load(bundle: str) -> bool:
    """Load `bundle` into its shared context on the first HTTPS connection; False if it fails
    (urllib3 then loads it itself and reports the error as botocore always has)."""

    def build() -> bool:
        try:
            shared_context(bundle).load_verify_locations(bundle)
        except (OSError, ssl.SSLError) as exc:
            logger.debug("CA bundle %s not shared: %s", bundle, exc)
            return False
        return True

    return _builder.get(_loaded, ("loaded", bundle), build)


def _bundle_for(session: Any) -> str | None:
    """The CA bundle a botocore HTTP session may share, or None if it must keep its own."""
    verify = getattr(session, "_verify", None)
    proxies = getattr(getattr(session, "_proxy_config", None), "_proxies", None)
    if not verify or getattr(session, "_cert_file", True) is not None or proxies != {}:
        return None
    bundle = httpsession.get_cert_path(verify)
    return bundle if isinstance(bundle, str) else None


def sharing(enabled: bool) -> contextlib.AbstractContextManager[None]:
    """Temporarily botocore's own per-client contexts (False) or shared trust (True)."""
    return patching.applied(_SHARED if enabled else _STOCK)


def _shared_methods(stock: patching.Table) -> patching.Table:
    """URLLib3Session methods that use shared contexts; empty if botocore lacks the hooks."""
    session_class = httpsession.URLLib3Session
    if len(stock) != 2 or not hasattr(httpsession, "get_cert_path"):
        return {}
    get_context = stock[(session_class, "_get_ssl_context")]
    setup_cert = stock[(session_class, "_setup_ssl_cert")]

    def get_ssl_context(self: Any) -> Any:
        bundle = _bundle_for(self)
        return shared_context(bundle) if bundle else get_context(self)

    def setup_ssl_cert(self: Any, conn: Any, url: str, verify: Any) -> None:
        setup_cert(self, conn, url, verify)
        bundle = getattr(conn, "ca_certs", None)
        shared = _contexts.get(("context", bundle)) if isinstance(bundle, str) else None
        conn_kw = getattr(conn, "conn_kw", None)
        if (
            shared is not None
            and isinstance(conn_kw, dict)
            and conn_kw.get("ssl_context") is shared
            and isinstance(bundle, str)
            and _load(bundle)
        ):
            conn.ca_certs = None  # already in the shared context: do not parse it again

    return {
        (session_class, "_get_ssl_context"): get_ssl_context,
        (session_class, "_setup_ssl_cert"): setup_ssl_cert,
    }


_STOCK = {
    (httpsession.URLLib3Session, name): getattr(httpsession.URLLib3Session, name)
    for name in ("_get_ssl_context", "_setup_ssl_cert")
    if hasattr(httpsession.URLLib3Session, name)
}
_SHARED = _shared_methods(_STOCK)
