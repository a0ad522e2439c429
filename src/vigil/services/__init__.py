"""Application services: what the CLI (and later the HTTP API) call."""
