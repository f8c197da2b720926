"""`python -m server`: run the fake usajobs API."""

from .cli import main

raise SystemExit(main())
