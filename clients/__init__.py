"""The talk's fan-out as blocking, threaded, asyncio and uvloop clients, measured side by side."""

__all__ = ["__version__"]

__version__ = "0.1.0"
