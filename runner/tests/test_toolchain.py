"""Installing what a platform needs: a foreign architecture enabled for a
package that then fails to install is disabled again."""

import unittest
from unittest import mock

from runner import toolchain
from runner.platforms import Tool


class MultiarchTest(unittest.TestCase):
    def install(self, install_fails: bool):
        calls = []

        def apt(argv, env, fatal=True):
            words = [w for w in argv if not w.startswith("DPkg::Lock") and w != "-o"]   # the lock wait aside
            calls.append(words[:3])
            return "status 100: cannot" if install_fails and words[:2] == ["apt-get", "install"] else None

        with mock.patch.object(toolchain, "_present", return_value=False), \
                mock.patch.object(toolchain, "_can_install", return_value=True), \
                mock.patch.object(toolchain, "_foreign_architectures", return_value=["i386"]), \
                mock.patch.object(toolchain, "_apt", apt):
            try:
                toolchain.ensure_tools([Tool("/usr/lib/wine/wine", "wine32:i386")], say=lambda line: None)
            except toolchain.ToolError as error:
                return calls, str(error)
        return calls, None

    def test_a_failed_install_disables_the_architecture_it_enabled(self):
        calls, error = self.install(install_fails=True)
        self.assertIn(["dpkg", "--remove-architecture", "i386"], calls)
        self.assertEqual(calls[-1], ["apt-get", "update", "-qq"])
        self.assertIn("the i386 architecture it enabled is disabled again", error)

    def test_apt_get_waits_for_the_package_lock(self):
        seen = []
        with mock.patch.object(toolchain, "_present", return_value=False), \
                mock.patch.object(toolchain, "_can_install", return_value=True), \
                mock.patch.object(toolchain, "_foreign_architectures", return_value=[]), \
                mock.patch.object(toolchain, "_apt", lambda argv, env, fatal=True: seen.append(argv)):
            with self.assertRaises(toolchain.ToolError):
                toolchain.ensure_tools([Tool("cc", "gcc")], say=lambda line: None)
        self.assertTrue(seen)
        for argv in seen:
            self.assertIn(f"DPkg::Lock::Timeout={toolchain.APT_LOCK_WAIT_S}", argv)

    def test_an_install_that_works_keeps_it(self):
        calls, error = self.install(install_fails=False)
        self.assertNotIn(["dpkg", "--remove-architecture", "i386"], calls)
        self.assertIn("is still missing", error)     # _present is mocked to stay False


if __name__ == "__main__":
    unittest.main()
