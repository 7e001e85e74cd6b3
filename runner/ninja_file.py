"""The build as build.ninja describes it: every edge with its outputs,
inputs and command, variables expanded the way Ninja expands them.

So that whoever needs to know which sources make a program (./mapconf repro,
which carries the agent's sources) reads the one description the build
itself uses, however its files include one another or set the variables a
shared file is read with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


class NinjaError(Exception):
    """A build description this reader does not understand; the message says where."""


class Scope:
    """Variables of a file (include shares it, subninja makes a child)."""

    def __init__(self, parent: Scope | None = None):
        self.parent = parent
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str:
        scope = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return ""


@dataclass
class Rule:
    name: str
    bindings: dict[str, str] = field(default_factory=dict)   # unexpanded, as Ninja keeps them


@dataclass
class Edge:
    rule: Rule
    outputs: list[str]
    inputs: list[str]                      # explicit inputs only: $in
    bindings: dict[str, str]               # expanded already
    scope: Scope

    def command(self) -> str:
        """The rule's command for this edge, with $in, $out and every variable expanded."""
        def lookup(name: str) -> str:
            if name == "in":
                return " ".join(self.inputs)
            if name == "out":
                return " ".join(self.outputs)
            if name in self.bindings:
                return self.bindings[name]
            if name in self.rule.bindings:
                return expand(self.rule.bindings[name], lookup)
            return self.scope.get(name)
        return expand(self.rule.bindings.get("command", ""), lookup)


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z0-9_.-]+)\}|([A-Za-z0-9_-]+)|(.))", re.DOTALL)


def expand(text: str, lookup) -> str:
    def one(match: re.Match) -> str:
        braced, plain, escaped = match.groups()
        if escaped is not None:
            return escaped            # $$, "$ ", $: stand for themselves
        return lookup(braced or plain)
    return _VARIABLE.sub(one, text)


def _paths(text: str, scope: Scope) -> list[str]:
    """Space-separated paths, each expanded; "$ " is a space inside a path."""
    words = re.split(r"(?<!\$) +", text.strip())
    return [expand(word, scope.get) for word in words if word]


def _logical_lines(text: str):
    """(indented, line) of each line, continuations ($ at the end) joined, comments dropped."""
    text = re.sub(r"\$\n[ \t]*", "", text)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield line[0] in " \t", line.strip()


class Build:
    """Every edge of a build description, by each of its outputs."""

    def __init__(self, repo: Path, top: str = "build.ninja"):
        self.repo = repo
        self.edges: dict[str, Edge] = {}
        self._read(top, Scope(), {})

    def _read(self, name: str, scope: Scope, rules: dict[str, Rule]) -> None:
        try:
            text = (self.repo / name).read_text()
        except OSError as error:
            raise NinjaError(f"cannot read {name}, part of the build description ({error.strerror})") from None
        target = None        # what indented bindings belong to: a Rule, an Edge, or None (a pool)
        for indented, line in _logical_lines(text):
            if indented:
                key, _, value = (part.strip() for part in line.partition("="))
                if isinstance(target, Rule):
                    target.bindings[key] = value
                elif isinstance(target, Edge):
                    target.bindings[key] = expand(value, scope.get)
                continue
            target = None
            word, _, rest = line.partition(" ")
            if word == "rule":
                target = rules[rest.strip()] = Rule(rest.strip())
            elif word == "build":
                target = self._edge(name, rest, scope, rules)
            elif word in ("include", "subninja"):
                path = expand(rest.strip(), scope.get)
                self._read(path, scope if word == "include" else Scope(scope),
                           rules if word == "include" else dict(rules))
            elif word in ("default", "pool"):
                continue
            elif "=" in line:
                key, _, value = (part.strip() for part in line.partition("="))
                scope.values[key] = expand(value, scope.get)
            else:
                raise NinjaError(f"{name}: a line this reader does not understand: {line}")

    def _edge(self, name: str, rest: str, scope: Scope, rules: dict[str, Rule]) -> Edge:
        outputs, sep, what = rest.partition(": ")
        if not sep:
            raise NinjaError(f"{name}: a build line without ': ': build {rest}")
        rule_name, _, inputs = what.strip().partition(" ")
        explicit = re.split(r"(?<!\$)\|", inputs, maxsplit=1)[0]
        rule = rules.get(rule_name) or Rule(rule_name)       # phony is Ninja's own
        edge = Edge(rule, _paths(outputs.split("|")[0], scope), _paths(explicit, scope), {}, scope)
        for output in edge.outputs:
            self.edges[output] = edge
        return edge

    def leaves(self, output: str) -> list[str]:
        """The files an output is made from, in the order its edges name them,
        following every intermediate output (objects, archives) down to the sources."""
        if output not in self.edges:
            raise NinjaError(f"no edge of the build makes {output}")
        found: list[str] = []

        def walk(path: str) -> None:
            edge = self.edges.get(path)
            if edge is None:
                if path not in found:
                    found.append(path)
                return
            for source in edge.inputs:
                walk(source)

        walk(output)
        return found

    def compile_edge(self, source: str, within: str) -> Edge:
        """The edge that compiles `source` on the way to the output `within`."""
        todo = [within]
        while todo:
            edge = self.edges.get(todo.pop(0))
            if edge is None:
                continue
            if source in edge.inputs:
                return edge
            todo += edge.inputs
        raise NinjaError(f"{source} is not compiled for {within}")
