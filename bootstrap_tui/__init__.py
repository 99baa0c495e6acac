"""bootstrap-tui: a step-by-step, verifiable AWS multi-account security baseline."""

__version__ = "0.1.0"
