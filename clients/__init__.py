"""The talk's fan-out as blocking, threaded, asyncio and uvloop clients, measured side by side.

The package is `clients` in a checkout and `asynchronicity.clients` when installed; its
subprocesses (`python -m PACKAGE worker`, `python -m SERVER_PACKAGE`) follow that name.
"""

from typing import Final

__all__ = ["PACKAGE", "SERVER_PACKAGE", "__version__"]

__version__ = "0.1.0"

PACKAGE: Final = __name__
SERVER_PACKAGE: Final = __name__.rpartition("clients")[0] + "server"  # its sibling
