"""Django settings for the benchmark's three systems (never used elsewhere)."""
