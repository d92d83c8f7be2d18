"""Steps shared by the page tests: sign in, read a page's form token, post a form as the
browser would (same-origin ``Origin`` header)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from app.auth import API_KEY_HEADER_NAME

ORIGIN = {"Origin": "http://testserver"}


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def session_token(client: TestClient) -> str:
    return form_token(client.get("/").text)


def post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Response:
    """A form posted from this site's pages, with the session's token."""
    fields = {"csrf_token": session_token(client), **(data or {})}
    response: Response = client.post(path, data=fields, headers=ORIGIN, follow_redirects=False)
    return response


def sign_in(client: TestClient, headers: dict[str, str]) -> Response:
    """Sign in with the API key of a ``world`` headers dict."""
    token = form_token(client.get("/sign-in").text)
    response: Response = client.post(
        "/sign-in",
        data={"csrf_token": token, "key": headers[API_KEY_HEADER_NAME]},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response
