"""Provider feedback: what happened after the provider said yes.

- ``verdicts``: the provider vocabularies mapped to verdicts, and the
  forward-only rules (pure functions).
- ``recording``: applies verdicts to attempts, notifications and records
  with a fixed number of statements per batch.
- ``receipts``: polled receipts (Expo), claimed like notifications.
- ``twilio``: the signed Twilio status-callback view.
- ``email``: django-anymail's ``tracking`` signal receiver.
"""
