"""Helpers of the browser tests (tests/browser/): the CSP watch every page runs
under (the ``page`` fixture starts it), and the screenshots each page leaves at
the two widths the console is checked at."""

#: Widths every page is photographed at: a common laptop and a small one.
WIDTHS = (1440, 1024)

# Chromium reports a CSP violation twice: as a console error ("Refused to ...
# because it violates the following Content Security Policy directive") and
# as a ``securitypolicyviolation`` event in the document; both are caught.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const report = window.__naCspViolation;
  if (report) {
    report(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
      + ` at ${event.sourceFile || document.URL}:${event.lineNumber}`);
  }
});
"""


def watch_csp(context, page):
    """Collect every Content-Security-Policy violation of ``page``'s context.

    Returns the list the violations are appended to (empty while none)."""
    violations = []
    context.expose_binding(
        "__naCspViolation", lambda source, text: violations.append(text)
    )
    context.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def shoot(page, folder, name, full_page=True, widths=WIDTHS):
    """``<name>.png`` at 1,440 px wide and ``<name>-1024.png`` at 1,024 px.

    The page is laid out again at each width (the viewport's height stays),
    then put back to the first width."""
    height = page.viewport_size["height"]
    paths = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": height})
        suffix = "" if width == widths[0] else f"-{width}"
        path = folder / f"{name}{suffix}.png"
        page.screenshot(path=str(path), full_page=full_page)
        paths.append(path)
    page.set_viewport_size({"width": widths[0], "height": height})
    return paths


def horizontal_overflow(page, selector="#changelist .results"):
    """How many pixels of ``selector``'s content are clipped: beyond its own
    box (a scroll bar of its own) or beyond the window; 0 when all of it
    shows."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            if (!el) return 0;
            const inside = el.scrollWidth - el.clientWidth;
            const right = el.getBoundingClientRect().right;
            const window_ = right - document.documentElement.clientWidth;
            return Math.max(0, Math.ceil(inside), Math.ceil(window_));
        }""",
        selector,
    )
