"""The user actions' handlers, by area; each module ends with its :class:`~flowsim.engine.actions.ActionSpec`s.

A handler is ``handler(fx, user, **arguments)``: it moves the app's screen
(``fx.screen``, which logs the tap) and then applies the action's effects
through :class:`~flowsim.engine.effects.Effects`.  Availability has been
checked by the facade before it runs.
"""
