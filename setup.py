"""Only what setup.cfg cannot say: the top-level ``templates/`` and ``static/``
folders (kept there as the console's layout asks) are installed *inside* the
app, so Django's app-directories loaders find them in a host project after a
plain ``pip install``."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["notify_admin", "notify_admin.*"])
    + ["notify_admin.templates", "notify_admin.static"],
    package_dir={
        "notify_admin.templates": "templates",
        "notify_admin.static": "static",
    },
    package_data={
        "notify_admin.templates": ["**/*.html", "**/*.txt", "**/*.svg"],
        "notify_admin.static": ["**/*.css", "**/*.js", "**/*.svg", "**/*.png"],
        # The standalone console's own pages (django-axes' lockout page).
        "notify_admin.site": ["templates/**/*.html"],
    },
)
