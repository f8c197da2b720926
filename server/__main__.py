"""`python -m server`: run the fake usajobs API."""

from server.cli import main

raise SystemExit(main())
