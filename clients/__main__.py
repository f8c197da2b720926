"""`python -m clients`: run one client, or compare them all on a scenario."""

from .cli import main

raise SystemExit(main())
