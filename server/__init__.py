"""A fake usajobs API: deterministic data, injected latency and faults, honest accounting."""

__all__ = ["NAME", "__version__"]

NAME = "asynchronicity"  # what /health says this server is, so a client can tell it from another
__version__ = "0.1.0"
