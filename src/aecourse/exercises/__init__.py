"""Self-checks for the exercises, one module per chapter (``aecourse.exercises.chapter1`` ...).

Every check prints its verdict and returns True or False, so a learner sees why an answer is
right or not yet, and a test can assert on the result.
"""


def right(message: str) -> bool:
    """Print that the answer is correct, and why; return True."""
    print("Correct: " + message)
    return True


def wrong(message: str) -> bool:
    """Print what is not right yet; return False."""
    print("Not yet: " + message)
    return False
