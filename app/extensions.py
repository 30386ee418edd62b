"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from flask_babel import gettext
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from data.i18n import N_

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"
login_manager.login_message = N_("Please log in to open the dashboard.")
login_manager.localize_callback = gettext  # the message in the request's language
login_manager.login_message_category = "info"

csrf = CSRFProtect()
