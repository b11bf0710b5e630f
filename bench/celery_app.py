"""The Celery app bench/scaling.py's workers run (broker: BENCH_BROKER_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.sites.notify_admin")

app = Celery("notify_admin_bench")
app.conf.broker_url = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
app.conf.worker_prefetch_multiplier = 1
app.conf.task_ignore_result = True
app.autodiscover_tasks(["notify_admin"])
