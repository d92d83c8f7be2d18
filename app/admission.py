"""Admission: how many requests a worker serves at once, and a quick 503 beyond that.

A worker that takes on every request slows all of them down together until each waits
minutes. Instead, at most ``limit`` requests are in progress at once (below the worker's
threads and database connections, so each admitted request finds both at once); a few more
wait their turn, first come first served, for at most ``timeout`` seconds; the rest are
refused at once with 503 and ``Retry-After``, which clients and load balancers understand.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class Admission:
    def __init__(
        self,
        limit: int,
        max_waiting: int,
        timeout: float,
        on_change: Callable[[int, int], None] = lambda in_flight, waiting: None,
    ) -> None:
        """``on_change(in_flight, waiting)`` is told every change (for the metrics)."""
        self.limit, self.max_waiting, self.timeout = limit, max_waiting, timeout
        self.in_flight = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._on_change = on_change

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def enter(self) -> bool:
        """Take a slot (True), or give up (False) when too many wait or the wait is over.
        A True must be followed by ``leave()``."""
        if self.in_flight < self.limit and not self._waiting:
            self.in_flight += 1
            self._changed()
            return True
        if len(self._waiting) >= self.max_waiting or self.timeout <= 0:
            return False
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        self._changed()
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.timeout)
        except TimeoutError:
            pass
        except asyncio.CancelledError:
            self._give_up(turn)
            raise
        if turn.done() and not turn.cancelled():
            return True  # ``leave`` handed its slot over
        self._give_up(turn)
        return False

    def _give_up(self, turn: asyncio.Future[None]) -> None:
        if turn.done() and not turn.cancelled():
            self.leave()  # handed over just as we stopped waiting: pass it on
            return
        turn.cancel()
        if turn in self._waiting:
            self._waiting.remove(turn)
        self._changed()

    def leave(self) -> None:
        """Free a slot: the longest-waiting request gets it, else it is returned."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                self._changed()
                return
        self.in_flight -= 1
        self._changed()

    def _changed(self) -> None:
        self._on_change(self.in_flight, len(self._waiting))
