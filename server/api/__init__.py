"""The fake usajobs API on the wire: `/api/jobs` and `/api/search`.

`handler` is the one handler per route (refuse, parse, plan, answer, count — the hot path);
`delivery` delivers what a plan says on the wire (a delay, a reset, a hang, a truncated,
malformed or slow body); `timing` is the `Server-Timing` format; `params` parses the query,
`data`, `zipsets` and `envelopes` make the deterministic answers, and `responses` the JSON
error every route answers with.

May import: `server.models`, `server.config`, `server.accounting`, `server.state` and
`server.errors` — never the admin routes, the OpenAPI document, the app or the CLI.
"""
