"""Tests of `bench/`: the benchmarks' figures, reports and a smoke run."""
