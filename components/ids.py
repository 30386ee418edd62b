"""Component ids, defined once so callbacks and layouts never disagree on a string."""

URL = "url"
PAGE = "page-content"
NAV = "main-nav"
SESSION_POLL = "session-poll"

STORE_SELECT = "store-select"
STORE_HISTORY_GRAPH = "store-history-graph"
STORE_HISTORY_SUMMARY = "store-history-summary"

ADMIN_SUMMARY = "admin-summary"
ADMIN_UPLOADS = "admin-uploads"
ADMIN_REFRESH = "admin-refresh"
