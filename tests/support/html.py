"""Reading a page the way a browser would, to check what is markup and what
is text: ``parse(content)`` gives every start tag with its attributes
(entities decoded) and every piece of text with the tags it sits in."""

from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []
        self._in = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append((tuple(self._in), data))


def parse(content):
    parser = Elements()
    parser.feed(content)
    parser.close()
    return parser
