"""Benchmarks: server overhead, injection and distribution fidelity, client cost, fan-out."""

__all__ = ["__version__"]

__version__ = "0.1.0"
