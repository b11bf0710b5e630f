"""Where things are, whatever the folder of the test that asks."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
