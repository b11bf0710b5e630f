"""What the tests share: fake provider servers, child-process helpers, bulk
rows, the browser, Celery and hostile-input helpers (tests/README.md lists each
module). Test modules import from here, never from another test module;
fixtures live in conftest.py files, each defined once.
"""
