"""The documented Celery beat schedule for notify_admin's tasks.

Imports nothing of Django's, so a host's ``celery.py`` may import it before
Django is set up::

    from notify_admin.beat import BEAT_SCHEDULE
    app.conf.beat_schedule = {**BEAT_SCHEDULE}
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Cron's "every minute": one run delivers everything due, in batches.
    "notify-admin-deliver-due": {
        "task": "notify_admin.deliver_due",
        "schedule": 60.0,
        # A tick nobody picked up within a minute is superseded by the next.
        "options": {"expires": 55},
    },
    # Expo receipts (tickets are checked 15 minutes after sending at the
    # earliest); a no-op until the provider-feedback module is installed.
    "notify-admin-check-receipts": {
        "task": "notify_admin.check_receipts",
        "schedule": 5 * 60.0,
        "options": {"expires": 4 * 60},
    },
    # Send jobs: creates large jobs left to the background (or whose worker
    # died), moves jobs on (scheduled, sending, finished) and deletes the
    # files of jobs never started: process_send_jobs, cron's other minute.
    "notify-admin-process-send-jobs": {
        "task": "notify_admin.process_send_jobs",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Retention, once a day at a quiet hour.
    "notify-admin-purge": {
        "task": "notify_admin.purge",
        "schedule": crontab(hour=3, minute=17),
    },
}
