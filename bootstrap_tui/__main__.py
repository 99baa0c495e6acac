"""`python -m bootstrap_tui` runs the console entry point."""

import sys

from bootstrap_tui.cli import main

sys.exit(main())
