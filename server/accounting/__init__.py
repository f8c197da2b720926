"""Honest accounting: what the server meant to do, what it did, and what that cost it.

`journal` is the record of every API request, bounded in entries and bytes (the entry's
layout and what it costs are stated there); `stats` the counts and gauges, and
`Stats.finished`, the one call that journals a request (and counts it, on the common path);
`timings` the timing series, kept as histograms; `attempts` the attempt number of each
request; `metrics` the stats as Prometheus text. Every figure is kept as requests end, so no
read scans the journal.

May import: `server.config` and `server.models` — nothing that serves or answers (the API,
the admin routes, the state object).
"""
