"""Demo twinnings, loaded by ``app.demo`` after its regions, rounds and keys.

- Norrbotten learns innovation management from Scotland (SCIROCCO Exchange; the seed is
  Norrbotten's presentation of the twinning): its 2022 round is the baseline, the study visit,
  the local conditions (the same 3 on readiness to change; mandates, funding, a roadmap and
  data sharing missing) and the priority actions; its 2024 round shows the effect.
- Lund and Helsingborg work on going from pilot to procurement (Procure4Health external
  twinnings, final report February 2025) on the innovation procurement readiness model: two
  workshops (Lund, 7 November 2024; Helsingborg, 28 January 2025), a theory-of-change action
  plan over six prioritised areas, and two digital knowledge-sharing events (25 November 2024,
  24 February 2025) that the Höganäs-Lidingö twinning joined too.

Dates and places of the Procure4Health events are the report's; people are invented, and the
Norrbotten-Scotland dates are illustrative. Texts paraphrase the sources in our own words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.auth import hash_token
from app.demo import DEMO_KEYS, DemoRound, _load_round
from app.services.twinnings import NewTwinning, store_twinning
from app.tables import ApiKey, AssessmentRound, Region, Stakeholder
from app.tables_matching import GoodPracticeRow
from app.tables_twinning import (
    ActionRow,
    ActivityLink,
    ConditionNote,
    Twinning,
    TwinningActivity,
    TwinningParticipant,
)
from assessment import MaturityModel, ModelCatalog
from assessment.twinning import (
    ActionStatus,
    ActivityFormat,
    ActivityKind,
    ChallengeCategory,
    ParticipantSide,
    TwinningStatus,
    TwinningType,
)

PROCUREMENT = "procurement-readiness"
RECEIVING, TRANSFERRING, EXTERNAL = (
    ParticipantSide.RECEIVING,
    ParticipantSide.TRANSFERRING,
    ParticipantSide.EXTERNAL,
)


@dataclass(frozen=True)
class ProcurementRound:
    region: str
    label: str
    published: dt.datetime
    profile: tuple[int, ...]
    improve: tuple[str, ...] = ()
    coach: tuple[str, ...] = ()


# Dimensions: challenge, mandate, users, market dialogue, pilots, routes, value, implementation,
# competence (data/models/procurement-readiness.yaml). Published before the SCIROCCO demo
# rounds (which are stamped with the load time), so a region's latest round stays SCIROCCO's.
_AUTUMN_2024 = dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC)
PROCUREMENT_ROUNDS = (
    ProcurementRound(
        "Lund",
        "Procurement readiness 2024",
        _AUTUMN_2024,
        (3, 3, 2, 3, 3, 2, 2, 3, 3),
        improve=("value_and_evidence",),
        coach=("pilot_for_procurement", "mandate_and_organisation"),
    ),
    ProcurementRound(
        "Helsingborg",
        "Procurement readiness 2024",
        _AUTUMN_2024,
        (2, 2, 2, 1, 1, 2, 2, 1, 2),
        improve=("pilot_for_procurement", "implementation_and_scaling"),
        coach=("user_involvement",),
    ),
    ProcurementRound(
        "Helsingborg",
        "Procurement readiness 2025",
        dt.datetime(2025, 3, 17, 9, tzinfo=dt.UTC),
        (3, 2, 2, 2, 2, 2, 2, 2, 3),
        improve=("implementation_and_scaling",),
    ),
    ProcurementRound(
        "Höganäs",
        "Procurement readiness 2024",
        _AUTUMN_2024,
        (2, 1, 2, 1, 1, 1, 2, 1, 1),
        improve=("mandate_and_organisation", "pilot_for_procurement"),
    ),
    ProcurementRound(
        "Lidingö",
        "Procurement readiness 2024",
        _AUTUMN_2024,
        (3, 3, 3, 2, 2, 3, 2, 2, 2),
        coach=("mandate_and_organisation", "user_involvement"),
    ),
)
NEW_MUNICIPALITIES = (
    ("Höganäs", "Skåne", (("Eva Strand", "manager"), ("Jonas Ek", "procurement"))),
    ("Lidingö", None, (("Mona Falk", "manager"), ("Rasmus Holm", "IT"))),
)


@dataclass(frozen=True)
class DemoActivity:
    key: str
    kind: ActivityKind
    title: str
    date: dt.date | None
    format: ActivityFormat
    host: str = ""
    location: str = ""
    participants: tuple[str, ...] = ()
    notes: str = ""
    outcomes: str = ""


@dataclass(frozen=True)
class DemoAction:
    title: str
    category: ChallengeCategory | None
    dimension: str | None
    current: str
    desired: str
    outcomes: str
    activities: str
    resources: str
    owner: str
    due: dt.date | None
    status: ActionStatus


@dataclass(frozen=True)
class DemoTwinning:
    receiving: str
    transferring: str
    model_id: str
    focus: tuple[str, ...]
    type: TwinningType
    status: TwinningStatus
    title: str
    aim: str
    receiving_round: str
    transferring_round: str
    start: dt.date | None = None
    end: dt.date | None = None
    practice: str | None = None
    people: tuple[tuple[str, str, ParticipantSide, str], ...] = ()
    activities: tuple[str, ...] = ()
    actions: tuple[DemoAction, ...] = ()
    conditions_note: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)


ACTIVITIES = (
    DemoActivity(
        "visit",
        ActivityKind.STUDY_VISIT,
        "Study visit to Scotland's innovation centres and networks",
        dt.date(2023, 5, 16),
        ActivityFormat.IN_PERSON,
        host="Scotland",
        location="Edinburgh and Glasgow",
        participants=("Norrbotten: manager, procurement, IT", "Scotland: innovation leads"),
        notes="The SCIROCCO profiles of both regions set the agenda of the visit.",
        outcomes="Norrbotten saw a formalised innovation process that is planned and partly in "
        "place, innovation champions, and centres and networks that embed innovation. "
        "Actions for Norrbotten were agreed during the visit.",
    ),
    DemoActivity(
        "kickoff",
        ActivityKind.KICK_OFF,
        "Digital start-up meeting",
        None,
        ActivityFormat.DIGITAL,
        host="RISE",
        participants=("Lund", "Helsingborg", "RISE"),
        outcomes="Work plan, questions split into sub-areas, invitations and homework for the "
        "first workshop.",
    ),
    DemoActivity(
        "workshop1",
        ActivityKind.WORKSHOP,
        "Workshop 1: challenges before a pilot",
        dt.date(2024, 11, 7),
        ActivityFormat.IN_PERSON,
        host="Lund municipality",
        location="Lund",
        participants=(
            "procurement managers",
            "IT strategists",
            "innovation managers",
            "care operations managers",
        ),
        notes="Mixed groups of both municipalities and professions worked on real cases.",
        outcomes="Challenges and chances for change found in real cases, sorted by category "
        "(communication, organisation, IT, legal, procurement, user involvement, ways of "
        "working) and placed in the procurement process.",
    ),
    DemoActivity(
        "sharing1",
        ActivityKind.KNOWLEDGE_SHARING,
        "Knowledge-sharing event 1 of the three twinnings",
        dt.date(2024, 11, 25),
        ActivityFormat.DIGITAL,
        host="RISE",
        participants=(
            "Lund",
            "Helsingborg",
            "Höganäs",
            "Lidingö",
            "Ystad",
            "Ängelholm",
            "Kungsbacka (guest)",
        ),
        outcomes="Each twinning shared its first workshop; the other twinnings' findings fed "
        "the preparation of the second workshops.",
    ),
    DemoActivity(
        "workshop2",
        ActivityKind.WORKSHOP,
        "Workshop 2: theory of change for the prioritised areas",
        dt.date(2025, 1, 28),
        ActivityFormat.IN_PERSON,
        host="Helsingborg municipality",
        location="Helsingborg",
        participants=("Lund", "Helsingborg", "Kungsbacka (guest)"),
        notes="Each municipality chose its most important areas from a joint board of all "
        "three twinnings' challenges.",
        outcomes="Six prioritised areas worked through step by step: current situation, "
        "desired situation, outcomes, activities and resources.",
    ),
    DemoActivity(
        "sharing2",
        ActivityKind.KNOWLEDGE_SHARING,
        "Knowledge-sharing event 2 of the three twinnings",
        dt.date(2025, 2, 24),
        ActivityFormat.DIGITAL,
        host="RISE",
        participants=(
            "Lund",
            "Helsingborg",
            "Höganäs",
            "Lidingö",
            "Ystad",
            "Ängelholm",
            "Kungsbacka (guest)",
        ),
        outcomes="Results of all three twinnings shared; participants felt they were not alone "
        "with these challenges.",
    ),
)


def _action(
    title: str,
    category: ChallengeCategory | None,
    dimension: str | None,
    texts: tuple[str, str, str, str, str],
    owner: str,
    due: dt.date | None,
    status: ActionStatus,
) -> DemoAction:
    return DemoAction(title, category, dimension, *texts, owner, due, status)


C = ChallengeCategory
TWINNINGS = (
    DemoTwinning(
        receiving="Norrbotten",
        transferring="Scotland",
        model_id="scirocco",
        focus=("innovation_management",),
        type=TwinningType.TRANSFER,
        status=TwinningStatus.FOLLOWED_UP,
        title="Norrbotten learns innovation management from Scotland",
        aim="Learn from Scotland's formalised innovation management how Norrbotten can join up "
        "its innovation work, bring procurement into the innovation process, and prepare the "
        "local conditions to adopt what it learns.",
        receiving_round="2022",
        transferring_round="2023",
        start=dt.date(2023, 3, 1),
        end=dt.date(2023, 9, 30),
        practice="Regional innovation hub",
        people=(
            ("Maja Lindqvist", "innovation coordinator", RECEIVING, ""),
            ("Johan Berg", "procurement", RECEIVING, ""),
            ("Fiona Campbell", "innovation lead", TRANSFERRING, ""),
            ("Callum Grant", "procurement", TRANSFERRING, ""),
        ),
        activities=("visit",),
        actions=(
            _action(
                "Data sharing between health and social care",
                C.IT,
                "digital_infrastructure",
                (
                    "Health care and social care data are kept apart, which blocks "
                    "innovation in integrated care.",
                    "Data can be shared where integrated care needs it.",
                    "Innovations can be tested and spread across health and social care.",
                    "Map the legal and technical barriers; agree a joint approach.",
                    "IT architects, legal advice, social care partners.",
                ),
                "Regional CIO",
                dt.date(2027, 6, 30),
                ActionStatus.IN_PROGRESS,
            ),
            _action(
                "Roles and mandates in innovation management",
                C.ORGANISATION,
                "structure_governance",
                (
                    "Nobody has a clear mandate for the whole innovation process.",
                    "Defined roles and mandates for every stakeholder in innovation.",
                    "Ideas move from capture to use without getting stuck.",
                    "Describe the innovation process and decide who owns each step.",
                    "Management time; the regional board's decision.",
                ),
                "Director of development",
                dt.date(2024, 6, 30),
                ActionStatus.DONE,
            ),
            _action(
                "A roadmap with dedicated funding",
                C.ORGANISATION,
                "funding",
                (
                    "No roadmap for innovation and no funding set aside for it.",
                    "An agreed roadmap, with funding and incentives for innovation.",
                    "Innovation work can be planned beyond single projects.",
                    "Draft the roadmap; propose an innovation budget line.",
                    "Finance department, political decision.",
                ),
                "Head of strategy",
                dt.date(2025, 6, 30),
                ActionStatus.DONE,
            ),
            _action(
                "Procurement inside the innovation process",
                C.PROCUREMENT,
                "innovation_management",
                (
                    "Procurement is far removed from the innovation process.",
                    "Procurement takes part from the first idea.",
                    "Successful innovations can be bought and scaled.",
                    "Invite procurement to the innovation board; learn innovation "
                    "procurement methods.",
                    "Procurement staff time, training.",
                ),
                "Head of procurement",
                dt.date(2026, 12, 31),
                ActionStatus.IN_PROGRESS,
            ),
        ),
        conditions_note="Scotland's structure and governance for innovation rest on dedicated "
        "funding; adapting them in Norrbotten needs funding and incentives of its own, and a "
        "roadmap that gives every stakeholder a clear mandate.",
        notes={
            "readiness_to_change": "Same score as Scotland, 3: the need for innovation is "
            "recognised, stakeholders and projects work towards one vision, and the acceptance "
            "of change reaches well beyond a few champions.",
            "structure_governance": "Mandates to carry out innovation management are not defined.",
            "funding": "No funding dedicated to innovation; incentives are needed.",
            "digital_infrastructure": "Sharing data between health care and social care is a "
            "challenge and needs action.",
        },
        outcomes={
            "expected_at_conclusion": "A shared picture of what a formal innovation process "
            "needs in Norrbotten, and agreed priority actions.",
            "results_at_conclusion": "The self-assessment focused the study visit and its "
            "discussions; agreeing on actions during the visit created engagement and a sense "
            "of urgency. Three priority actions were set: data sharing, roles and mandates, a "
            "roadmap with funding.",
            "expected_after_6_months": "Roles and mandates for innovation decided.",
            "results_after_6_months": "Roles and mandates described and adopted.",
            "expected_after_12_months": "A higher score on innovation management at the next "
            "self-assessment.",
            "results_after_12_months": "The 2024 self-assessment scores innovation management "
            "one level higher.",
            "worked_well": "The maturity model gave the learning a structure; discussing "
            "actions during the visit.",
            "needs_attention": "Understanding how the two systems are set up (regional or "
            "national, funding, roles and mandates) before transferring anything.",
            "sustainability": "The actions are owned by named managers in the regional "
            "organisation and followed up in its planning.",
        },
    ),
    DemoTwinning(
        receiving="Helsingborg",
        transferring="Lund",
        model_id=PROCUREMENT,
        focus=("pilot_for_procurement", "implementation_and_scaling"),
        type=TwinningType.EXCHANGE,
        status=TwinningStatus.CONCLUDED,
        title="Lund and Helsingborg: from pilot to procurement and implementation",
        aim="Find what a municipality has to prepare before a pilot of welfare technology so "
        "that a successful pilot moves smoothly into procurement and implementation, and "
        "build both organisations' capacity to do it.",
        receiving_round="Procurement readiness 2024",
        transferring_round="Procurement readiness 2024",
        start=dt.date(2024, 9, 1),
        end=dt.date(2025, 2, 28),
        people=(
            ("Per Wallin", "welfare technology manager", RECEIVING, ""),
            ("Nils Dahl", "IT strategist", RECEIVING, ""),
            ("Anders Ek", "project owner", TRANSFERRING, ""),
            ("Oskar Lund", "procurement manager", TRANSFERRING, ""),
            ("Karin Ask", "process lead", EXTERNAL, "RISE Research Institutes of Sweden"),
            ("Guest team", "guests at both events", EXTERNAL, "Kungsbacka municipality"),
        ),
        activities=("kickoff", "workshop1", "sharing1", "workshop2", "sharing2"),
        actions=(
            _action(
                "Procurement involved before the pilot starts",
                C.PROCUREMENT,
                "pilot_for_procurement",
                (
                    "Procurement hears of a pilot when it has ended.",
                    "A procurement officer helps plan every pilot and its route to purchase.",
                    "A successful pilot can be bought without starting over.",
                    "A checklist for starting a pilot; procurement invited to every start.",
                    "A few hours of procurement time per pilot.",
                ),
                "Procurement manager",
                dt.date(2025, 6, 30),
                ActionStatus.DONE,
            ),
            _action(
                "Agree what success means before testing",
                C.ORGANISATION,
                "challenge_and_outcomes",
                (
                    "Pilots start without agreed goals, so nobody can say if they worked.",
                    "Every pilot starts from the need and measurable goals.",
                    "Decisions to buy rest on evidence.",
                    "A template for needs and goals; a review before each pilot.",
                    "Operations managers, analysts.",
                ),
                "Welfare technology manager",
                dt.date(2025, 5, 31),
                ActionStatus.DONE,
            ),
            _action(
                "Users and staff in the test design",
                C.USER_INVOLVEMENT,
                "user_involvement",
                (
                    "Staff and users meet the technology late.",
                    "Staff and users help design the test.",
                    "Solutions fit daily work; fewer surprises at roll-out.",
                    "Reference groups of staff and users for each pilot.",
                    "Staff time released from operations.",
                ),
                "Care operations manager",
                dt.date(2026, 12, 31),
                ActionStatus.IN_PROGRESS,
            ),
            _action(
                "IT and information security from the start",
                C.IT,
                "implementation_and_scaling",
                (
                    "IT and security questions stop solutions after the pilot.",
                    "IT integration and security are checked before the pilot.",
                    "No pilot ends in a technical dead end.",
                    "IT check as a step of the pilot checklist.",
                    "IT strategist, information security officer.",
                ),
                "IT strategist",
                dt.date(2025, 6, 30),
                ActionStatus.DONE,
            ),
            _action(
                "A legal check of the route to purchase",
                C.LEGAL,
                "procurement_routes",
                (
                    "Unclear whether a pilot's supplier may later be chosen.",
                    "The legal route to a later purchase is known before the pilot.",
                    "Fair and lawful procurement after pilots.",
                    "Legal guidance on pilots and innovation procurement.",
                    "Municipal lawyer.",
                ),
                "Municipal lawyer",
                dt.date(2025, 4, 30),
                ActionStatus.DONE,
            ),
            _action(
                "Tell operations what the pilot found",
                C.COMMUNICATION,
                None,
                (
                    "Results of pilots stay with the project group.",
                    "Operations hear the results and the plan for implementation.",
                    "Decisions on implementation are taken in time.",
                    "A one-page summary and a meeting with operations after each pilot.",
                    "Communications officer.",
                ),
                "Project owner",
                dt.date(2025, 9, 30),
                ActionStatus.PLANNED,
            ),
        ),
        conditions_note="Both municipalities have committed owners; mandates and budgets for "
        "implementation are decided case by case.",
        notes={
            "mandate_and_organisation": "Helsingborg anchors pilots in operations but lacks a "
            "standing owner from pilot to purchase.",
        },
        outcomes={
            "expected_at_conclusion": "Better procurement processes, more organisational "
            "capacity and knowledge exchange between the municipalities.",
            "results_at_conclusion": "Both municipalities report more knowledge of what to "
            "prepare before a pilot, have worked through six prioritised areas with a theory of "
            "change, and hold one-page plans for each area.",
            "expected_after_6_months": "The checklist for starting a pilot in use in both "
            "municipalities.",
            "expected_after_12_months": "A first procurement after a pilot prepared this way; "
            "continued exchange between the municipalities of the three twinnings.",
            "deviations": "None: the work followed the joint work plan, and participants came "
            "well prepared.",
            "worked_well": "The timeline and work plan; anchoring in each organisation; mixed "
            "groups across municipalities and professions; the two joint knowledge-sharing "
            "events, which made participants feel they were not alone.",
            "needs_attention": "Going from pilot to procurement is complex and needs "
            "determination and perseverance in each municipality: it is not a quick fix.",
            "sustainability": "The people involved work with pilots, procurement and "
            "implementation every day and take the methods into their own processes; the "
            "municipalities plan to keep meeting and to work on the prioritised areas.",
        },
    ),
    DemoTwinning(
        receiving="Höganäs",
        transferring="Lidingö",
        model_id=PROCUREMENT,
        focus=("mandate_and_organisation", "pilot_for_procurement"),
        type=TwinningType.EXCHANGE,
        status=TwinningStatus.RUNNING,
        title="Höganäs and Lidingö: organising for innovation procurement",
        aim="Learn how to organise mandates and pilots so that tested technology can be procured.",
        receiving_round="Procurement readiness 2024",
        transferring_round="Procurement readiness 2024",
        start=dt.date(2024, 9, 15),
        people=(
            ("Eva Strand", "manager", RECEIVING, ""),
            ("Mona Falk", "manager", TRANSFERRING, ""),
            ("Karin Ask", "process lead", EXTERNAL, "RISE Research Institutes of Sweden"),
        ),
        activities=("sharing1", "sharing2"),
    ),
)


def _load_procurement_rounds(
    session: Session,
    model: MaturityModel,
    regions: dict[str, Region],
    people_of: dict[str, list[Stakeholder]],
) -> None:
    for spec in PROCUREMENT_ROUNDS:
        region = regions[spec.region]
        demo = DemoRound(spec.label, spec.profile, improve=spec.improve, coach=spec.coach)
        _load_round(session, model, region, people_of[spec.region], demo)
        session.flush()
        round_ = _round(session, region, spec.label, model)
        round_.published_at = spec.published
        session.add(round_)


def _round(session: Session, region: Region, label: str, model: MaturityModel) -> AssessmentRound:
    return session.exec(
        select(AssessmentRound).where(
            AssessmentRound.region_id == region.id,
            AssessmentRound.label == label,
            AssessmentRound.model_id == model.id,
        )
    ).one()


def load_twinnings(
    session: Session, regions: dict[str, Region], people_of: dict[str, list[Stakeholder]]
) -> list[Twinning]:
    """Two municipalities more, procurement readiness rounds, the three twinnings (created
    by the demo coordinator)."""
    coordinator = session.exec(
        select(ApiKey).where(ApiKey.key_hash == hash_token(DEMO_KEYS["coordinator"]))
    ).first()
    for name, parent, people in NEW_MUNICIPALITIES:
        region = Region(
            name=name,
            country="SE",
            kind="municipality",
            parent_id=regions[parent].id if parent else None,
            public_profile=True,
        )
        session.add(region)
        session.flush()
        assert region.id is not None
        regions[name] = region
        group = [Stakeholder(region_id=region.id, name=n, role=r) for n, r in people]
        session.add_all(group)
        session.flush()
        people_of[name] = group
    models = ModelCatalog()  # the shipped models, which the demo's rounds use
    _load_procurement_rounds(session, models.find(PROCUREMENT), regions, people_of)
    session.flush()
    activities: dict[str, TwinningActivity] = {}
    for event in ACTIVITIES:
        activity = TwinningActivity(
            kind=event.kind.value,
            title=event.title,
            date=event.date,
            format=event.format.value,
            host=event.host,
            location=event.location,
            participants=list(event.participants),
            notes=event.notes,
            outcomes=event.outcomes,
        )
        session.add(activity)
        activities[event.key] = activity
    session.flush()
    practices = {row.name: row for row in session.exec(select(GoodPracticeRow)).all()}
    created = []
    for spec in TWINNINGS:
        model = models.find(spec.model_id)
        receiving, transferring = regions[spec.receiving], regions[spec.transferring]
        assert receiving.id is not None and transferring.id is not None
        twinning = store_twinning(
            session,
            models,
            NewTwinning(
                receiving_region_id=receiving.id,
                transferring_region_id=transferring.id,
                model=model,
                focus=spec.focus,
                type=spec.type,
                title=spec.title,
                aim=spec.aim,
                practice_id=practices[spec.practice].id if spec.practice else None,
                receiving_round_id=_round(session, receiving, spec.receiving_round, model).id,
                transferring_round_id=_round(
                    session, transferring, spec.transferring_round, model
                ).id,
                start_date=spec.start,
                end_date=spec.end,
                created_by=coordinator.id if coordinator else None,
                where="demo",
            ),
        )
        assert twinning.id is not None
        twinning.status = spec.status.value
        twinning.conditions_note = spec.conditions_note
        for name, text in spec.outcomes.items():
            setattr(twinning, name, text)
        session.add(twinning)
        for name, role, side, organisation in spec.people:
            session.add(
                TwinningParticipant(
                    twinning_id=twinning.id,
                    name=name,
                    role=role,
                    side=side.value,
                    organisation=organisation,
                )
            )
        for key in spec.activities:
            activity_id = activities[key].id
            assert activity_id is not None
            session.add(ActivityLink(twinning_id=twinning.id, activity_id=activity_id))
        for dimension, note in spec.notes.items():
            session.add(ConditionNote(twinning_id=twinning.id, dimension=dimension, note=note))
        for action in spec.actions:
            session.add(
                ActionRow(
                    twinning_id=twinning.id,
                    title=action.title,
                    category=action.category.value if action.category else None,
                    dimension=action.dimension,
                    current_situation=action.current,
                    desired_situation=action.desired,
                    outcomes=action.outcomes,
                    activities=action.activities,
                    resources=action.resources,
                    owner=action.owner,
                    due_date=action.due,
                    status=action.status.value,
                )
            )
        created.append(twinning)
    session.flush()
    return created


def twinning_titles(session: Session) -> list[tuple[int, str]]:
    """(id, title) of every stored twinning, for the demo's printout."""
    rows = session.exec(select(Twinning.id, Twinning.title).order_by(col(Twinning.id))).all()
    return [(twinning_id, title) for twinning_id, title in rows if twinning_id is not None]
