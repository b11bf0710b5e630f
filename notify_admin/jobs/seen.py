"""The duplicate rule's memory: which users a file named already.

A dict of every user to their line would be the only thing a check keeps per
row (about 110 bytes a row). Integer primary keys go in a bitmap instead (a
bit per possible key, grown to the largest key met: 12.5 KB for keys up to
100,000), which keeps no line numbers: the earlier line of a duplicate is
looked up afterwards, in a second reading of the file that only files with
duplicates pay (:func:`.check.check_file`). Other keys (UUIDs, keys beyond
the bitmap's limit) are kept with their line in a dict.
"""

#: Integer keys below this go in the bitmap (at most 16 MB).
BITMAP_LIMIT = 1 << 27
#: A user seen before, on a line not kept.
UNKNOWN_LINE = 0


class SeenUsers:
    def __init__(self):
        self.bits = bytearray()
        self.lines = {}

    def line_of(self, pk):
        """None when ``pk`` was not seen; else its line, or UNKNOWN_LINE."""
        if _in_bitmap(pk):
            byte = pk >> 3
            if byte < len(self.bits) and self.bits[byte] & (1 << (pk & 7)):
                return UNKNOWN_LINE
            return None
        return self.lines.get(pk)

    def add(self, pk, line):
        if _in_bitmap(pk):
            byte = pk >> 3
            if byte >= len(self.bits):
                self.bits.extend(
                    bytes(max(byte + 1, 2 * len(self.bits)) - len(self.bits))
                )
            self.bits[byte] |= 1 << (pk & 7)
        else:
            self.lines[pk] = line


def _in_bitmap(pk):
    return type(pk) is int and 0 <= pk < BITMAP_LIMIT
