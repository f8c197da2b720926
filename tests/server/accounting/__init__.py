"""Tests of `server/accounting/`."""
