"""`python -m bench`: run the benchmarks, print a table each, write bench/results.json."""

from bench.cli import main

raise SystemExit(main())
