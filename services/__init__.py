"""Application use cases: one module per use case, called by callbacks, CLI commands and routes."""
