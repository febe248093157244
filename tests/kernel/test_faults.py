"""Which failures pass by themselves: a consumer waits them out instead of dead-lettering,
and the HTTP edge answers them 503 instead of 500."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from pmo_kernel.errors import ConcurrencyError
from pmo_kernel.faults import is_transient


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        TimeoutError(),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InterfaceError("connection is closed"),
        sa_exc.TimeoutError("QueuePool limit reached"),
    ],
    ids=type,
)
def test_an_infrastructure_failure_is_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("cannot digest"),
        KeyError("field"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.UndefinedTableError("relation does not exist"),
        asyncpg.exceptions.InvalidTextRepresentationError("invalid input syntax"),
        ConcurrencyError("stream moved on"),
    ],
    ids=type,
)
def test_a_failure_of_the_work_itself_is_not(error: BaseException) -> None:
    assert not is_transient(error)


def test_a_wrapped_failure_is_judged_by_its_cause() -> None:
    wrapper = sa_exc.OperationalError("SELECT 1", {}, ConnectionResetError())
    caused = RuntimeError("apply failed")
    caused.__cause__ = asyncpg.exceptions.AdminShutdownError("terminating connection")

    assert is_transient(wrapper)
    assert is_transient(caused)
    assert not is_transient(sa_exc.IntegrityError("INSERT", {}, ValueError("duplicate")))
