"""The test suite; `helpers` holds what several test modules share."""
