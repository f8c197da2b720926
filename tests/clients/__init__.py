"""Tests of `clients/`, in folders that mirror its rooms; the top-level modules beside them."""
