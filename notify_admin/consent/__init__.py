"""Consent: what recipients want, decided when the engine claims a batch.

The seed's NotificationOptOut stays the master switch. Below it:

- ``rules``: whether a user's preferences let a notification go (a pure
  function; the claim runs the same rule as SQL, see
  ``NotificationQuerySet.with_consent``).
- ``quiet_hours``: quiet-hour windows and blackout days in the recipient's
  time zone, and when a held notification may go (pure functions).
- ``hooks``: where a recipient's time zone and quiet hours come from (the
  ``NOTIFICATION_SYSTEM_QUIET_HOURS_HOOK`` callable, else RecipientSettings
  rows, else the site default ``NOTIFICATION_SYSTEM_QUIET_HOURS``).
- ``grid``: a user's category x channel grid (admin and preference page).
- ``changes``: applying a grid or an unsubscribe, recorded.
- ``tokens``: the signed links (one-click unsubscribe, preference page).
- ``views``: the recipient's pages (no login; the token is the key).
"""
