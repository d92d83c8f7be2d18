"""Rate limits: how often one caller may do something expensive or suspicious.

Each limit is a moving window from the ``limits`` package (``10/minute``: at most 10 in any
60 seconds), counted per caller: per API key when the request has one, else per client
address (the proxy's ``X-Forwarded-For`` when uvicorn trusts it, see ``FORWARDED_ALLOW_IPS``).
Counts live in the worker's memory, so each worker process counts for itself: with ``N``
workers a caller may reach up to ``N`` times a limit. Exceeding one is ``429`` with
``Retry-After`` (the seconds until the window lets the next one through).

- ``failed_keys``: unknown or revoked keys per address (guessing keys); once reached, every
  request with a key from that address is refused until the window moves on;
- ``chart_renders`` / ``chart_renders_keyed``: charts drawn rather than served from the cache
  or revalidated, per address without a key and per key;
- ``matching``: matching runs and suggestions per key.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.auth import Principal
from app.problems import ApiProblem, retry_later
from app.settings import Settings


def caller(principal: Principal | None, address: str | None) -> str:
    """Whom a limit counts: the key, or the client address without one."""
    if principal is not None:
        return f"key:{principal.key_id}"
    return f"address:{address or 'unknown'}"


@dataclass(frozen=True)
class Limit:
    name: str
    rate: RateLimitItem
    limiter: MovingWindowRateLimiter

    def charge(self, who: str) -> None:
        """Count one for ``who``; 429 when that exceeds the rate."""
        if not self.limiter.hit(self.rate, self.name, who):
            raise self._refusal(who)

    def check(self, who: str) -> None:
        """429 when ``who`` has used the rate up, without counting this request."""
        if not self.limiter.test(self.rate, self.name, who):
            raise self._refusal(who)

    def _refusal(self, who: str) -> ApiProblem:
        reset = self.limiter.get_window_stats(self.rate, self.name, who).reset_time
        wait = math.ceil(reset - time.time())
        return ApiProblem(
            429,
            f"too many requests: at most {self.rate} ({self.name}); retry in {max(1, wait)} s",
            headers=retry_later(wait),
        )


class RateLimits:
    """The service's limits, one in-memory window store per worker."""

    def __init__(self, settings: Settings) -> None:
        limiter = MovingWindowRateLimiter(MemoryStorage())

        def limit(name: str, rate: str) -> Limit:
            return Limit(name, parse(rate), limiter)

        self.failed_keys = limit("failed keys", settings.rate_limit_failed_keys)
        self.chart_renders = limit("chart renders", settings.rate_limit_chart_renders)
        self.chart_renders_keyed = limit("chart renders", settings.rate_limit_chart_renders_keyed)
        self.matching = limit("matching", settings.rate_limit_matching)

    def chart_render(self, principal: Principal | None, address: str | None) -> None:
        """Count a chart about to be drawn (cache misses only)."""
        limit = self.chart_renders if principal is None else self.chart_renders_keyed
        limit.charge(caller(principal, address))
