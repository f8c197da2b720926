"""Tests of `server/api/`."""
