"""Tests of `clients/primers/`: the talk's walks and its event-loop demo."""
