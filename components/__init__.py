"""Layout pieces of the dashboard: pure functions that return Dash components."""
