"""Start the service exactly as the container does (``scripts/serve.sh``: migrate, optional
demo data, uvicorn workers), on loopback, for the crash-recovery test and the API benchmark.

The child gets a process group of its own, so the shell, uvicorn and its workers can be
stopped together (``os.killpg``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE_SCRIPT = ROOT / "scripts" / "serve.sh"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def start_service(
    database_url: str,
    log: Path,
    *,
    port: int,
    workers: int = 2,
    demo: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``sh scripts/serve.sh`` on ``LOOPBACK:port`` over ``database_url``, output to ``log``;
    ``env`` adds settings (``TWINNING_*``) to the environment."""
    variables = {
        **os.environ,
        **(env or {}),
        "TWINNING_DATABASE_URL": database_url,
        "TWINNING_LOAD_DEMO": "1" if demo else "0",
        "PYTHON": sys.executable,
        "HOST": LOOPBACK,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            ["sh", str(SERVE_SCRIPT)],
            cwd=ROOT,
            env=variables,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
