"""Headers every answer carries unless its handler set its own.

- ``Content-Security-Policy``: the API's answers are data (JSON, CSV, images) and the
  self-contained report, so nothing may load but inline styles (SVG charts and the report
  have them) and images of this origin; no scripts, no framing. ``/docs`` and ``/redoc`` run
  Swagger UI and ReDoc from this origin with their small inline start-up script. A page that
  needs another policy sets its own header, which is kept (the web pages do).
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (older browsers' spelling of
  ``frame-ancestors 'none'``) and ``Referrer-Policy: no-referrer``.
- ``Cache-Control`` for API answers that did not choose one: ``private, no-store`` when the
  request carried a key (the answer may hold what only that key may read), else ``no-cache``.
  Answers readable by anyone that are worth keeping (charts, exports) set their own.
"""

from __future__ import annotations

API_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCS_PREFIXES = ("/docs", "/redoc")
PRIVATE_CACHE = "private, no-store"
ANONYMOUS_CACHE = "no-cache"

Header = tuple[bytes, bytes]


def _encode(*headers: tuple[str, str]) -> tuple[Header, ...]:
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
    )


_COMMON = _encode(
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
_API = (*_COMMON, *_encode(("Content-Security-Policy", API_POLICY)))
_DOCS = (*_COMMON, *_encode(("Content-Security-Policy", DOCS_POLICY)))
_CACHE_PRIVATE = _encode(("Cache-Control", PRIVATE_CACHE))
_CACHE_ANONYMOUS = _encode(("Cache-Control", ANONYMOUS_CACHE))


def default_headers(path: str, keyed: bool) -> tuple[Header, ...]:
    """The defaults for an answer to ``path`` (``keyed``: the request sent a key)."""
    if path.startswith(DOCS_PREFIXES):
        return _DOCS
    if path.startswith("/api/"):
        return (*_API, *(_CACHE_PRIVATE if keyed else _CACHE_ANONYMOUS))
    return _API


def add_missing(headers: list[Header], defaults: tuple[Header, ...]) -> list[Header]:
    """``headers`` with each default whose name it lacks."""
    present = {name.lower() for name, _ in headers}
    return headers + [header for header in defaults if header[0] not in present]
