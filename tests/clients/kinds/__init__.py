"""Tests of `clients/kinds/`: every client kind against the real server, and their pure parts."""
