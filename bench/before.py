"""notify_admin as it was before a change: a worktree of that commit, and its venv.

    .venv/bin/python bench/before.py             # create or update, print paths
    BENCH_BEFORE_REF=<commit> .venv/bin/python bench/before.py

The "before" of issue 25 is main at the point its branch started
(``BEFORE_REF``). ``git worktree add --detach`` puts that commit in
``bench/.work/before`` (git-ignored; moved to the ref if it exists), and a
virtualenv in ``bench/.work/before-venv`` gets it installed (editable, with
the extras the benchmarks use). ``bench/issue25.py`` runs the same benchmark
driver against it and against this checkout, in one run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / ".work"
TREE = WORK / "before"
VENV = WORK / "before-venv"
# main when issue 25's branch started (docs/performance.md says what changed).
BEFORE_REF = os.environ.get("BENCH_BEFORE_REF", "0e56966")
EXTRAS = "console,postgres,anymail,celery,metrics"
EXTRA_PACKAGES = ["dj-database-url>=2.1", "psycopg[binary]>=3.1", "aiosmtpd>=1.4"]


def git(*args, cwd=REPO):
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def ensure_tree(ref=BEFORE_REF):
    wanted = git("rev-parse", f"{ref}^{{commit}}")
    if not (TREE / ".git").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "--detach", str(TREE), wanted)
    elif git("rev-parse", "HEAD", cwd=TREE) != wanted:
        git("checkout", "--detach", wanted, cwd=TREE)
    return TREE, wanted


def ensure_venv(commit):
    python = VENV / "bin" / "python"
    marker = VENV / ".installed"
    wanted = json.dumps([commit, EXTRAS, EXTRA_PACKAGES])
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    print(f"  installing notify_admin {commit[:10]} into {VENV} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{TREE}[{EXTRAS}]", *EXTRA_PACKAGES], check=True)
    marker.write_text(wanted)
    return python


def ensure():
    """``(tree, python, commit)`` of notify_admin before the change."""
    tree, commit = ensure_tree()
    return tree, ensure_venv(commit), commit


if __name__ == "__main__":
    tree, python, commit = ensure()
    print(f"before: {commit} in {tree}, {python}")
