"""CSV/TSV/JSON import and export of notify_admin's data (django-import-export).

The engine behind both the admin's import/export pages and the
``import_target_user_records`` command. Nothing here imports
``django.contrib.admin``: the command works in a project without it.

- ``formats``: reading uploads safely (encodings, line numbers), safe cells.
- ``columns``: the record file's columns and header checks.
- ``lookups``: users, targets and records of one file, loaded up front.
- ``widgets``: one reader per column.
- ``results``: row problems by line, column and reason; totals.
- ``records``: ``TargetUserRecordResource`` (import and export).
- ``notifications``: ``NotificationResource`` (export only).
"""
