"""pytest plugin that collects scenario files as test items (registered as the ``pytest11`` entry point)."""
