"""No import circle among notify_admin's modules.

Every ``import`` and ``from ... import`` in notify_admin's source is read
with ``ast``, at module level and inside functions alike (an import in a
function only delays a circle to the first call), with the packages a
submodule import runs (``from ..channels.base import X`` runs
``notify_admin/channels/__init__.py`` too). A module's own parent packages
do not count: Python has them in hand before the module runs. Migrations
(loaded by Django's loader, imported by no module) and the standalone site
(imported by no module) are left out.
"""

import ast
from pathlib import Path

import notify_admin

PACKAGE = Path(notify_admin.__file__).resolve().parent


def modules():
    """``{dotted name: (path, is_package)}`` of notify_admin's modules."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["notify_admin", *path.relative_to(PACKAGE).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        if "migrations" in parts or parts[1:2] == ["site"]:
            continue
        found[".".join(parts)] = (path, is_package)
    return found


def imported_names(path, name, is_package):
    """Every dotted name an import in ``path`` may load."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            # ``from package import submodule`` loads the submodule.
            yield from (f"{module}.{alias.name}" for alias in node.names)


def import_graph():
    found = modules()
    graph = {name: set() for name in found}
    for name, (path, is_package) in found.items():
        for target in imported_names(path, name, is_package):
            parts = target.split(".")
            # The module and every package on the way to it.
            for i in range(1, len(parts) + 1):
                step = ".".join(parts[:i])
                if step in found and step != name and not name.startswith(step + "."):
                    graph[name].add(step)
    return graph


def circles(graph):
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_circle_among_notify_admins_modules():
    assert circles(import_graph()) == []


def test_the_walk_finds_in_function_imports_and_the_circles_they_make():
    """The check itself: the three circles issue 20 removed, as they were."""
    graph = import_graph()
    assert "notify_admin.channels.registry" in graph["notify_admin.validators"]
    assert "notify_admin.delivery" in graph["notify_admin.runner"]
    was = {
        # channels/base -> creators -> registry -> module -> base
        "notify_admin.channels.base": {"notify_admin.creators"},
        # processes <-> the process_notifications command
        "notify_admin.processes": {
            "notify_admin.management.commands.process_notifications"
        },
        # models: notification <-> opt_out / target_user_record
        "notify_admin.models.opt_out": {"notify_admin.models.notification"},
    }
    for module, extra in was.items():
        changed = {name: set(edges) for name, edges in graph.items()}
        changed[module] |= extra
        assert any(module in group for group in circles(changed)), module


def test_the_channel_layer_imports_no_model():
    """The channels' base, registry and vocabulary are what the models reach
    (through validators): they import nothing of the models, delivery,
    feedback or admin."""
    graph = import_graph()
    layer = [
        "notify_admin.channels",
        "notify_admin.channels.base",
        "notify_admin.channels.module",
        "notify_admin.channels.outcome",
        "notify_admin.channels.registry",
        "notify_admin.channels.sizes",
        "notify_admin.channels.verdicts",
        "notify_admin.channels.webhooks",
    ]
    above = ("models", "delivery", "feedback", "admin", "creators")
    for module in layer:
        for target in graph[module]:
            assert not target.startswith(
                tuple(f"notify_admin.{name}" for name in above)
            ), (module, target)
