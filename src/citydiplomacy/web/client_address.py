"""The client's address, one rule for every place that counts requests per address.

Behind the reverse proxies of a deployment (``docs/deployment.md``) every request arrives from
a proxy's address, so ``REMOTE_ADDR`` names the proxy, not the client. Counting failed log-ins
(django-axes) or API requests (the rate limit) by it would make all clients one: five wrong
passwords typed by an attacker would lock the account out for everyone. Each proxy appends the
address it saw to ``X-Forwarded-For``; with ``CITYDIPLOMACY_PROXIES`` (``NINJA_NUM_PROXIES``)
proxies in front of the app, the client is the entry that many places from the right. Entries
further left were written by the client itself and are not trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as the nearest trusted proxy saw it.

    Parameters
    ----------
    request
        The request; ``REMOTE_ADDR`` and ``HTTP_X_FORWARDED_FOR`` are read from its ``META``.

    Returns
    -------
    str
        ``REMOTE_ADDR`` when no proxy is configured (``NINJA_NUM_PROXIES`` 0) or the request
        carries no ``X-Forwarded-For``; otherwise the ``NINJA_NUM_PROXIES``-th address from the
        right of ``X-Forwarded-For`` (the leftmost one when the header has fewer entries).
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "NINJA_NUM_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in str(forwarded).split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
