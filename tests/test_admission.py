"""Admission: a bounded number of requests in progress, a short fair wait, quick refusals."""

from __future__ import annotations

import asyncio

from app.admission import Admission


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_requests_beyond_the_limit_wait_their_turn_in_order() -> None:
    async def scenario() -> list[str]:
        admission = Admission(limit=1, max_waiting=5, timeout=5.0)
        order: list[str] = []
        assert await admission.enter()

        async def later(name: str) -> None:
            assert await admission.enter()
            order.append(name)
            admission.leave()

        waiters = [asyncio.create_task(later(name)) for name in ("first", "second", "third")]
        await asyncio.sleep(0.01)
        assert admission.waiting == 3 and admission.in_flight == 1
        admission.leave()
        await asyncio.gather(*waiters)
        assert admission.in_flight == 0 and admission.waiting == 0
        return order

    assert run(scenario()) == ["first", "second", "third"]


def test_a_full_queue_refuses_at_once_and_a_long_wait_gives_up() -> None:
    async def scenario() -> None:
        admission = Admission(limit=1, max_waiting=1, timeout=0.05)
        assert await admission.enter()
        waiting = asyncio.create_task(admission.enter())
        await asyncio.sleep(0.001)
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await admission.enter() is False  # the queue is full: no wait at all
        assert loop.time() - started < 0.01
        assert await waiting is False  # waited 50 ms, then gave up
        assert admission.waiting == 0 and admission.in_flight == 1
        admission.leave()
        assert admission.in_flight == 0

    run(scenario())


def test_a_request_that_goes_away_while_waiting_frees_its_place() -> None:
    async def scenario() -> None:
        changes: list[tuple[int, int]] = []
        admission = Admission(2, 5, 5.0, on_change=lambda *counts: changes.append(counts))
        assert await admission.enter() and await admission.enter()
        gone = asyncio.create_task(admission.enter())
        await asyncio.sleep(0.001)
        gone.cancel()
        await asyncio.gather(gone, return_exceptions=True)
        admission.leave()
        admission.leave()
        assert (admission.in_flight, admission.waiting) == (0, 0)
        assert changes[-1] == (0, 0) and (2, 1) in changes

    run(scenario())
