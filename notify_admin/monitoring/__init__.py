"""Health and metrics for uptime checks and Prometheus: figures, views."""
