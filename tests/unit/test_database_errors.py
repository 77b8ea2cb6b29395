"""Which failures answer 503 (retry later), which are worth running again, and which are bugs (500):
decided anywhere along the cause chain, the way a route or an intake delivery sees them."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from awooop.core.db import is_retryable_error, is_unavailable_error
from awooop.errors import ServiceUnavailable
from awooop.hub.outage import database_unavailable


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _raised_from(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


LOCKED = OperationalError("INSERT …", {}, Exception("database is locked"))
DEADLOCK = OperationalError("UPDATE …", {}, _DriverError("deadlock detected", "40P01"))
DUPLICATE = IntegrityError("INSERT …", {}, _DriverError("duplicate key", "23505"))


@pytest.mark.parametrize(
    ("error", "unavailable", "retryable"),
    [
        (LOCKED, True, False),
        (_raised_from(RuntimeError("routing failed"), LOCKED), True, False),
        (ConnectionRefusedError("refused"), True, False),
        (_DriverError("cannot connect now", "57P03"), True, False),
        (DEADLOCK, False, True),
        (_raised_from(ValueError("batch failed"), DEADLOCK), False, True),
        (DUPLICATE, False, False),
        (ValueError("a bug"), False, False),
    ],
)
def test_the_cause_chain_decides_503_retry_or_500(error: Exception, unavailable: bool, retryable: bool) -> None:
    assert is_unavailable_error(error) is unavailable
    assert is_retryable_error(error) is retryable


def test_a_cause_chain_that_loops_is_walked_once() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__cause__, second.__cause__ = second, first
    assert is_unavailable_error(first) is False
    assert is_retryable_error(first) is False


def test_intake_answers_503_for_its_own_service_unavailable_anywhere_in_the_chain() -> None:
    busy = ServiceUnavailable("intake queue full")
    assert database_unavailable(_raised_from(RuntimeError("commit failed"), busy)) is True
    assert database_unavailable(_raised_from(RuntimeError("wrapped"), LOCKED)) is True
    assert database_unavailable(RuntimeError("a bug")) is False
