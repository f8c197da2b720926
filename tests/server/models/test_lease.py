"""The lease's bookkeeping on a fake clock: exclusive until released, expiring unless
renewed, and a conflict that names the holder."""

from __future__ import annotations

import pytest

from server.models.lease import LeaseConflict, Leases
from tests.helpers import HOLDER, OTHER_HOLDER, FakeClock

# --- the bookkeeping, on a fake clock ---------------------------------------------------------


def test_a_lease_is_exclusive_until_released() -> None:
    clock = FakeClock(100.0)
    leases = Leases(clock, wall=lambda: 1_700_000_000.0)
    lease = leases.acquire(HOLDER, 15.0)
    assert leases.current() == lease
    with pytest.raises(LeaseConflict) as conflict:
        leases.acquire(OTHER_HOLDER, 15.0)
    assert conflict.value.lease == lease
    assert leases.release(lease.token) == lease
    assert leases.current() is None
    assert leases.acquire(OTHER_HOLDER, 15.0).holder == OTHER_HOLDER


def test_an_unrenewed_lease_expires_and_a_renewed_one_does_not() -> None:
    clock = FakeClock(100.0)
    leases = Leases(clock)
    lease = leases.acquire(HOLDER, 10.0)
    clock.now += 9.0
    leases.renew(lease.token)  # its own ttl again, from now
    clock.now += 9.0
    assert leases.current() is not None
    assert leases.check(lease.token) is not None
    clock.now += 1.0
    assert leases.current() is None
    with pytest.raises(LeaseConflict):
        leases.renew(lease.token)  # lost: the holder must hear it
    with pytest.raises(LeaseConflict):
        leases.check(lease.token)
    assert leases.check(None) is None  # nobody holds it: the server is free again


def test_the_holder_re_taking_its_lease_renews_it() -> None:
    clock = FakeClock(100.0)
    leases = Leases(clock)
    lease = leases.acquire(HOLDER, 10.0)
    clock.now += 5.0
    again = leases.acquire(HOLDER, 20.0, token=lease.token)
    assert again.token == lease.token
    assert again.expires_in(clock()) == 20.0


def test_conflict_message_names_scenario_pid_since_and_expiry() -> None:
    clock = FakeClock(100.0)
    leases = Leases(clock, wall=lambda: 1_700_000_000.0)
    leases.acquire(HOLDER, 15.0)
    clock.now += 2.5
    with pytest.raises(LeaseConflict) as conflict:
        leases.check(None)
    message = str(conflict.value)
    assert message.startswith("held by quick (pid 4242) since 20")
    assert message.endswith("; expires in 13 s")
    assert conflict.value.body()["expires_in"] == 12.5
    assert conflict.value.body()["since"] == 1_700_000_000.0
