# SPDX-License-Identifier: MIT
"""pip install --no-build-isolation ./python: the module built by the project's CMake (the
library alone and the module, nothing else looked up), for the interpreter running pip.
Needs CMake, a C compiler, Python's headers and NumPy; no network."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent.parent


def version():
    header = (ROOT / "include" / "leaky.h").read_text()
    return re.search(r'#define LEAKY_VERSION_STRING "([^"]+)"', header).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        jobs = os.environ.get("LEAKY_JOBS", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                        "-DLEAKY_BUILD_CLI=OFF", "-DLEAKY_BUILD_TESTS=OFF",
                        "-DLEAKY_BUILD_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}"],
                       check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "leaky_python", "-j", jobs],
                       check=True)
        built = list((build / "python").glob("leaky*.so"))
        if len(built) != 1:
            sys.exit(f"setup.py: expected one module in {build / 'python'}, found {built} "
                     "(were Python's headers and NumPy found? see CMake's output above)")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    name="leaky",
    version=version(),
    description="The Leaky ReLU family on NumPy arrays, bit-identical with PyTorch",
    license="MIT",
    python_requires=">=3.8",
    install_requires=["numpy"],
    ext_modules=[Extension("leaky", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
