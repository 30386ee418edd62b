"""Application use cases, one module per use case, shared by the callbacks, the CLI and the routes.

Adapters (``callbacks/``, ``app/``) parse input, call one function here and render its typed result.
This package calls ``data/``, ``models/`` and ``scheduler/``; it never imports Flask, Dash,
``app``, ``callbacks`` or ``components``.
"""
