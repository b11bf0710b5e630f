"""The identical workload every system gets: user i has one address in one target."""


def address(channel, i):
    if channel == "email":
        return f"u{i}@bench.example.com"
    if channel == "twilio":
        # Valid North American numbers, unique per user.
        return f"+1415555{i:04d}" if i < 10000 else f"+1628555{i - 10000:04d}"
    return f"ExponentPushToken[bench-{i:06d}]"
