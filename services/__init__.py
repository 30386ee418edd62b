"""Application use cases shared by the callbacks, the CLI and the routes (one module per use case)."""
