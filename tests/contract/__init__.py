"""Tests of what spans both halves: the contract between them, the layers, the OpenAPI document."""
