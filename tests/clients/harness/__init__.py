"""Tests of `clients/harness/`: workers, launcher, compare, sweep, leases, journal, store."""
