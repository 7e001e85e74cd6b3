"""No import circle among the runner's and the selftest's modules.

A circle works only while every module in it imports the others late enough
(inside a function, or after what they need is defined), so one reordering
breaks it with a half-made module. Every import counts, a function's own
included: that is how the last circle was hidden.
"""

import ast
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("runner", "selftest")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(repo: Path = REPO) -> dict[str, Path]:
    """Every module of the packages, by its dotted name."""
    return {module_name(path): path for package in PACKAGES for path in sorted((repo / package).rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The known modules that `name` imports anywhere in its text, the
    packages a submodule is imported from included (Python runs them first)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            whole = ".".join(part for part in ((base if node.level else ""), node.module or "") if part)
            found.add(whole)
            found.update(f"{whole}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def graph(repo: Path = REPO) -> dict[str, set[str]]:
    found = modules(repo)
    return {name: imported(name, path, set(found)) for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One path around each circle found, e.g. [a, b, a]; none for a graph without."""
    found, state = [], {}          # state: "open" while on the current path, "done" once left

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [node, target] if target in path else [node, target])
            elif target not in state:
                visit(target, path + [node])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


class Circles(unittest.TestCase):
    def test_the_finder_finds_a_circle_and_only_one(self):
        self.assertEqual(circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}), [["a", "b", "c", "a"]])
        self.assertEqual(circles({"a": {"b"}, "b": set(), "c": {"a", "b"}}), [])

    def test_a_late_import_inside_a_function_counts(self):
        tree = graph()
        self.assertIn("runner.reports.html", tree["runner.run"])
        self.assertIn("runner.vocabulary", tree["runner.platforms"])

    def test_no_module_of_the_runner_or_the_selftest_imports_itself_round_a_circle(self):
        found = circles(graph())
        self.assertEqual(found, [], "import circles: " + "; ".join(" -> ".join(c) for c in found))


if __name__ == "__main__":
    unittest.main()
