"""What spans server and clients: layers, the contract, OpenAPI, packaging, README commands."""
