"""Sales data: schema, database access, import and validation, storage queries, demo data.

This package imports none of the other Trend Sales packages.
"""
