"""From ``NotificationTarget.notification_module_name`` to a channel.

Built-in channels come first; then the locations in
``NOTIFICATION_SYSTEM_HANDLERS`` and ``NOTIFICATION_SYSTEM_CREATORS`` are
searched in order. A location is either a directory (as in the original
package: a file ``<module_name>.py`` in it) or a dotted package path (a module
``<package>.<module_name>``). See :mod:`notify_admin.channels.module` for what
such a module provides.

The rest of notify_admin asks the registry, never a channel by name:
:func:`registered` lists every channel (built-in and extra) with its class,
whose declarations the checks, validators, Compose, feedback and URLs read.
Modules are loaded by their dotted path, so a built-in channel module is a
leaf of the import graph; importing one is cheap (its SDK is imported when
it opens).
"""

import importlib
import importlib.util
import logging
import pkgutil
import sys
from pathlib import Path

from .. import conf
from ..exceptions import UnknownChannel
from .module import channel_for_module, channel_type_for_module

logger = logging.getLogger("notify_admin.channels")

#: The built-in channels: module name -> module, one line each.
BUILT_IN = {
    "email": "notify_admin.channels.email",
    "twilio": "notify_admin.channels.twilio",
    "expo": "notify_admin.channels.expo",
    "webpush": "notify_admin.channels.webpush",
}

# Modules loaded from directories, by file path: loaded once per process.
_loaded_files = {}


def get_channel(module_name):
    """A new channel instance for ``module_name``; raises UnknownChannel.

    Each call builds its own instance (its settings read at first use): the
    engine builds one per run and opens it once.
    """
    module = _module_or_raise(module_name)
    channel = channel_for_module(module, module_name)
    if channel is None:
        raise UnknownChannel(
            module_name, [getattr(module, "__file__", "") or module_name]
        )
    return channel


def channel_type(module_name):
    """The channel class of ``module_name`` (its declarations, nothing
    opened or read); raises UnknownChannel."""
    module = _module_or_raise(module_name)
    found = channel_type_for_module(module, module_name)
    if found is None:
        raise UnknownChannel(
            module_name, [getattr(module, "__file__", "") or module_name]
        )
    return found


def registered():
    """``[(module_name, channel class)]`` of every channel: the built-in ones,
    then the extras in the extension locations. An extra module that fails
    to load is left out (and logged): the system checks report it for its
    targets (notify_admin.E010 / E011)."""
    found = []
    for module_name in available_module_names():
        try:
            found.append((module_name, channel_type(module_name)))
        except UnknownChannel:
            continue
        except Exception:
            logger.exception("The channel module %r failed to load", module_name)
    return found


def built_in():
    """``[(module_name, channel class)]`` of the built-in channels."""
    return [(name, channel_type(name)) for name in BUILT_IN]


def _module_or_raise(module_name):
    module = find_module(module_name)
    if module is None:
        raise UnknownChannel(
            module_name, ["built-in channels", *conf.extension_locations()]
        )
    return module


def available_module_names():
    """Built-in module names and those found in the extension locations."""
    names = list(BUILT_IN)
    for location in conf.extension_locations():
        for name in _names_in(location):
            if name not in names:
                names.append(name)
    return names


def find_module(module_name):
    # "_private" and "__init__" name no channel (and a URL may carry them).
    if not module_name or not module_name.isidentifier() or module_name[0] == "_":
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
