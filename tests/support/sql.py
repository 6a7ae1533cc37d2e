"""The error a statement raises on a given database, for the checks of which errors mean
"the database is away"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError


def error_of(engine_url: str, statement: str, **connect_args: Any) -> DBAPIError:
    engine = create_engine(engine_url, connect_args=connect_args)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    except DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{statement!r} did not fail")
