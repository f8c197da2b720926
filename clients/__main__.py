"""`python -m clients`: run one client, or compare them all on a scenario."""

from clients.cli import main

raise SystemExit(main())
