"""Component ids, defined once so callbacks and layouts never disagree on a string."""

URL = "url"


def tab_link(key: str) -> str:
    """Id of the navigation link of tab ``key`` (store, category, product, admin)."""
    return f"tab-{key}"


PAGE = "page-content"
NAV = "main-nav"


ADMIN_SUMMARY = "admin-summary"
ADMIN_UPLOADS = "admin-uploads"
ADMIN_REFRESH = "admin-refresh"

# --- admin console (components/admin/, callbacks/admin/) ---
ADMIN_TABS = "admin-tabs"
ADMIN_UPLOAD = "admin-upload"
ADMIN_UPLOAD_LIMIT = "admin-upload-limit"
ADMIN_UPLOAD_PREVIEW = "admin-upload-preview"
ADMIN_UPLOAD_STAGED = "admin-upload-staged"
ADMIN_UPLOAD_CONFIRM = "admin-upload-confirm"
ADMIN_UPLOAD_CANCEL = "admin-upload-cancel"
ADMIN_UPLOAD_RESULT = "admin-upload-result"
ADMIN_DATA_STATUS = "admin-data-status"
ADMIN_UNDO = "admin-undo"  # pattern id type: {"type": ADMIN_UNDO, "upload": <upload id>}
ADMIN_UNDO_MODAL = "admin-undo-modal"
ADMIN_UNDO_TEXT = "admin-undo-text"
ADMIN_UNDO_CONFIRM = "admin-undo-confirm"
ADMIN_UNDO_CANCEL = "admin-undo-cancel"
ADMIN_UNDO_PENDING = "admin-undo-pending"
ADMIN_UNDO_DONE = "admin-undo-done"
ADMIN_UNDO_MESSAGE = "admin-undo-message"

ADMIN_RETRAIN = "admin-retrain"
ADMIN_RETRAIN_MODAL = "admin-retrain-modal"
ADMIN_RETRAIN_CONFIRM = "admin-retrain-confirm"
ADMIN_RETRAIN_CANCEL = "admin-retrain-cancel"
ADMIN_RETRAIN_MESSAGE = "admin-retrain-message"
ADMIN_RETRAIN_REQUESTED = "admin-retrain-requested"
ADMIN_JOB_POLL = "admin-job-poll"
ADMIN_JOB_CANCEL = "admin-job-cancel"
ADMIN_JOB_CANCEL_MESSAGE = "admin-job-cancel-message"
ADMIN_JOB_PROGRESS = "admin-job-progress"
ADMIN_JOB_STATUS = "admin-job-status"
ADMIN_JOB_OUTCOME = "admin-job-outcome"
ADMIN_JOB_STATE = "admin-job-state"
ADMIN_SCHEDULE = "admin-schedule"
ADMIN_JOBS_GRID = "admin-jobs-grid"

ADMIN_REGISTRY_LEVEL = "admin-registry-level"
ADMIN_REGISTRY_GRID = "admin-registry-grid"
ADMIN_REGISTRY_MESSAGE = "admin-registry-message"
ADMIN_MODELS_CHANGED = "admin-models-changed"
ADMIN_COMPARE = "admin-compare"
ADMIN_COMPARE_OUT = "admin-compare-out"
ADMIN_PROMOTE = "admin-promote"
ADMIN_PROMOTE_MODAL = "admin-promote-modal"
ADMIN_PROMOTE_TEXT = "admin-promote-text"
ADMIN_PROMOTE_REASON = "admin-promote-reason"
ADMIN_PROMOTE_CONFIRM = "admin-promote-confirm"
ADMIN_PROMOTE_CANCEL = "admin-promote-cancel"
ADMIN_REPORT = "admin-report"
ADMIN_REPORT_MODAL = "admin-report-modal"
ADMIN_REPORT_BODY = "admin-report-body"
ADMIN_REPORT_CLOSE = "admin-report-close"

ADMIN_USERS_GRID = "admin-users-grid"
ADMIN_USERS_CHANGED = "admin-users-changed"
ADMIN_USER_MESSAGE = "admin-user-message"
ADMIN_USER_NAME = "admin-user-name"
ADMIN_USER_ROLE = "admin-user-role"
ADMIN_USER_PASSWORD = "admin-user-password"
ADMIN_USER_CREATE = "admin-user-create"
ADMIN_USER_TARGET = "admin-user-target"
ADMIN_USER_ACTIVATE = "admin-user-activate"
ADMIN_USER_DEACTIVATE = "admin-user-deactivate"
ADMIN_USER_RESET = "admin-user-reset"
ADMIN_USER_CONFIRM_MODAL = "admin-user-confirm-modal"
ADMIN_USER_CONFIRM_TEXT = "admin-user-confirm-text"
ADMIN_USER_CONFIRM = "admin-user-confirm"
ADMIN_USER_CONFIRM_CANCEL = "admin-user-confirm-cancel"
ADMIN_USER_PENDING = "admin-user-pending"
ADMIN_USER_SCOPE_STORES = "admin-user-scope-stores"
ADMIN_USER_SCOPE_SAVE = "admin-user-scope-save"
ADMIN_USER_SCOPE_ALL = "admin-user-scope-all"
ADMIN_REQUESTS = "admin-requests"
ADMIN_REQUEST_TARGET = "admin-request-target"
ADMIN_REQUEST_ROLE = "admin-request-role"
ADMIN_REQUEST_APPROVE = "admin-request-approve"
ADMIN_REQUEST_REJECT = "admin-request-reject"

ADMIN_AUDIT_GRID = "admin-audit-grid"
# --- end admin console ---

# Forecast tabs (store, category, product). Filter controls use pattern ids
# ``{"type": FILTER, "name": <state field>}`` so one callback reads whichever filters a tab has.
FILTER = "ts-filter"
FILTER_NAMES = ("store", "category", "product", "freq", "horizon", "history", "backtest")
LINK_PROBLEMS = "link-problems"
VIEW_ALERT = "view-alert"
REPORTING_NOTE = "reporting-note"  # "Sales complete through …" inside VIEW_ALERT
KPI_ROW = "kpi-row"
FORECAST_TITLE = "forecast-title"
FORECAST_GRAPH = "forecast-graph"
FORECAST_NOTE = "forecast-note"
MODEL_CARD = "model-card"
BREAKDOWN_TITLE = "breakdown-title"
BREAKDOWN_GRAPH = "breakdown-graph"
BREAKDOWN_NOTE = "breakdown-note"
EXPORT_CSV = "export-csv"
EXPORT_XLSX = "export-xlsx"
EXPORT_PNG = "export-png"
COPY_LINK = "copy-link"
COPY_LINK_STATUS = "copy-link-status"
COPY_LINK_DONE = "copy-link-done"  # dcc.Store with the "Link copied" text shown after a copy
BREAKDOWN_LIST = "breakdown-list"  # the keyboard-operable list of the breakdown's bars (drill-down links)
DOWNLOAD = "forecast-download"


def filter_id(name: str) -> dict[str, str]:
    """The pattern id of the filter control ``name`` (one of ``FILTER_NAMES``)."""
    if name not in FILTER_NAMES:
        raise ValueError(f"unknown filter {name!r}; expected one of {', '.join(FILTER_NAMES)}")
    return {"type": FILTER, "name": name}


# Forecast monitoring (components/monitoring.py, callbacks/monitoring.py).
ACCURACY_CARD = "accuracy-card"
ACCURACY_GRAPH = "accuracy-graph"
ACCURACY_NOTE = "accuracy-note"
ACCURACY_CSV = "accuracy-csv"
ACCURACY_XLSX = "accuracy-xlsx"
ACCURACY_DOWNLOAD = "accuracy-download"
MODEL_LIVE_ERROR = "model-live-error"
ADMIN_DRIFT = "admin-drift"


def drift_badge(key: str) -> str:
    """Id of the drift badge inside the navigation link of forecast tab ``key``."""
    return f"drift-badge-{key}"


ADMIN_EVENTS_UPLOAD = "admin-events-upload"
ADMIN_EVENTS_RESULT = "admin-events-result"
ADMIN_EVENTS_LIST = "admin-events-list"
