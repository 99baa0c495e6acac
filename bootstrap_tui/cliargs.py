"""argparse value types shared by `bootstrap-tui` and `bootstrap-tui sandbox`."""

from __future__ import annotations

import argparse


def _int_at_least(value: str, least: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < least:
        raise argparse.ArgumentTypeError(f"must be >= {least}, got {number}")
    return number


def non_negative_int(value: str) -> int:
    return _int_at_least(value, 0)


def positive_int(value: str) -> int:
    return _int_at_least(value, 1)


def port_number(value: str) -> int:
    number = non_negative_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {number}")
    return number
