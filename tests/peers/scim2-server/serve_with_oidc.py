#!/usr/bin/env python3
"""Serve scim2-server (an independent SCIM 2.0 peer) behind real OIDC access tokens.

The stock ``scim2-server --bearer-token T`` accepts only static tokens. End-to-end tests sign
in through a real OpenID Provider, so this serves the same application but accepts a bearer
token when the provider's userinfo endpoint accepts it (GET USERINFO_URL answers 200 with
that bearer). Verdicts are cached for a minute, keyed by a hash of the token, so a sync of
many pages does not call the provider for every page. Tokens given with --static-token are
accepted too (for seeding the directory before anyone signs in).

Usage: serve_with_oidc.py --port P --userinfo-url URL [--static-token T ...]
Prints ``listening on http://127.0.0.1:P`` once the socket accepts connections; the SCIM base
URL is then http://127.0.0.1:P/v2. Only ever listens on loopback.
"""

import argparse
import hashlib
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler
from wsgiref.simple_server import WSGIServer
from wsgiref.simple_server import make_server

from scim2_models import ScimProvider
from scim2_models import UnauthorizedException
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME
from scim2_server.testserver.application import BearerTokenApplication
from scim2_server.utils import load_default_resource_types
from scim2_server.utils import load_default_schemas
from scim2_server.utils import load_default_service_provider_config

VERDICT_TTL_SECONDS = 60
USERINFO_TIMEOUT_SECONDS = 5


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """Log requests without their headers (they carry bearer tokens)."""

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's signature)
        logging.getLogger("access").info("%s %s", self.address_string(), format % args)


class UserinfoBearerApplication(BearerTokenApplication):
    """scim2-server's application with ``check_auth`` asking the OpenID Provider."""

    def __init__(self, *args, userinfo_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.userinfo_url = userinfo_url
        self._verdicts: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def check_auth(self, request) -> None:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedException
        if token in self.bearer_tokens:
            return
        if not self._token_is_valid(token):
            raise UnauthorizedException

    def _token_is_valid(self, token: str) -> bool:
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            cached = self._verdicts.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        verdict = self._ask_userinfo(token)
        if verdict is not None:
            with self._lock:
                self._verdicts[key] = (now + VERDICT_TTL_SECONDS, verdict)
        return bool(verdict)

    def _ask_userinfo(self, token: str) -> bool | None:
        """True on 200, False on 401/403; None (refused, not cached) when the provider fails."""
        request = urllib.request.Request(
            self.userinfo_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=USERINFO_TIMEOUT_SECONDS) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            if error.code in (400, 401, 403):
                return False
            logging.warning("userinfo answered %s", error.code)
            return None
        except (urllib.error.URLError, OSError) as error:
            logging.warning("userinfo unreachable: %s", error)
            return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--userinfo-url", required=True)
    parser.add_argument("--static-token", action="append", default=[], metavar="TOKEN")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    application = UserinfoBearerApplication(
        InMemoryStorage(),
        provider,
        service=ScimService(provider, secret=secrets.token_urlsafe(32)),
        bearer_tokens=args.static_token,
        userinfo_url=args.userinfo_url,
    )
    with make_server(
        "127.0.0.1", args.port, application, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    ) as server:
        # The bound port, not the asked one: --port 0 picks a free port.
        print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
