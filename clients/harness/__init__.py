"""What starts processes and talks HTTP: the server, the workers, compare and sweep.

Nothing here prints (the console shows what it returns). May import `results`, `scenario`,
`sweeps`, `expectations`, `kinds`, `records` and the other modules at the top of clients; never
`report` or the console, and no rich.
"""
