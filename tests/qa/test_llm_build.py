"""The local LLM server is built portably: no AVX-512 or AMX instruction in llama.cpp's CPU backend.

A build tuned to the build machine (llama.cpp's default GGML_NATIVE=ON) crashed with SIGSEGV on
its first completion on a current Xeon; the Makefile builds with GGML_NATIVE=OFF and AVX2 as the
ceiling, and this test reads the machine code of the library that was actually installed.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

# AMX: tile configuration, loads/stores and the tile dot-product instructions.
AMX_MNEMONICS = re.compile(r"\s(ldtilecfg|sttilecfg|tileloadd|tileloaddt1|tilestored|tilezero|tdpb[su][su]d|tdpbf16ps|tdpfp16ps)\s")
ZMM = re.compile(r"%zmm\d+|%k[1-7]\b")


def _ggml_cpu_libraries() -> list[Path]:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        pytest.fail("llama-cpp-python is not installed: `make test` installs it (the Makefile's LLM step)")
    package = Path(spec.origin).parent
    libraries = sorted({p.resolve() for p in package.rglob("libggml-cpu*.so*") if p.is_file()})
    if not libraries:  # older layouts: the CPU backend inside libggml
        libraries = sorted({p.resolve() for p in package.rglob("libggml*.so*") if p.is_file()})
    assert libraries, f"no libggml CPU library under {package}"
    return libraries


def test_installed_llama_cpp_has_no_avx512_or_amx_instructions() -> None:
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) is needed to read the library's machine code"
    for library in _ggml_cpu_libraries():
        listing = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True,
                                 text=True, check=True).stdout
        assert len(listing) > 100_000, f"objdump printed almost nothing for {library}"
        zmm_lines = [line for line in listing.splitlines() if ZMM.search(line)]
        amx_lines = [line for line in listing.splitlines() if AMX_MNEMONICS.search(line + " ")]
        assert not zmm_lines, f"{library.name}: {len(zmm_lines)} AVX-512 instructions, e.g. {zmm_lines[:3]}"
        assert not amx_lines, f"{library.name}: {len(amx_lines)} AMX instructions, e.g. {amx_lines[:3]}"
        # The portable build still uses AVX2 (ymm registers): a build with no SIMD at all would be
        # needlessly slow and would mean the flags were not applied as written.
        assert "%ymm" in listing, f"{library.name} has no AVX2 code: the build flags were not applied"
