"""The tests' own map (tests/README.md): test modules sit in a layer's folder,
none imports from another test module (shared code is in tests/support/), and
each fixture name is defined once in the whole tree.

Read with ``ast`` and no imports, so a broken module still gets a clear answer.
"""

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
THIS = Path(__file__).resolve()


def python_files():
    return sorted(
        path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts
    )


def module_name(path):
    parts = path.relative_to(TESTS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def owning_test_module(dotted):
    """The test module (``tests.<...>.test_<...>``, a module pytest collects
    tests from) that the dotted name is or is in; None for any other."""
    parts = dotted.split(".")
    if parts[0] != "tests":
        return None
    for n, part in enumerate(parts):
        if part.startswith("test_"):
            return ".".join(parts[: n + 1])
    return None


def imported_test_modules(source, dotted):
    """The test modules the source of module ``dotted`` imports, by name.

    Every ``import`` and ``from ... import`` anywhere in the file (in functions
    too), relative ones resolved against the module's package, and the module
    names listed in ``pytest_plugins``.
    """
    package = dotted.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append(module)
            # ``from tests.browser import test_flows`` imports a module too.
            found += [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytest_plugins"
            for target in node.targets
        ):
            found += [
                item.value
                for item in ast.walk(node.value)
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            ]
    return sorted({owning_test_module(name) for name in found} - {None})


def fixture_names(source):
    """(name, line) of every ``@pytest.fixture``/``@fixture`` function, by the
    name tests ask for (``name=`` when given)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target).split(".")[-1] != "fixture":
                continue
            name = node.name
            for keyword in call.keywords if call else []:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    name = keyword.value.value
            names.append((name, node.lineno))
    return names


def test_no_test_module_imports_another_test_module():
    offenders = {}
    for path in python_files():
        imported = imported_test_modules(path.read_text(), module_name(path))
        if imported:
            offenders[str(path.relative_to(TESTS.parent))] = imported
    assert offenders == {}, (
        "move what these import into tests/support/ (helpers) or a conftest.py "
        f"(fixtures): {offenders}"
    )


def test_the_import_check_sees_every_form():
    seen = imported_test_modules(
        "import tests.channels.test_email\n"
        "from tests.delivery.test_engine import refresh\n"
        "from tests.browser import test_flows\n"
        "def later():\n"
        "    from .test_contract import Provider\n"
        "from ..operations import test_celery as celery_tests\n"
        'pytest_plugins = ["tests.admin.test_actions"]\n'
        "from tests.support.bulk import populate\n"
        "import tests.settings\n",
        "tests.feedback.test_twilio",
    )
    assert seen == [
        "tests.admin.test_actions",
        "tests.browser.test_flows",
        "tests.channels.test_email",
        "tests.delivery.test_engine",
        "tests.feedback.test_contract",
        "tests.operations.test_celery",
    ]


def test_each_fixture_name_is_defined_once():
    defined = defaultdict(list)
    for path in python_files():
        for name, line in fixture_names(path.read_text()):
            defined[name].append(f"{path.relative_to(TESTS.parent)}:{line}")
    twice = {name: places for name, places in defined.items() if len(places) > 1}
    assert twice == {}, (
        "one definition per fixture name: shared ones in tests/conftest.py, a "
        f"layer's in its conftest.py, others renamed for what they make: {twice}"
    )
    # The walk finds the fixtures it must (it reads conftest files too).
    assert {"make_user", "due", "browser", "people", "sms_server"} <= set(defined)


def test_the_fixture_check_sees_every_form():
    source = (
        "import pytest\nfrom pytest import fixture\n"
        "@pytest.fixture\ndef plain(): pass\n"
        '@pytest.fixture(scope="module")\ndef scoped(): pass\n'
        "@fixture\ndef bare(): pass\n"
        '@pytest.fixture(name="renamed")\ndef _impl(): pass\n'
        "@pytest.mark.slow\ndef test_not_a_fixture(): pass\n"
    )
    assert [name for name, _ in fixture_names(source)] == [
        "plain",
        "scoped",
        "bare",
        "renamed",
    ]


def test_test_modules_live_in_a_layer_package():
    misplaced = []
    for path in python_files():
        if not path.name.startswith("test_") or path == THIS:
            continue
        folder = path.parent
        # A layer folder right under tests/, a package (two layers may each
        # have a test_email.py), and never the support package.
        if (
            folder.parent != TESTS
            or folder.name == "support"
            or not (folder / "__init__.py").exists()
        ):
            misplaced.append(str(path.relative_to(TESTS.parent)))
    assert misplaced == [], (
        "put test modules in a layer folder (tests/<layer>/ with an __init__.py; "
        f"tests/README.md): {misplaced}"
    )
