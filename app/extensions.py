"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"
login_manager.login_message = "Please log in to open the dashboard."
login_manager.login_message_category = "info"

csrf = CSRFProtect()
