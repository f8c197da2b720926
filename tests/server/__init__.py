"""Tests of the server, in folders that mirror `server/`."""
