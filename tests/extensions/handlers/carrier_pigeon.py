"""An extra channel in the original package's style: module-level functions."""

from notify_admin.channels.base import Outcome

sent = []


def send_notification(notification):
    if notification.body == "explode":
        raise RuntimeError("the pigeon flew off")
    if notification.body == "no such coop":
        return Outcome.dead_address("no_coop", "There is no such coop.")
    sent.append(notification.pk)
    if notification.body == "to the user":
        # As the original package's handlers do: the user is not loaded with
        # the notification, so this reads the database while sending.
        return f"pigeon-to-{notification.user_target.user.username}"
    return f"pigeon-{len(sent)}"
