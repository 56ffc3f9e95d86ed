"""Each request is logged once: one handler on the way of every server log record."""

import logging

import pytest


def _handlers_reached(name: str) -> list[logging.Handler]:
    logger, reached = logging.getLogger(name), []
    while logger is not None:
        # pytest's own capture handlers sit on the root logger during tests; not ours.
        reached += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
        if not logger.propagate:
            break
        logger = logger.parent
    return reached


@pytest.mark.parametrize(
    "name", ["django.channels.server", "django.server", "django.request", "orders.services"]
)
def test_a_record_reaches_exactly_one_handler(name):
    assert len(_handlers_reached(name)) == 1


def test_not_found_warnings_do_not_double_the_access_line():
    assert not logging.getLogger("django.request").isEnabledFor(logging.WARNING)
    assert logging.getLogger("django.request").isEnabledFor(logging.ERROR)
