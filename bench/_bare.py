"""The framework's floor for ``bench/api.py``: a FastAPI app with one plain (sync) endpoint,
no middleware, no database, served by uvicorn with the service's settings."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Pong(BaseModel):
    status: str


@app.get("/ping", response_model=Pong)
def ping() -> Pong:
    return Pong(status="ok")
