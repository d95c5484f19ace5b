"""Scenario files: loader, runner, writer, CLI commands and pytest plugin (see docs/architecture.md)."""
