"""Tests of `server/admin/`."""
