"""A Python client generated from the app's OpenAPI document (openapi-python-client) drives a
whole assessment journey against the app, with typed results: what a dashboard developer
would do with the published schema."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import World

PACKAGE = "twinning_client"


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated into a temporary directory and importable."""
    from app.main import app

    root = tmp_path_factory.mktemp("client")
    schema = root / "openapi.json"
    schema.write_text(json.dumps(app.openapi()))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        cwd=root,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # nothing of the schema was dropped
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _api(package: ModuleType, tag: str, operation: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{operation}")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_generated_client_drives_a_whole_assessment(
    generated: ModuleType, api_app: FastAPI, world: World
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    client = generated.AuthenticatedClient(
        base_url="http://testserver", token="unused", prefix="", auth_header_name="X-API-Key"
    )
    client.set_httpx_client(TestClient(api_app, headers=world.admin))

    def call(tag: str, operation: str, **kwargs: Any) -> Any:
        return _api(generated, tag, operation).sync(client=client, **kwargs)

    region = call(
        "regions",
        "create_region",
        body=models.RegionCreate(name="Västerbotten", country="SE", public_profile=True),
    )
    assert isinstance(region, models.RegionOut) and region.created_at.tzinfo is not None
    people = [
        call(
            "regions",
            "create_stakeholder",
            region_id=region.id,
            body=models.StakeholderCreate(name=name, role=role),
        )
        for name, role in (("Ann", "manager"), ("Bo", "clinician"))
    ]
    assert all(isinstance(p, models.StakeholderOut) for p in people)
    round_ = call(
        "rounds", "create_round", region_id=region.id, body=models.RoundCreate(label="2025")
    )
    assert isinstance(round_, models.RoundOut) and round_.status is models.RoundStatus.DRAFT
    model = call("models", "get_model", model_id=round_.model.id, version=round_.model.version)
    keys = [d.key for d in model.dimensions]
    low, high = model.scale.min_, model.scale.max_

    def move(status: Any) -> Any:
        return call(
            "rounds", "transition_round", round_id=round_.id, body=models.Transition(status=status)
        )

    assert move(models.RoundStatus.OPEN).status is models.RoundStatus.OPEN
    for offset, person in enumerate(people):
        items = [
            models.BulkRatingItem(dimension=key, score=min(high, low + offset + 1)) for key in keys
        ]
        rated = call(
            "ratings",
            "put_ratings",
            round_id=round_.id,
            stakeholder_id=person.id,
            body=models.BulkRatings(ratings=items),
        )
        assert [r.dimension for r in rated] == keys
    move(models.RoundStatus.CONSENSUS)
    scores = call("rounds", "get_round_scores", round_id=round_.id)
    assert isinstance(scores, models.GroupScores) and scores.raters == len(people)
    for key in keys:
        decided = call(
            "consensus",
            "put_consensus",
            round_id=round_.id,
            dimension=key,
            body=models.ConsensusIn(score=low + 1, justification="agreed"),
        )
        assert isinstance(decided, models.ConsensusOut)
    assert move(models.RoundStatus.PUBLISHED).published_at is not None

    profile = call("profiles", "get_region_profile", region_id=region.id)
    assert isinstance(profile, models.RoundProfile)
    assert [s.score for s in profile.profile.scores] == [low + 1] * len(keys)
    radar = call("charts", "get_radar_file", region_id=region.id, fmt=models.RadarFormat.JSON)
    assert isinstance(radar, models.RadarSpec)
    assert [axis.key for axis in radar.axes.dimensions] == keys
    problem = call("regions", "get_region", region_id=2**31 - 1)
    assert isinstance(problem, models.Problem) and problem.status == 404
