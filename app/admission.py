"""Admission: how many requests a worker serves at once, and a quick 503 beyond that.

A worker that takes on every request slows all of them down together until each waits
minutes. Instead, at most ``limit`` requests are in progress at once (below the worker's
threads and database connections, so each admitted request finds both at once); a few more
wait their turn, first come first served, for at most ``timeout`` seconds; the rest are
refused at once with 503 and ``Retry-After``, which clients and load balancers understand.

A served worker has one event loop, but tests drive one app from several threads with a loop
each, so the bookkeeping is under a lock and a turn is handed to a waiter in its own loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Turn:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None] = field(init=False)
    granted: bool = False

    def __post_init__(self) -> None:
        self.future = self.loop.create_future()

    def wake(self) -> None:
        if not self.future.done():
            self.future.set_result(None)


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
        self._waiting: deque[_Turn] = deque()
        self._lock = threading.Lock()
        self._on_change = on_change

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def enter(self) -> bool:
        """Take a slot (True), or give up (False) when too many wait or the wait is over.
        A True must be followed by ``leave()``."""
        with self._lock:
            if self.in_flight < self.limit and not self._waiting:
                self.in_flight += 1
                self._changed()
                return True
            if len(self._waiting) >= self.max_waiting or self.timeout <= 0:
                return False
            turn = _Turn(asyncio.get_running_loop())
            self._waiting.append(turn)
            self._changed()
        try:
            await asyncio.wait_for(turn.future, self.timeout)
        except TimeoutError:
            pass
        except asyncio.CancelledError:
            if not self._withdraw(turn):
                self.leave()  # granted just as the request went away: pass it on
            raise
        return not self._withdraw(turn)

    def _withdraw(self, turn: _Turn) -> bool:
        """Take ``turn`` out of the queue; False when it was granted a slot meanwhile."""
        with self._lock:
            if turn.granted:
                return False
            self._waiting.remove(turn)
            self._changed()
            return True

    def leave(self) -> None:
        """Free a slot: the longest-waiting request gets it, else it is returned."""
        with self._lock:
            if self._waiting:
                turn = self._waiting.popleft()
                turn.granted = True
                turn.loop.call_soon_threadsafe(turn.wake)
            else:
                self.in_flight -= 1
            self._changed()

    def _changed(self) -> None:
        self._on_change(self.in_flight, len(self._waiting))
