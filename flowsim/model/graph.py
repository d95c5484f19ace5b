"""``flowsim graph``: the three state machines as Mermaid and DOT, from their declarations.

The machines are the engine's data for ``transitions``
(``CONSENT_TRANSITIONS``, ``MESSAGE_TRANSITIONS``, ``SCREEN_TRANSITIONS``);
each edge is labelled with the user actions that fire it (their button
labels, from the registry ``ACTIONS``), the conditions it is guarded by, and
the rule ids that decide it.  A transition whose ``dest`` is ``None`` stays
on its screen: it is drawn as a loop.  The consent and message machines are
fired by the engine rather than by a button, so the actions and rules of
their triggers are stated here (:data:`CONSENT_CAUSES`, :data:`MESSAGE_RULES`);
``tests/model/test_graph.py`` checks those against the engine's log.

``--explored WORLD.yaml`` draws the product graph that ``flowsim explore``
found instead (:func:`explored_mermaid`, :func:`explored_dot`).
docs/machines.md holds the Mermaid output, kept current by a test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import click

#: Consent triggers: the user actions that fire them and the rule each cites (ConsentChanged.rule).
CONSENT_CAUSES: dict[str, tuple[tuple[str, str], ...]] = {
    "agree": (("agree", "R13"), ("settings_consent", "R21")),
    "reject": (("reject", "R21"), ("settings_consent", "R21")),
}
#: Message-lifecycle triggers: the rules that decide them (MessageDelivered.rule, MessageDiscarded.rule …).
MESSAGE_RULES: dict[str, tuple[str, ...]] = {
    "unmatch": ("R2",),
    "hold": ("R13", "R14", "R15"),
    "deliver": ("R12", "R13", "R14", "R15", "R19"),
    "discard": ("R4", "R5", "R6", "R7", "R8", "R9", "R21"),
    "expire": ("R22",),
}
MACHINE_NAMES = ("consent", "message", "screen")
TITLES = {
    "consent": "Consent (R21, I4): never back to not_set",
    "message": "Message lifecycle (I2): final states have no way out",
    "screen": "App screens (R13-R21): the actions each screen offers",
}


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    dest: str
    trigger: str
    label: str


@dataclass(frozen=True, slots=True)
class Machine:
    name: str
    title: str
    initial: str
    states: tuple[str, ...]
    edges: tuple[Edge, ...]
    finals: tuple[str, ...] = ()


def _sources(transition: dict[str, Any]) -> list[str]:
    source = transition["source"]
    return list(source) if isinstance(source, (list, tuple)) else [source]


def _condition(transition: dict[str, Any]) -> str:
    conditions = transition.get("conditions")
    if not conditions:
        return ""
    names = [conditions] if isinstance(conditions, str) else list(conditions)
    return " [" + ", ".join(names) + "]"


def machines() -> dict[str, Machine]:
    """The three machines, read off the engine's declarations, labelled."""
    from flowsim.engine import (
        ACTIONS, CONSENT_STATES, CONSENT_TRANSITIONS, FINAL_STATUSES, MESSAGE_STATUSES, MESSAGE_TRANSITIONS,
        SCREEN_TRANSITIONS, SCREENS,
    )

    def consent_label(t: dict[str, Any]) -> str:
        causes = CONSENT_CAUSES.get(t["trigger"], ())
        return " / ".join(f"{ACTIONS[a].label} ({a}, {rule})" for a, rule in causes) or t["trigger"]

    def message_label(t: dict[str, Any]) -> str:
        return f"{t['trigger']} ({', '.join(MESSAGE_RULES.get(t['trigger'], ()))})"

    def screen_label(t: dict[str, Any]) -> str:
        spec = ACTIONS[t["trigger"]]
        return f"{spec.label} ({spec.name}, {spec.rule}){_condition(t)}"

    def edges(transitions: list[dict[str, Any]], label: Any) -> tuple[Edge, ...]:
        return tuple(Edge(s, t["dest"] or s, t["trigger"], label(t)) for t in transitions for s in _sources(t))

    return {
        "consent": Machine("consent", TITLES["consent"], "not_set", tuple(CONSENT_STATES),
                           edges(CONSENT_TRANSITIONS, consent_label)),
        "message": Machine("message", TITLES["message"], "requested", tuple(MESSAGE_STATUSES),
                           edges(MESSAGE_TRANSITIONS, message_label),
                           tuple(s for s in MESSAGE_STATUSES if s in FINAL_STATUSES)),
        "screen": Machine("screen", TITLES["screen"], "chats", tuple(SCREENS), edges(SCREEN_TRANSITIONS, screen_label)),
    }


# ---------------------------------------------------------------- rendering


def _mermaid_text(label: str) -> str:
    # Mermaid ends a transition's label at the line's end and reads ':' and ';' itself.
    return label.replace(":", " ").replace(";", ",").replace("#", "")


def mermaid(machine: Machine) -> str:
    """A Mermaid ``stateDiagram-v2`` of ``machine`` (renders on GitHub and in the docs)."""
    lines = ["stateDiagram-v2", f"    %% {machine.title}", f"    [*] --> {machine.initial}"]
    lines += [f"    {e.source} --> {e.dest}: {_mermaid_text(e.label)}" for e in machine.edges]
    lines += [f"    {s} --> [*]" for s in machine.finals]
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(machine: Machine) -> str:
    """A Graphviz ``digraph`` of ``machine``."""
    lines = [f"digraph {machine.name} {{", f"    label={_dot_quote(machine.title)};", "    rankdir=LR;",
             "    node [shape=box, style=rounded];", '    start [shape=point, label=""];',
             f"    start -> {_dot_quote(machine.initial)};"]
    lines += [f"    {_dot_quote(s)} [peripheries=2];" for s in machine.finals]
    lines += [f"    {_dot_quote(e.source)} -> {_dot_quote(e.dest)} [label={_dot_quote(e.label)}];"
              for e in machine.edges]
    return "\n".join(lines) + "\n}\n"


def render(names: tuple[str, ...] | list[str], fmt: str) -> str:
    """The machines named, in ``fmt`` (``mermaid`` or ``dot``), separated by a blank line."""
    found = machines()
    draw = mermaid if fmt == "mermaid" else dot
    return "\n".join(draw(found[n]) for n in names)


def docs_section() -> str:
    """What docs/machines.md holds between its markers: each machine as a fenced Mermaid block."""
    found = machines()
    parts = []
    for name in MACHINE_NAMES:
        parts.append(f"### {found[name].title}\n\n```mermaid\n{mermaid(found[name])}```\n")
    return "\n".join(parts)


# ---------------------------------------------------------------- the explored graph


def explored_mermaid(result: Any, limit: int = 400) -> str:
    """The product graph ``flowsim explore`` found, as Mermaid (states numbered in BFS order)."""
    lines = ["stateDiagram-v2", f"    %% explored: {len(result.states)} states, {len(result.edges)} edges",
             "    [*] --> s0"]
    for i, state in enumerate(result.states[:limit]):
        lines.append(f"    s{i}: {_mermaid_text(result.describe(i))}")
    for source, label, dest in result.edges:
        if source < limit and dest < limit:
            lines.append(f"    s{source} --> s{dest}: {_mermaid_text(label)}")
    return "\n".join(lines) + "\n"


def explored_dot(result: Any) -> str:
    """The product graph ``flowsim explore`` found, as DOT."""
    lines = ["digraph explored {", "    node [shape=box, style=rounded, fontsize=9];",
             "    edge [fontsize=8];"]
    for i in range(len(result.states)):
        lines.append(f"    s{i} [label={_dot_quote(result.describe(i))}];")
    for source, label, dest in result.edges:
        lines.append(f"    s{source} -> s{dest} [label={_dot_quote(label)}];")
    return "\n".join(lines) + "\n}\n"


@click.command()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@click.option("--machine", "which", type=click.Choice([*MACHINE_NAMES, "all"]), default="all", show_default=True)
@click.option("--explored", "world", type=click.Path(dir_okay=False), default=None,
              help="Draw the product graph `flowsim explore` finds for this world instead.")
@click.option("--depth", type=click.IntRange(0), default=6, show_default=True, help="With --explored: the bound.")
@click.option("--max-states", type=click.IntRange(1), default=2000, show_default=True,
              help="With --explored: the bound.")
def graph(fmt: str, which: str, world: str | None, depth: int, max_states: int) -> None:
    """The consent, message and screen machines as Mermaid or DOT, labelled with actions and rule ids."""
    if world is None:
        click.echo(render(MACHINE_NAMES if which == "all" else (which,), fmt), nl=False)
        return
    from .explore import ExploreProblem, explore_file

    try:
        result = explore_file(world, depth=depth, max_states=max_states)
    except ExploreProblem as exc:
        from flowsim.scenario.terminal import echo

        echo(f"flowsim graph: {exc}", err=True)
        sys.exit(2)
    from flowsim.scenario.terminal import printable

    click.echo(printable(explored_mermaid(result) if fmt == "mermaid" else explored_dot(result)), nl=False)


BEGIN, END = "<!-- flowsim graph: begin -->\n", "<!-- flowsim graph: end -->\n"


def docs_with_diagrams(text: str) -> str:
    """``text`` (docs/machines.md) with the part between its markers replaced by :func:`docs_section`."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + BEGIN + docs_section() + END + tail


if __name__ == "__main__":  # python -m flowsim.model.graph --write-docs
    from pathlib import Path

    if sys.argv[1:] != ["--write-docs"]:
        sys.exit("usage: python -m flowsim.model.graph --write-docs")
    page = Path(__file__).resolve().parents[2] / "docs" / "machines.md"
    page.write_text(docs_with_diagrams(page.read_text(encoding="utf-8")), encoding="utf-8")
