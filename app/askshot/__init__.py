"""Askshot: screenshot-and-ask desktop assistant."""

__version__ = "0.1.0"

# The one application id: desktop entry and icon names, the Wayland app id, the portal
# registration, autostart. Reverse DNS, valid for GApplication (g_application_id_is_valid).
APP_ID = "io.github.askshot.Askshot"
