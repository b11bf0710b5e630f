"""Expo push receipts through ``PushClient.check_receipts_multiple``.

The SDK posts the ids to ``/--/api/v2/push/getReceipts``, 1,000 a request;
a receipt missing from the answer is not ready yet.
"""

from exponent_server_sdk import PushTicket

from .verdicts import expo_verdict


class ExpoReceipts:
    """Reads receipts with the Expo channel's own client settings."""

    def __init__(self, channel):
        self.channel = channel

    def check_receipts(self, ticket_ids):
        """``{ticket_id: Verdict}`` for the tickets whose receipt is ready.

        Raises the SDK's or requests' error when the endpoint is unavailable.
        """
        client = self.channel.client()
        tickets = [
            PushTicket(push_message=None, status="ok", message="", details=None, id=i)
            for i in ticket_ids
        ]
        try:
            receipts = client.check_receipts_multiple(tickets)
        finally:
            client.session.close()
        return {
            receipt.id: expo_verdict(receipt.status, receipt.message, receipt.details)
            for receipt in receipts
        }
