"""The model tools: measured coverage, diagrams, exhaustive exploration and generated suites (issue 14).

==============  ===============================================================
``coverage``    the rules a run *exercised*, read off the engine's log, beside
                the ones a file claims in ``covers:`` (``flowsim coverage``)
``invariants``  I1-I5 of docs/rules.md as checkers over a simulation and a
                record of its log (shared by explore and the stateful tests)
``graph``       the three state machines as Mermaid and DOT (``flowsim graph``)
``explore``     breadth-first search over a world's canonical abstract states
                (``flowsim explore``)
``generate``    a minimal scenario suite covering every edge or rule reached
                (``flowsim generate``)
==============  ===============================================================

Like every front end, these import only :mod:`flowsim.engine`'s public names
and :mod:`flowsim.scenario`'s.  Nothing here is imported by ``flowsim run``.
"""
