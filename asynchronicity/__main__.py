"""`python -m asynchronicity`: the same as the `asynchronicity` command."""

from .cli import main

raise SystemExit(main())
