"""The standalone console (settings, urls, wsgi). A host project never imports this."""
