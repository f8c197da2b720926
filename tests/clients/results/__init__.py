"""Tests of `clients/results/`: the saved document, summaries, units, diffs and verdicts."""
