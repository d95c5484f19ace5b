"""Widgets of the flowsim TUI, one module per screen area."""
