"""Modal screens of the flowsim TUI."""
