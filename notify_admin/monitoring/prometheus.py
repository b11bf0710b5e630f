"""The health figures in Prometheus text format (optional extra ``metrics``)."""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge
from prometheus_client.exposition import generate_latest


def render(health):
    """Return ``(body, content_type)`` for one scrape."""
    registry = CollectorRegistry()

    def gauge(name, text, value, labels=None):
        metric = Gauge(
            f"notify_admin_{name}", text, labelnames=labels or (), registry=registry
        )
        if value is not None and not labels:
            metric.set(value)
        return metric

    gauge("up", "1 when the health check passes.", int(health.healthy))
    gauge("database_up", "1 when the database answered.", int(health.database))
    gauge("due_notifications", "Notifications due and not leased.", health.due)
    gauge(
        "oldest_due_age_seconds",
        "Age of the oldest due notification (0 when none is due).",
        health.oldest_due_age or 0,
    )
    if health.last_run_age is not None:
        gauge(
            "last_run_age_seconds",
            "Seconds since a delivery run last finished.",
            health.last_run_age,
        )
    failures = gauge(
        "failures_last_hour",
        "Failed, retried and inactive-device attempts in the last hour.",
        None,
        labels=("target",),
    )
    for target, count in sorted(health.failures_last_hour.items()):
        failures.labels(target=target).set(count)
    paused = gauge(
        "target_paused",
        "1 for each paused target (source: staff, credentials, configuration).",
        None,
        labels=("target", "source"),
    )
    for pause in health.paused_targets:
        paused.labels(target=pause["target"], source=pause["source"]).set(1)
    return generate_latest(registry), CONTENT_TYPE_LATEST
