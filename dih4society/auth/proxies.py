"""X-Forwarded-For / X-Forwarded-Proto only from TRUSTED_PROXIES (werkzeug's ProxyFix).

A visitor who connects directly can send any X-Forwarded-For; believing it would let
them pick the address the login throttle counts. So the headers are applied (one hop,
the load balancer) only when the connecting peer is in TRUSTED_PROXIES (IPs or CIDRs).
"""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for trusted peers, the raw peer address for the rest."""

    def __init__(self, app, trusted: list[str]):
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)
        self.networks = [ipaddress.ip_network(item, strict=False) for item in trusted]

    def _trusted(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    def __call__(self, environ, start_response):
        if self.networks and self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def install(app) -> None:
    """Wrap `app.wsgi_app` (called once when the auth blueprint is registered)."""
    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"])
