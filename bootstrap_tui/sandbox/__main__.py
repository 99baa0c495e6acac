"""``python -m bootstrap_tui.sandbox``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m bootstrap_tui.sandbox"))
