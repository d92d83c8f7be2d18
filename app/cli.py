"""The installed ``twinning`` command: the library's commands (``score``, ``validate-model``)
plus ``admin``, which manages API keys in the configured database (``TWINNING_DATABASE_URL``),
so the first admin key of a deployment needs no Python code:

    twinning admin create-key --role admin --name "Operations"
    twinning admin list-keys
    twinning admin revoke-key 3

The library's CLI stays free of the service: the service's modules are imported only when an
``admin`` command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from assessment.cli import build_parser, run

if TYPE_CHECKING:
    from app.db import Database

ROLES = ("admin", "coordinator", "member")


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    admin = commands.add_parser(
        "admin", help="manage API keys in the configured database (TWINNING_DATABASE_URL)"
    )
    actions = admin.add_subparsers(required=True, metavar="action")

    create = actions.add_parser("create-key", help="create a key and print its token once")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", help="who or what the key is for (default: role and date)")
    create.add_argument("--region-id", type=int, help="the region of a member key")
    create.add_argument(
        "--stakeholder-id", type=int, help="bind a member key to one stakeholder's ratings"
    )
    create.set_defaults(handler=_create_key)

    listing = actions.add_parser("list-keys", help="list keys (never their tokens)")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    listing.set_defaults(handler=_list_keys)

    revoke = actions.add_parser("revoke-key", help="revoke a key by id")
    revoke.add_argument("key_id", type=int, metavar="ID")
    revoke.set_defaults(handler=_revoke_key)
    return run(parser, argv)


def _database() -> Database:
    from app.db import Database
    from app.settings import Settings

    return Database.from_settings(Settings())


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _create_key(args: argparse.Namespace) -> int:
    from app.auth import issue_key
    from app.problems import ApiProblem
    from app.tables import Role

    name = args.name or f"{args.role} key created {datetime.now(UTC):%Y-%m-%d}"
    database = _database()
    try:
        with database.session(write=True) as session:
            key, token = issue_key(
                session,
                name=name,
                role=Role(args.role),
                region_id=args.region_id,
                stakeholder_id=args.stakeholder_id,
            )
            session.commit()
    except ApiProblem as exc:
        return _fail(str(exc.detail))
    except SQLAlchemyError as exc:
        return _fail(_database_problem(exc), 1)
    finally:
        database.dispose()
    print(f"created key {key.id} ({key.role}, {key.name!r}); its token, shown only now:")
    print(token)
    return 0


def _list_keys(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from app.tables import ApiKey

    database = _database()
    try:
        with database.session() as session:
            query = select(ApiKey).order_by(col(ApiKey.id))
            if not args.all:
                query = query.where(col(ApiKey.revoked_at).is_(None))
            keys = session.exec(query).all()
    except SQLAlchemyError as exc:
        return _fail(_database_problem(exc), 1)
    finally:
        database.dispose()
    rows = [("id", "role", "region", "stakeholder", "prefix", "created", "revoked", "name")]
    rows += [
        (
            str(key.id),
            key.role,
            _blank(key.region_id),
            _blank(key.stakeholder_id),
            key.prefix,
            f"{key.created_at:%Y-%m-%d}",
            f"{key.revoked_at:%Y-%m-%d}" if key.revoked_at else "-",
            key.name,
        )
        for key in keys
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]))
    return 0


def _revoke_key(args: argparse.Namespace) -> int:
    from app.tables import ApiKey, utcnow

    database = _database()
    try:
        with database.session(write=True) as session:
            key = session.get(ApiKey, args.key_id)
            if key is None:
                return _fail(f"no key with id {args.key_id}")
            if key.revoked_at is None:
                key.revoked_at = utcnow()
                session.add(key)
                session.commit()
    except SQLAlchemyError as exc:
        return _fail(_database_problem(exc), 1)
    finally:
        database.dispose()
    print(f"key {args.key_id} ({key.name!r}) is revoked")
    return 0


def _blank(value: int | None) -> str:
    return "-" if value is None else str(value)


def _database_problem(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (
        f"the database refused: {cause}. Is TWINNING_DATABASE_URL right, and is the database "
        "migrated (alembic upgrade head)?"
    )


if __name__ == "__main__":
    sys.exit(main())
