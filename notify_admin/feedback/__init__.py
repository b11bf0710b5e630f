"""Provider feedback: what happened after the provider said yes.

- ``verdicts``: the providers' words mapped to verdicts, and the forward-only
  rules (pure functions).
- ``recording``: applies verdicts to attempts, notifications, records and the
  ProviderEvent history, a fixed number of statements per batch.
- ``receipts``: polled receipts (Expo's ``check_receipts``), claimed like
  notifications; ``channels``: which channels offer receipts.
- ``twilio``: the signed Twilio status-callback view; ``webhooks``: the
  public URL providers call back.
- ``email``: django-anymail's ``tracking`` signal receiver.
- ``checks``: the system checks of the feedback settings.
"""
