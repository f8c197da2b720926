"""The admin API, `/__admin/*` and `/metrics`: loopback peers only.

`routes` registers every admin route (scenario, reset, stats, metrics, preview, warm); `lease`
is the lease over HTTP and what it accepts; `journal` reads the request journal out;
`workload` parses what a preview or a warm-up is asked about, and `preview` computes what the
active scenario will do to it; `plumbing` is what they share (who may ask, reading a body,
handing the loop back) — and what the app's guard and the CLI ask (`is_loopback`).

May import: `server.api`, `server.accounting`, `server.config`, `server.models`,
`server.state` and `server.errors` — never the OpenAPI document, the app or the CLI.
"""
