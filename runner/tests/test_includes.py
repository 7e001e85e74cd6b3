"""No include circle in the C tree: neither among headers, nor among modules
(a header and the .c file of the same name taken as one), in every folder
of C sources, the cases and the controller above all."""

import re
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOLDERS = ("protocol", "controller", "cases", "agents/common", "agents/posix", "agents/win32", "agents/testlib",
           "repro", "case_host", "selftest/fault_library", "selftest/broken_cases", "bench")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (REPO / folder).glob("*.[ch]"))


def module_of(path: Path) -> str:
    return str(path.with_suffix("").relative_to(REPO))


def graph(by_module: bool) -> dict[str, set[str]]:
    """Who includes whom: by header, or by module (X.h and X.c as one)."""
    files = sources()
    by_name: dict[str, list[Path]] = {}
    for path in files:
        by_name.setdefault(path.name, []).append(path)
    edges: dict[str, set[str]] = {}
    for path in files:
        if not by_module and path.suffix != ".h":
            continue
        node = module_of(path) if by_module else str(path.relative_to(REPO))
        for name in INCLUDE.findall(path.read_text(errors="replace")):
            for target in by_name.get(Path(name).name, []):
                # the same folder first, as the compiler's -I order has it; else any folder's header
                if target.suffix == ".h" and (target.parent == path.parent or len(by_name[target.name]) == 1):
                    other = module_of(target) if by_module else str(target.relative_to(REPO))
                    if other != node:
                        edges.setdefault(node, set()).add(other)
    return edges


def a_circle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}      # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for other in sorted(edges.get(node, ())):
            if state.get(other) == 1:
                return path[path.index(other):] + [other] if other in path else path + [other]
            if other not in state:
                found = visit(other, path + [other])
                if found:
                    return found
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


class IncludeCircleTest(unittest.TestCase):
    def test_the_tree_has_c_sources_to_look_at(self):
        self.assertGreater(len(sources()), 50)

    def test_no_header_includes_itself_through_others(self):
        circle = a_circle(graph(by_module=False))
        self.assertIsNone(circle, f"an include circle among headers: {' -> '.join(circle or [])}")

    def test_no_two_modules_need_each_others_names(self):
        circle = a_circle(graph(by_module=True))
        self.assertIsNone(circle, f"an include circle among modules: {' -> '.join(circle or [])}")

    def test_a_circle_is_found_where_there_is_one(self):
        self.assertEqual(a_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])
        self.assertIsNone(a_circle({"a": {"b"}, "b": {"c"}}))


if __name__ == "__main__":
    unittest.main()
