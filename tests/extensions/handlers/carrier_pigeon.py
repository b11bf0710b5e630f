"""An extra channel in the original package's style: module-level functions.

With ``NOTIFICATION_SYSTEM_TARGETS["carrier_pigeon"]["coop_url"]`` set, a
message flies over HTTP to the coop (``tests/support/fakes/coop.py``); otherwise it
is only counted in ``sent``. A few bodies trigger the failure paths.
"""

import requests
from django.conf import settings

from notify_admin.channels.base import Outcome

sent = []
created = []


def create_notification(
    user,
    title,
    body,
    scheduled_delivery=None,
    retry_time_interval=0,
    max_retries=3,
    quiet=False,
    extra=None,
):
    """The original package's creator, with the seed's signature: it only
    records the call (notify_admin's creators call it for this module)."""
    created.append((user.pk, title, body, quiet))
    return [("created", user.pk, title, body)]


def send_notification(notification):
    if notification.body == "explode":
        raise RuntimeError("the pigeon flew off")
    if notification.body == "no such coop":
        return Outcome.dead_address("no_coop", "There is no such coop.")
    coop_url = settings.NOTIFICATION_SYSTEM_TARGETS.get("carrier_pigeon", {}).get(
        "coop_url"
    )
    if coop_url:
        return fly(coop_url, notification)
    sent.append(notification.pk)
    if notification.body == "to the user":
        # As the original package's handlers do: the user is not loaded with
        # the notification, so this reads the database while sending.
        return f"pigeon-to-{notification.user_target.user.username}"
    return f"pigeon-{len(sent)}"


def fly(coop_url, notification):
    """Returns the coop's id; raises (to retry) on trouble; an Outcome for a
    refusal that retrying would not change."""
    response = requests.post(
        f"{coop_url}/coop",
        json={"to": notification.user_target.target_user_id, "body": notification.body},
        timeout=1,
    )
    if response.status_code == 410:
        return Outcome.dead_address("no_such_coop", response.text)
    if response.status_code == 401:
        return Outcome.credentials("bad_key", response.text)
    if 400 <= response.status_code < 500 and response.status_code != 429:
        return Outcome.permanent(f"http_{response.status_code}", response.text)
    response.raise_for_status()
    return response.json()["id"]
