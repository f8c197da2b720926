"""Honest accounting: what the server meant to do, what it did, and what that cost it.

`journal` is the bounded record of every API request (the entry's layout is stated there);
`stats` the counts, gauges and timing series, and `Stats.finished`, the one call that journals
a request (and counts it, on the common path); `attempts` the attempt number of each request;
`metrics` the stats as Prometheus text.

May import: `server.config` and `server.models` — nothing that serves or answers (the API,
the admin routes, the state object).
"""
