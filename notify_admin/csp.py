"""The console's Content-Security-Policy, for django-csp 4 (Django 5.2 and 6.x).

The standalone console (``notify_admin.site.settings``) and the test settings
use it; a host project may use it too::

    from notify_admin.csp import CONSOLE_POLICY
    MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
    CONTENT_SECURITY_POLICY = CONSOLE_POLICY

Why django-csp and not Django 6's ``SECURE_CSP``: one way for both Django
versions the console supports, and django-admin-rangefilter's date filters
read the nonce from ``request.csp_nonce``, which django-csp provides.

What it allows, and why:

- scripts only from the console's own static files, or inline ones that
  carry the request's nonce (rangefilter's date filters), and the one known
  event handler of import-export's export page (by its hash): never any other
  inline script or handler written into a page, so markup that slipped
  through escaping cannot run;
- styles from the console, and inline ones: rangefilter's filters and
  import-export's export form use inline styles, and the email preview (a
  sandboxed ``srcdoc`` frame, which inherits this policy) must show the
  email's own ``<style>`` and ``style=""``. Styles cannot run code;
- images from the console and ``data:`` URLs only: a remote image in an email
  template (a tracking pixel) is not fetched when staff preview it;
- no plugins, no ``<base>``, forms post only to the console, and no other site
  may frame it.
"""

from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE

#: django-import-export's export page has one inline handler, on its "Select
#: all" box: ``onchange="onSelectToggleChange(event)"``. This hash allows that
#: exact text and nothing else (CSP 3 'unsafe-hashes': handlers only, never a
#: <script> element); any other handler stays refused.
IMPORT_EXPORT_SELECT_ALL = "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"

CONSOLE_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE, UNSAFE_HASHES, IMPORT_EXPORT_SELECT_ALL],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    # The preview frame is a srcdoc document (no URL to fetch); nothing else
    # is framed.
    "frame-src": [SELF],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}

CONSOLE_POLICY = {"DIRECTIVES": CONSOLE_DIRECTIVES}
