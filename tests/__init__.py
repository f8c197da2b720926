"""The test suite, in folders that mirror the packages; `helpers` holds what several test
modules share, `builders` the results and scenarios they build by hand."""
