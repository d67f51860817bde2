"""Records, in the installed package, where this checkout's libwasmo.so is built
(wasmo/_location.py), so that `pip install ./bindings/python` finds the repository's build."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithLocation(build_py):
    def run(self):
        super().run()
        repo = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
        library = os.path.join(repo, "target", "release", "libwasmo.so")
        with open(os.path.join(self.build_lib, "wasmo", "_location.py"), "w") as f:
            f.write(f"# Written by setup.py at install time.\nREPO_LIBRARY = {library!r}\n")


setup(cmdclass={"build_py": BuildWithLocation})
