"""Keys already checked, kept for a few seconds, so that a keyed request costs what an
unkeyed one does.

Every keyed request used to pay an indexed read, on a pooled connection and in a worker
thread of its own, before anything else ran: under load that took a small answer (a ``304``,
``/health``) to 0.4-0.6x of the same answer without a key. The guard now keeps a valid key's
caller for ``key_cache_seconds``, by the key's hash (never the key itself), at most
``key_cache_size`` of them (the least recently used go first).

What this trades, and why it is safe to: a key revoked through *another* worker, or with
``twinning admin revoke-key``, keeps working in this worker until its entry expires (at most
``key_cache_seconds``, 5 by default; 0 turns the cache off). A revocation or a region's
deletion through this worker's API clears the cache at once. Unknown and revoked keys are
never kept: each is looked up every time and counted against ``rate_limit_failed_keys``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from app.auth import Principal


class KeyCache:
    """Valid keys' callers by key hash, each for ``seconds`` after it was looked up."""

    def __init__(
        self, seconds: float, size: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        # The guard reads and fills it on the event loop; handlers clear it from their threads.
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.size > 0

    def get(self, key_hash: str) -> Principal | None:
        """The caller behind ``key_hash`` if it was valid less than ``seconds`` ago."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None:
                return None
            expires, principal = entry
            if self.clock() >= expires:
                del self._entries[key_hash]
                return None
            self._entries.move_to_end(key_hash)
            return principal

    def put(self, key_hash: str, principal: Principal) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._entries[key_hash] = (self.clock() + self.seconds, principal)
            self._entries.move_to_end(key_hash)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every key: after a change that may end one (a revocation, a deletion)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
