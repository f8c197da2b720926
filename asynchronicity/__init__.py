"""asynchronicity: see and measure what concurrency buys an I/O-bound program.

Installed, everything lives under this one name: `asynchronicity.server` (the fake usajobs
API), `asynchronicity.clients` (the clients, compare and reports) and
`asynchronicity.scenarios` (the shipped scenario files). In a checkout those sit beside this
folder, at the top of the repository; this package then reaches them as the same names.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

_HERE = Path(__file__).resolve().parent
if not (_HERE / "clients").is_dir() and (_HERE.parent / "clients" / "__init__.py").is_file():
    # A checkout: server/ and clients/ are the repository's own top-level folders.
    __path__.append(str(_HERE.parent))
