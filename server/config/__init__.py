"""The configuration: what the server is told, checked once, and what it makes of it.

`settings` holds the frozen dataclasses (`ServerConfig` and its parts), `parser` builds them
from a document (a scenario file's `seed`, `speed` and `[server]`, or an admin body), with the
keys and bounds it enforces; `documents` is the one key, nesting and size checker every
document passes; `plan` is what a configuration does to one request (`Planner`).

May import: `server.models` and `server.errors` — nothing that serves, counts or answers.
"""
