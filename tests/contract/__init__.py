"""What spans server and clients: layers, the shared contract, packaging, README commands."""
