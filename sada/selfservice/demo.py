"""placeholder"""


def demo_help_centre(ctx):  # type: ignore[no-untyped-def]
    return None
