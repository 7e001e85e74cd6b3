"""The agents' sources come from the build description: the real one, and one
whose Win32 agent is described by a shared file read with variables set
before it, with its sources moved about."""

import shutil
import tempfile
import unittest
from pathlib import Path

from runner import agent_sources
from runner.ninja_file import Build, NinjaError

REPO = Path(__file__).resolve().parents[2]

TOP = """\
cflags = -Iprotocol
rule cc_agent
  command = cc $cflags -Iagents/common $variant_cflags -c $in -o $out
rule link
  command = cc $in -o $out
rule ar
  command = ar crs $out $in
subninja ninja/native.ninja
subninja ninja/win32.ninja
"""
NATIVE = """\
out = build/native
variant_cflags = -O2
build $out/obj/agent/protocol.o: cc_agent protocol/protocol.c
build $out/obj/agent/main.o: cc_agent agents/posix/main.c
build $out/obj/agent/verbs.o: cc_agent agents/posix/verbs.c
build $out/agent/mapconf-agent: link $out/obj/agent/main.o $out/obj/agent/protocol.o $
    $out/obj/agent/verbs.o
build $out/obj/testlib/testlib.o: cc_agent agents/testlib/testlib.c
build $out/lib/libmapconf-testlib.so: link $out/obj/testlib/testlib.o
"""
# The Win32 description parameterised: the file that lists the sources is read
# with its compiler and output set before it (as a 64-bit and a 32-bit build would).
WIN32 = """\
win32_cflags = -Iprotocol -Iagents/common -DWIN32_LEAN_AND_MEAN -D_WIN32_WINNT=0x0601
out = build/win32
include ninja/win32_agent.ninja
"""
WIN32_AGENT = """\
rule win32_cc
  command = x86_64-w64-mingw32-gcc $win32_cflags $extra -c $in -o $out
build $out/obj/common.a: ar $out/obj/touch.o
build $out/obj/touch.o: win32_cc agents/common/verbs_touch.c
build $out/obj/main.o: win32_cc agents/win32/main.c
build $out/obj/protocol.o: win32_cc protocol/protocol.c
build $out/agent/mapconf-agent.exe: link $out/obj/main.o $out/obj/protocol.o $out/obj/common.a
build $out/obj/faults/faults.o: win32_cc agents/win32/faults.c
  extra = -DMAPCONF_FAULTS
build $out/agent/mapconf-agent-faults.exe: link $out/obj/faults/faults.o $out/obj/main.o $
    $out/obj/protocol.o $out/obj/common.a
build $out/lib/mapconf-testlib.dll: link $out/obj/testlib.o $out/obj/shared.o
build $out/obj/testlib.o: win32_cc agents/testlib/testlib.c
build $out/obj/shared.o: win32_cc agents/testlib/testdll_shared.c
"""
FILES = {
    "build.ninja": TOP, "ninja/native.ninja": NATIVE, "ninja/win32.ninja": WIN32,
    "ninja/win32_agent.ninja": WIN32_AGENT,
    "protocol/protocol.h": "", "protocol/protocol.c": '#include "protocol.h"\n',
    "agents/common/agent_common.h": '#include "protocol.h"\n',
    "agents/common/verbs_touch.c": '#include "agent_common.h"\n',
    "agents/posix/agent.h": '#include "agent_common.h"\n',
    "agents/posix/main.c": '#include "agent.h"\nint main(void)\n{\n}\n',
    "agents/posix/verbs.c": '#include "agent.h"\n#include <stdio.h>\n',
    "agents/win32/agent.h": '#include "agent_common.h"\n#include "faults.h"\n',
    "agents/win32/faults.h": "",
    "agents/win32/faults.c": '#include "faults.h"\n',
    "agents/win32/main.c": '#include "agent.h"\nint main(int argc, char **argv)\n{\n}\n',
    "agents/testlib/testlib.c": "", "agents/testlib/testdll_shared.c": "",
}


class MadeUpBuild(unittest.TestCase):
    def setUp(self):
        self.repo = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.repo, ignore_errors=True)
        for name, text in FILES.items():
            (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
            (self.repo / name).write_text(text)

    def test_posix_headers_first_each_after_what_it_includes_then_main_last(self):
        found = agent_sources.of(self.repo, "posix")
        self.assertEqual(found.headers, ("protocol/protocol.h", "agents/common/agent_common.h", "agents/posix/agent.h"))
        self.assertEqual(found.sources, ("protocol/protocol.c", "agents/posix/verbs.c", "agents/posix/main.c"))
        self.assertEqual((found.main, found.fault_only, found.testlib),
                         ("agents/posix/main.c", (), ("agents/testlib/testlib.c",)))

    def test_a_parameterised_win32_description_with_an_archive_between(self):
        found = agent_sources.of(self.repo, "win32")
        self.assertEqual(found.sources, ("protocol/protocol.c", "agents/common/verbs_touch.c", "agents/win32/main.c"))
        self.assertEqual(found.fault_only, ("agents/win32/faults.c",))
        self.assertEqual(found.headers, ("agents/win32/faults.h", "protocol/protocol.h",
                                         "agents/common/agent_common.h", "agents/win32/agent.h"))
        self.assertEqual(found.defines, ("#define WIN32_LEAN_AND_MEAN", "#define _WIN32_WINNT 0x0601"))
        self.assertEqual(found.testlib, ("agents/testlib/testlib.c", "agents/testlib/testdll_shared.c"))

    def test_a_source_moved_and_renamed_is_followed(self):
        (self.repo / "agents/common/touch.c").write_text((self.repo / "agents/common/verbs_touch.c").read_text())
        agent_ninja = self.repo / "ninja/win32_agent.ninja"
        agent_ninja.write_text(agent_ninja.read_text().replace("agents/common/verbs_touch.c", "agents/common/touch.c"))
        self.assertIn("agents/common/touch.c", agent_sources.of(self.repo, "win32").sources)

    def test_headers_in_the_order_they_include_one_another(self):
        (self.repo / "controller").mkdir()
        (self.repo / "controller/answers.h").write_text('#include "agent_client.h"\n')
        (self.repo / "controller/agent_client.h").write_text('#include "protocol.h"\n')
        self.assertEqual(agent_sources.include_order(self.repo, ["controller/answers.h", "controller/agent_client.h"]),
                         ["controller/agent_client.h", "controller/answers.h"])

    def test_an_agent_with_two_mains_is_refused(self):
        (self.repo / "agents/posix/verbs.c").write_text("int main(void)\n{\n}\n")
        with self.assertRaisesRegex(NinjaError, "2 files that define main"):
            agent_sources.of(self.repo, "posix")


class TheBuild(unittest.TestCase):
    def test_every_agent_source_in_the_tree_is_in_its_agent(self):
        for family in ("posix", "win32"):
            found = agent_sources.of(REPO, family)
            with self.subTest(family):
                in_tree = {p.relative_to(REPO).as_posix() for p in (REPO / "agents" / family).glob("*.c")}
                self.assertLessEqual(in_tree, set(found.sources + found.fault_only))
                self.assertEqual(found.sources[-1], found.main)
                self.assertTrue(all(h.endswith(".h") for h in found.headers))

    def test_continuations_and_escapes(self):
        repo = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, repo, ignore_errors=True)
        (repo / "build.ninja").write_text("a = x$$y\nrule r\n  command = do $in\nbuild o$ 1: r i$:1 $\n    ${a}\n")
        self.assertEqual(Build(repo).edges["o 1"].command(), "do i:1 x$y")


if __name__ == "__main__":
    unittest.main()
