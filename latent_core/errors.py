"""The one error class the app shows to users."""


class InvalidInputError(ValueError):
    """Bad input from a user: the message is one sentence that names the input and what to change."""
