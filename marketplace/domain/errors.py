"""The error every field rule raises (shared by leads, demand requests and the country rules)."""


class FieldError(ValueError):
    """A value that cannot be accepted; its message is shown beside the field (or on its CSV row)."""
