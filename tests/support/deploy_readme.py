"""README's "Deploying the console" section, read as the deploy tests run it.

The tests take the production environment, the set-up commands and the
gunicorn command line from README.md itself, so the documentation and what
is tested cannot drift apart.
"""

import os
import re
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECTION = "## Deploying the console"
# What a test machine must set differently from README's example values.
MACHINE_SPECIFIC = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DJANGO_STATIC_ROOT",
}
# The test process's own Django variables never reach the deployed console.
INHERITED_OUT = {"DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DATABASE_URL"}


def section():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else len(text)]


def code_blocks(language="sh"):
    return re.findall(rf"```{language}\n(.*?)```", section(), flags=re.S)


def commands(block):
    """Shell lines with their backslash continuations joined."""
    return [line.strip() for line in block.replace("\\\n", " ").splitlines()]


def environment_file():
    """README's /etc/notify-admin.env as a dict."""
    (block,) = [b for b in code_blocks() if re.match(r"[A-Z_]+=", b)]
    return dict(line.split("=", 1) for line in commands(block) if line)


def setup_commands():
    """migrate, collectstatic, createsuperuser: (extra env, argv) each."""
    (block,) = [b for b in code_blocks() if "collectstatic" in b]
    found = []
    for line in commands(block):
        words = shlex.split(line)
        if not words or "django-admin" not in line:
            continue  # "set -a; . file" and "cd": the test does both its own way
        env = {}
        while "=" in words[0] and not words[0].startswith("venv/"):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        words[0] = str(BIN / Path(words[0]).name)
        found.append((env, words))
    return found


def gunicorn_command(port):
    (line,) = [
        line
        for block in code_blocks()
        for line in commands(block)
        if line.startswith("gunicorn ")
    ]
    words = shlex.split(line)
    words[0] = str(BIN / "gunicorn")
    bind = words.index("--bind") + 1
    assert words[bind] == "127.0.0.1:8000", "README binds gunicorn elsewhere"
    words[bind] = f"127.0.0.1:{port}"
    return words


def production_env(**machine):
    """The documented production environment, with this machine's values.

    Only variables README's environment file names may be given.
    """
    documented = environment_file()
    unknown = set(machine) - set(documented)
    assert not unknown, f"not in README's environment file: {sorted(unknown)}"
    assert set(documented) >= MACHINE_SPECIFIC
    inherited = {k: v for k, v in os.environ.items() if k not in INHERITED_OUT}
    inherited = {k: v for k, v in inherited.items() if k not in documented}
    return {
        **inherited,
        **documented,
        **{key: str(value) for key, value in machine.items()},
        "DJANGO_SETTINGS_MODULE": "notify_admin.site.settings",
        "PYTHONUNBUFFERED": "1",
    }
