"""The service under overload, started as in production (bench/load.py, bounded): 100
concurrent clients for a few seconds on SQLite with one worker. Refusals (503, 429) are
allowed; server errors, requests over 5 s and lost acknowledged writes are not."""

from __future__ import annotations

import pytest

from bench.load import MAX_SECONDS, run_scenario

pytestmark = pytest.mark.slow


def test_a_worker_keeps_answering_under_overload() -> None:
    outcome = run_scenario("sqlite", workers=1, clients=100, seconds=4.0)
    assert outcome.passed(), outcome.problems()
    served = {kind: sum(n for s, n in c.items() if s < 300) for kind, c in outcome.statuses.items()}
    # Every kind of client got work done: the refusals did not starve anyone.
    assert all(served[kind] > 0 for kind in ("anonymous reads", "keyed reads", "writes")), served
    assert outcome.writes_acknowledged > 0
    assert max(outcome.latencies["liveness"]) < MAX_SECONDS / 2
    assert not outcome.unexpected, outcome.unexpected
