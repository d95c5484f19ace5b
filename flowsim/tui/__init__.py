"""``flowsim tui``: a Textual front end over the scenario runner (see docs/architecture.md).

Importing this package does not import Textual; :mod:`flowsim.tui.app` does.
"""
