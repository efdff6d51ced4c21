"""One default TLS context for every httpx client the tests build, not one per client.

Each PTB ``Bot`` builds two httpx clients, and each httpx client builds a TLS context by
loading certifi's bundle of about 150 root certificates: some 90 ms of CPU per client,
about 0.2 s per ``Application`` (the e2e harness builds one per test). The tests only
speak plain HTTP to 127.0.0.1 (the fake Bot API server), so that context is never used;
sharing one changes nothing they check. Only the default call (verify on, no client
certificate, environment trusted) is shared; any other still gets its own context.
The bot's processes started by the slow tests load the bundle as in production.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx._config
import httpx._transports.default

_original = httpx._config.create_ssl_context


@functools.cache
def _default_context() -> ssl.SSLContext:
    return _original()


def _create_ssl_context(
    verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
) -> ssl.SSLContext:
    if verify is True and cert is None and trust_env:
        return _default_context()
    return _original(verify, cert, trust_env)


def install() -> None:
    """Makes httpx's transports (where PTB's clients get theirs) use the shared context."""
    httpx._transports.default.create_ssl_context = _create_ssl_context  # type: ignore[attr-defined]
