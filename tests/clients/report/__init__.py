"""Tests of `clients/report/`: the table, notes, trains, timelines, plots, exports and the page."""
