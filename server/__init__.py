"""A fake usajobs API: deterministic data, injected latency and faults, honest accounting."""

__all__ = ["__version__"]

__version__ = "0.1.0"
