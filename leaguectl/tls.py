"""A TLS client context whose certificate store is loaded at the first handshake, once per pass.

httpx builds a fresh verifying context for every client by loading the whole CA bundle,
which costs more than a plain-HTTP request (tens of milliseconds; ``bench/RESULTS.md``).
A pass builds one client per service, and against the sandbox or a plain-HTTP league
API it never does a TLS handshake at all. :class:`DeferredTLSContext` stands in for that
context: the real one is made by ``factory`` (httpx's own ``create_ssl_context``, so
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` and certifi keep working) the first time a
connection is wrapped, and then shared by every client of the pass.

Until then the stand-in is a client context that requires certificates and checks host
names but trusts nothing, so anything that used it directly would fail closed.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any


class DeferredTLSContext(ssl.SSLContext):
    """Delegates every handshake to the context ``factory`` makes on first use."""

    _factory: Callable[[], ssl.SSLContext]
    _real: ssl.SSLContext | None
    _alpn: list[str] | None

    def __new__(cls, factory: Callable[[], ssl.SSLContext]) -> DeferredTLSContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self, factory: Callable[[], ssl.SSLContext]) -> None:
        self._factory = factory
        self._real = None
        self._alpn = None

    @property
    def loaded(self) -> bool:
        """Whether the real context (and its certificate store) exists yet."""
        return self._real is not None

    def real_context(self) -> ssl.SSLContext:
        """The verifying context, made now if this is the first handshake."""
        if self._real is None:
            self._real = self._factory()
            if self._alpn is not None:
                self._real.set_alpn_protocols(self._alpn)
        return self._real

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        protocols = list(alpn_protocols)
        self._alpn = protocols
        super().set_alpn_protocols(protocols)
        if self._real is not None:
            self._real.set_alpn_protocols(protocols)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        return self.real_context().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        return self.real_context().wrap_bio(*args, **kwargs)


def deferred_httpx_context() -> DeferredTLSContext:
    """A deferred stand-in for httpx's default verifying context (certifi, or SSL_CERT_FILE/SSL_CERT_DIR)."""

    def httpx_default() -> ssl.SSLContext:
        import httpx

        return httpx.create_ssl_context(verify=True, trust_env=True)

    return DeferredTLSContext(httpx_default)
