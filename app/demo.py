"""Demo data for a newcomer: ``python -m app.demo`` loads a few regions with stakeholders,
ratings, published profiles with improvement/coaching flags and good practices into an empty
(migrated) database and prints API keys, so matching answers at once with the seeds' case
(Norrbotten learns innovation management from Scotland).

The keys are fixed, documented strings so that README examples work as written. They are
demo credentials for a demo database, so the loader guards against reaching production:

- it refuses to load into a database that holds anything but the demo (any region, key or
  practice of its own): a real deployment that sets ``TWINNING_LOAD_DEMO=1`` by mistake
  stops at its start with a clear message instead of gaining a known admin key;
- loading is idempotent: when the demo admin key exists already, nothing is written;
- it prints the keys only when asked (``--print-keys``, which ``make run`` passes), so a
  container's logs never show them.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from app.auth import hash_token, issue_key
from app.db import Database
from app.services.invitations import MAX_VALIDITY, create_invitation
from app.services.profiles import store_published
from app.settings import Settings
from app.tables import (
    ApiKey,
    AssessmentRound,
    ConsensusRow,
    FlagRow,
    RatingRow,
    Region,
    Role,
    RoundStatus,
    Stakeholder,
    utcnow,
)
from app.tables_matching import GoodPracticeRow
from app.tables_web import Invitation
from assessment import MaturityModel, default_model

DEMO_KEYS = {
    "admin": "tw_demo_admin",
    "coordinator": "tw_demo_coordinator",
    "norrbotten": "tw_demo_norrbotten",
    "norrbotten_clinician": "tw_demo_norrbotten_clinician",
    "helsingborg": "tw_demo_helsingborg",
}

# Personal questionnaire links of Helsingborg's stakeholders for its open 2025 round: open
# http://127.0.0.1:8000/invite/<token> in a browser (fixed tokens, demo database only).
DEMO_INVITATIONS = {
    "Per Wallin": "tw_inv_demo_per",
    "Sofia Ahl": "tw_inv_demo_sofia",
    "Nils Dahl": "tw_inv_demo_nils",
    "Hanna Falk": "tw_inv_demo_hanna",
}
DEMO_URL_ENV = "TWINNING_DEMO_URL"

ROLES = ("manager", "clinician", "IT", "procurement", "social care", "citizen representative")
# Each role's usual lean against the group, dimension by dimension (model order); a citizen
# representative often cannot judge infrastructure and funding.
LEANS = {
    "manager": (1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0),
    "clinician": (0, -1, -1, 1, 0, -1, 1, 0, 0, 0, -1, 1),
    "IT": (0, 0, 1, -1, -1, 0, 0, -1, 0, -1, 1, 0),
    "procurement": (-1, 0, 0, 0, 1, 1, -1, 0, -1, 0, 1, -1),
    "social care": (0, -1, -1, 0, -1, 0, 1, 1, 0, 1, 0, 0),
    "citizen representative": (-1, 0, None, -1, None, -1, 0, 1, -1, 0, 0, -1),
}


@dataclass(frozen=True)
class DemoRound:
    """A round: the consensus the workshop agreed (stakeholders' ratings lean around it) and
    the dimensions it marked for improvement (needs) and for coaching (strengths it offers)."""

    label: str
    profile: tuple[int, ...]
    status: RoundStatus = RoundStatus.PUBLISHED
    improve: tuple[str, ...] = ()
    coach: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoRegion:
    name: str
    country: str
    kind: str
    people: tuple[tuple[str, str], ...]
    rounds: tuple[DemoRound, ...]
    parent: str | None = None
    public: bool = True


REGIONS = (
    DemoRegion(
        "Norrbotten",
        "SE",
        "region",
        (
            ("Maja Lindqvist", "manager"),
            ("Erik Nilsson", "clinician"),
            ("Sara Öberg", "IT"),
            ("Johan Berg", "procurement"),
            ("Karin Holm", "citizen representative"),
        ),
        (
            # Low on innovation management: twinned with Scotland, which is strong there.
            DemoRound(
                "2022",
                (3, 2, 3, 2, 2, 2, 1, 2, 1, 2, 1, 2),
                improve=("innovation_management", "evaluation_methods"),
                coach=("readiness_to_change", "digital_infrastructure"),
            ),
            DemoRound(
                "2024",
                (3, 3, 4, 2, 3, 2, 2, 2, 2, 3, 2, 2),
                improve=("innovation_management", "capacity_building"),
                coach=("digital_infrastructure",),
            ),
        ),
    ),
    DemoRegion(
        "Scotland",
        "GB",
        "country",
        (
            ("Fiona Campbell", "manager"),
            ("Alasdair Reid", "clinician"),
            ("Morag Fraser", "IT"),
            ("Iain MacLeod", "social care"),
            ("Eilidh Ross", "citizen representative"),
            ("Callum Grant", "procurement"),
        ),
        (
            DemoRound(
                "2023",
                # The same 3 as Norrbotten on readiness to change (Norrbotten's twinning
                # presentation, SCIROCCO Exchange).
                (3, 4, 4, 3, 4, 3, 3, 3, 3, 4, 4, 3),
                improve=("population_approach",),
                coach=("innovation_management", "structure_governance", "citizen_empowerment"),
            ),
        ),
    ),
    DemoRegion("Skåne", "SE", "region", (("Lena Persson", "manager"),), (), public=False),
    DemoRegion(
        "Lund",
        "SE",
        "municipality",
        (
            ("Anders Ek", "manager"),
            ("Elin Sjöberg", "clinician"),
            ("Oskar Lund", "procurement"),
            ("Ida Nyström", "social care"),
        ),
        (
            DemoRound(
                "2024",
                (3, 3, 2, 3, 3, 2, 2, 3, 2, 3, 3, 3),
                improve=("digital_infrastructure", "evaluation_methods"),
                coach=("innovation_management", "process_coordination"),
            ),
        ),
        parent="Skåne",
    ),
    DemoRegion(
        "Helsingborg",
        "SE",
        "municipality",
        (
            ("Per Wallin", "manager"),
            ("Sofia Ahl", "clinician"),
            ("Nils Dahl", "IT"),
            ("Hanna Falk", "social care"),
        ),
        (DemoRound("2025", (2, 3, 3, 2, 1, 2, 2, 2, 2, 3, 2, 2), RoundStatus.OPEN),),
        parent="Skåne",
    ),
    DemoRegion(
        "Puglia",
        "IT",
        "region",
        (
            ("Giulia Conte", "manager"),
            ("Marco Greco", "clinician"),
            ("Luca Ferri", "IT"),
            ("Chiara Esposito", "citizen representative"),
        ),
        (
            DemoRound(
                "2024",
                (3, 3, 3, 3, 3, 3, 3, 2, 3, 3, 3, 4),
                improve=("citizen_empowerment", "digital_infrastructure"),
                coach=("capacity_building",),
            ),
        ),
        public=False,
    ),
)


@dataclass(frozen=True)
class DemoPractice:
    name: str
    description: str
    region: str
    requirements: dict[str, int]


PRACTICES = (
    DemoPractice(
        "Regional innovation hub",
        "A standing team that collects ideas from staff, tests them in small pilots and takes "
        "the ones that work to innovation procurement and region-wide roll-out.",
        "Scotland",
        {"innovation_management": 3, "structure_governance": 3, "funding": 3},
    ),
    DemoPractice(
        "Remote monitoring at home",
        "Patients with chronic conditions in sparsely populated areas measure at home; a "
        "shared record lets district nurses and hospital teams act on the readings.",
        "Norrbotten",
        {"digital_infrastructure": 3, "process_coordination": 2, "citizen_empowerment": 2},
    ),
    DemoPractice(
        "From pilot to procurement",
        "Municipalities prepare a pilot with procurement staff from day one, so that a "
        "successful pilot can be bought and implemented without starting over.",
        "Lund",
        {"innovation_management": 3, "funding": 2, "readiness_to_change": 3},
    ),
)


def _score(model: MaturityModel, base: int, role: str, column: int, person: int) -> int | None:
    lean = LEANS.get(role, (0,) * len(model.keys))[column % 12]
    if lean is None:
        return None
    # A small deterministic wobble so two people of one role do not agree to the point.
    wobble = ((person * 7 + column * 3) % 5 == 0) - ((person * 5 + column) % 7 == 0)
    return max(model.scale.min, min(model.scale.max, base + lean + wobble))


def _level_text(model: MaturityModel, key: str, score: int) -> str:
    return model.dimension(key).levels[score].rstrip(".")


def _load_round(
    session: Session,
    model: MaturityModel,
    region: Region,
    people: list[Stakeholder],
    spec: DemoRound,
) -> None:
    assert region.id is not None
    round_ = AssessmentRound(
        region_id=region.id,
        label=spec.label,
        model_id=model.id,
        model_version=model.version,
        status=spec.status.value,
    )
    session.add(round_)
    session.flush()
    assert round_.id is not None
    for p, person in enumerate(people):
        for c, key in enumerate(model.keys):
            if spec.status is RoundStatus.OPEN and p == len(people) - 1:
                continue  # the last stakeholder of an open round has not rated yet
            score = _score(model, spec.profile[c], person.role, c, p)
            why = (
                "Don't know: outside what I see day to day."
                if score is None
                else f"As {person.role}: {_level_text(model, key, score)}."
            )
            assert person.id is not None
            session.add(
                RatingRow(
                    round_id=round_.id,
                    stakeholder_id=person.id,
                    dimension=key,
                    score=score,
                    justification=why,
                )
            )
    if spec.status is not RoundStatus.PUBLISHED:
        return
    for key, score in zip(model.keys, spec.profile, strict=True):
        session.add(
            ConsensusRow(
                round_id=round_.id,
                dimension=key,
                score=score,
                justification=f"Workshop agreed: {_level_text(model, key, score)}.",
            )
        )
    for key in sorted({*spec.improve, *spec.coach}, key=model.index):
        session.add(
            FlagRow(
                round_id=round_.id,
                dimension=key,
                for_improvement=key in spec.improve,
                for_coaching=key in spec.coach,
            )
        )
    round_.published_at = utcnow()
    session.add(round_)
    session.flush()
    store_published(session, model, round_)


class DemoRefused(Exception):
    """The database holds data of its own: the demo, and its known keys, stay out of it."""


def _has_rows(session: Session, table: type[SQLModel]) -> bool:
    return session.exec(select(func.count()).select_from(table)).one() > 0


def load_demo(session: Session) -> bool:
    """Write the demo data; False (and nothing written) when it is there already.
    ``DemoRefused`` when the database holds other data."""
    existing = session.exec(
        select(ApiKey).where(ApiKey.key_hash == hash_token(DEMO_KEYS["admin"]))
    ).first()
    if existing is not None:
        return False
    if any(_has_rows(session, table) for table in (Region, ApiKey, GoodPracticeRow)):
        raise DemoRefused(
            "the database holds regions, keys or practices that are not the demo's: the demo "
            "(with its published admin key) is loaded only into an empty database"
        )
    model = default_model()
    regions: dict[str, Region] = {}
    people_of: dict[str, list[Stakeholder]] = {}
    for spec in REGIONS:
        parent = regions[spec.parent].id if spec.parent else None
        region = Region(
            name=spec.name,
            country=spec.country,
            kind=spec.kind,
            parent_id=parent,
            public_profile=spec.public,
        )
        session.add(region)
        session.flush()
        assert region.id is not None
        regions[spec.name] = region
        people = [Stakeholder(region_id=region.id, name=n, role=r) for n, r in spec.people]
        session.add_all(people)
        session.flush()
        people_of[spec.name] = people
        for round_spec in spec.rounds:
            _load_round(session, model, region, people, round_spec)
    for practice in PRACTICES:
        session.add(
            GoodPracticeRow(
                name=practice.name,
                description=practice.description,
                transferring_region_id=regions[practice.region].id,
                model_id=model.id,
                model_version=model.version,
                requirements=practice.requirements,
            )
        )
    norrbotten, helsingborg = regions["Norrbotten"].id, regions["Helsingborg"].id
    clinician = people_of["Norrbotten"][1].id
    issue_key(session, name="Demo admin", role=Role.ADMIN, token=DEMO_KEYS["admin"])
    issue_key(
        session, name="Demo coordinator", role=Role.COORDINATOR, token=DEMO_KEYS["coordinator"]
    )
    issue_key(
        session,
        name="Norrbotten facilitator",
        role=Role.MEMBER,
        region_id=norrbotten,
        token=DEMO_KEYS["norrbotten"],
    )
    issue_key(
        session,
        name="Erik Nilsson (Norrbotten clinician)",
        role=Role.MEMBER,
        region_id=norrbotten,
        stakeholder_id=clinician,
        token=DEMO_KEYS["norrbotten_clinician"],
    )
    issue_key(
        session,
        name="Helsingborg facilitator",
        role=Role.MEMBER,
        region_id=helsingborg,
        token=DEMO_KEYS["helsingborg"],
    )
    # Imported here: app.demo_twinnings builds on this module's rounds and keys.
    from app.demo_twinnings import load_twinnings

    load_twinnings(session, regions, people_of)
    session.commit()
    load_demo_invitations(session)
    return True


def load_demo_invitations(session: Session) -> None:
    """Helsingborg's demo links, added to a demo database that lacks them (one loaded before
    the web pages existed, too)."""
    if session.exec(
        select(Invitation).where(
            Invitation.token_hash == hash_token(DEMO_INVITATIONS["Hanna Falk"])
        )
    ).first():
        return
    rows = session.exec(
        select(Stakeholder, AssessmentRound)
        .join(Region, col(Region.id) == Stakeholder.region_id)
        .join(AssessmentRound, col(AssessmentRound.region_id) == Region.id)
        .where(Region.name == "Helsingborg", AssessmentRound.status == RoundStatus.OPEN.value)
    ).all()
    for person, round_ in rows:
        if person.name in DEMO_INVITATIONS and person.id is not None:
            create_invitation(
                session,
                round_,
                person.id,
                created_by=None,
                valid_for=MAX_VALIDITY,
                token=DEMO_INVITATIONS[person.name],
            )
    session.commit()


def main(argv: list[str] | None = None) -> None:
    # Imported here: app.demo_twinnings builds on this module's rounds and keys.
    from app.demo_twinnings import twinning_titles

    parser = argparse.ArgumentParser(
        prog="python -m app.demo",
        description="Load the demo regions into an empty database (TWINNING_DATABASE_URL).",
    )
    parser.add_argument(
        "--print-keys",
        action="store_true",
        help="print the demo's API keys and invitation links (for make run)",
    )
    args = parser.parse_args(argv)
    database = Database.from_settings(Settings())
    try:
        with database.session(write=True) as session:
            loaded = load_demo(session)
            load_demo_invitations(session)
        with database.session() as session:
            twinnings = twinning_titles(session)
    except DemoRefused as refusal:
        print(f"demo not loaded: {refusal}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        database.dispose()
    print("demo data loaded" if loaded else "demo data already present")
    if not args.print_keys:
        print("demo API keys and invitation links: see the README (or run with --print-keys)")
        return
    print("demo API keys (send as the X-API-Key header; demo database only):")
    for who, token in DEMO_KEYS.items():
        print(f"  {who:<22} {token}")
    base = os.environ.get(DEMO_URL_ENV, "http://127.0.0.1:8000").rstrip("/")
    print(f"web pages: {base}/  (facilitators and coordinators sign in with their key)")
    print("demo invitation links of Helsingborg's stakeholders (2025 round, open for rating):")
    for name, token in DEMO_INVITATIONS.items():
        print(f"  {name:<22} {base}/invite/{token}")
    print(f"try: curl -H 'X-API-Key: tw_demo_coordinator' {base}/api/v1/regions/1/profile")
    print_twinning_reports(base, twinnings)


def print_twinning_reports(base: str, titles: list[tuple[int, str]]) -> None:
    """Where the demo twinnings' reports are (they need a key: send it as a header)."""
    print("twinning reports (HTML; save with the coordinator's key and open in a browser;")
    print("add ?lang=sv or ?lang=it for Swedish or Italian):")
    for twinning_id, title in titles:
        url = f"{base}/api/v1/twinnings/{twinning_id}/report.html"
        print(f"  {title}")
        print(f"    curl -H 'X-API-Key: tw_demo_coordinator' -o twinning-{twinning_id}.html {url}")


if __name__ == "__main__":
    main()
