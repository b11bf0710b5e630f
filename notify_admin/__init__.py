"""notify_admin: a Django operations console for user notifications."""

__version__ = "0.1.0"
