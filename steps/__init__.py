"""Wizard steps: one module per step, each exporting STEP (see docs/architecture.md)."""
