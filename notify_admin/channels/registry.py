"""From ``NotificationTarget.notification_module_name`` to a channel.

Built-in channels come first; then the locations in
``NOTIFICATION_SYSTEM_HANDLERS`` and ``NOTIFICATION_SYSTEM_CREATORS`` are
searched in order. A location is either a directory (as in the original
package: a file ``<module_name>.py`` in it) or a dotted package path (a module
``<package>.<module_name>``). See :mod:`notify_admin.channels.module` for what
such a module provides.
"""

import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

from .. import conf
from ..exceptions import UnknownChannel

BUILT_IN = {
    "email": "notify_admin.channels.email",
    "twilio": "notify_admin.channels.twilio",
    "expo": "notify_admin.channels.expo",
}

# Modules loaded from directories, by file path: loaded once per process.
_loaded_files = {}


def get_channel(module_name):
    """A new channel instance for ``module_name``; raises UnknownChannel.

    Each call builds its own instance (its settings read at first use): the
    engine builds one per run and opens it once.
    """
    module = find_module(module_name)
    if module is None:
        raise UnknownChannel(
            module_name, ["built-in channels", *conf.extension_locations()]
        )
    from .module import channel_for_module

    channel = channel_for_module(module, module_name)
    if channel is None:
        raise UnknownChannel(
            module_name, [getattr(module, "__file__", "") or module_name]
        )
    return channel


def available_module_names():
    """Built-in module names and those found in the extension locations."""
    names = list(BUILT_IN)
    for location in conf.extension_locations():
        for name in _names_in(location):
            if name not in names:
                names.append(name)
    return names


def find_module(module_name):
    if not module_name or not module_name.isidentifier():
        return None
    if module_name in BUILT_IN:
        return importlib.import_module(BUILT_IN[module_name])
    for location in conf.extension_locations():
        module = _module_in(location, module_name)
        if module is not None:
            return module
    return None


def is_directory(location):
    return "/" in location or "\\" in location or Path(location).is_dir()


def _module_in(location, module_name):
    if is_directory(location):
        path = Path(location) / f"{module_name}.py"
        return _load_file(path) if path.is_file() else None
    dotted = f"{location}.{module_name}"
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as err:
        # Only "not there" is a miss; an import error inside the module is a bug
        # that must surface.
        if err.name in (dotted, location) or dotted.startswith(f"{err.name}."):
            return None
        raise


def _load_file(path):
    key = str(path.resolve())
    if key not in _loaded_files:
        name = f"notify_admin_ext_{abs(hash(key)):x}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _loaded_files[key] = module
    return _loaded_files[key]


def _names_in(location):
    if is_directory(location):
        directory = Path(location)
        if not directory.is_dir():
            return []
        return sorted(
            p.stem
            for p in directory.glob("*.py")
            if not p.stem.startswith("_") and p.stem.isidentifier()
        )
    try:
        package = importlib.import_module(location)
    except ImportError:
        return []
    paths = getattr(package, "__path__", None)
    if paths is None:
        return []
    return sorted(
        info.name
        for info in pkgutil.iter_modules(paths)
        if not info.name.startswith("_")
    )
