"""Tests of `server/models/`."""
