"""What starts processes and talks HTTP: the server, the workers, compare and sweep."""
