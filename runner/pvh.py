"""A bzImage's kernel, unpacked once, booted through its PVH entry.

A bzImage is a small decompressor with the kernel (an ELF, vmlinux)
compressed inside it. Under TCG the decompressor is the slowest part of a
boot: on the 2-core reference machine Debian's XZ-compressed 6.1 kernel
reached its root mount 18 to 35 s after qemu started, its unpacked vmlinux
6 to 7.5 s. A kernel built with CONFIG_PVH has an entry point for a loader
that sets up the machine itself (the PVH boot protocol, named by the ELF
note XEN_ELFNOTE_PHYS32_ENTRY), and qemu is such a loader: given the
vmlinux with -kernel, it passes the command line and the initramfs as it
would to the bzImage. So the payload is unpacked here once, with Python's
own lzma or zlib, kept in the cache by the image's SHA-256, and booted.

The kernel that runs is the same; what is skipped is the decompressor and
what it does: relocating the kernel at random (KASLR of the kernel's own
text, which no case looks at: the processes' address space layout is the
kernel's, as ever). A payload in another format (zstd, lz4, ...), or a
kernel without the PVH note, boots as its bzImage, and run_info says which
(`vm.entry`).
"""

from __future__ import annotations

import lzma
import os
import struct
import tempfile
import zlib
from pathlib import Path

# The boot header (Documentation/arch/x86/boot.rst): setup_sects, and where the payload lies
# from the start of the protected-mode code (protocol 2.08 and later).
SETUP_SECTS = 0x1F1
PAYLOAD_OFFSET = 0x248
PAYLOAD_LENGTH = 0x24C
XZ_MAGIC = b"\xfd7zXZ\x00"
GZIP_MAGIC = b"\x1f\x8b"
ELF64 = b"\x7fELF\x02"
PT_NOTE = 4
XEN_ELFNOTE_PHYS32_ENTRY = 18
UNPACKED = "vmlinux"


def payload(image: bytes) -> bytes | None:
    """The compressed kernel inside a bzImage, or None if the header does not say where."""
    sects = image[SETUP_SECTS] or 4
    offset, length = struct.unpack_from("<II", image, PAYLOAD_OFFSET)
    start = (sects + 1) * 512 + offset
    if not length or start + length > len(image):
        return None
    return image[start:start + length]


def unpack(data: bytes) -> bytes | None:
    """The vmlinux in a payload compressed with XZ or gzip; None for another format."""
    try:
        if data.startswith(XZ_MAGIC):
            return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
        if data.startswith(GZIP_MAGIC):
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    except (lzma.LZMAError, zlib.error):
        return None
    return None


def has_pvh_entry(elf: bytes) -> bool:
    """Whether a 64-bit ELF kernel has the PVH entry note (Xen's PHYS32_ENTRY)."""
    if not elf.startswith(ELF64):
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for index in range(phnum):
        kind, _flags, offset, _vaddr, _paddr, size = struct.unpack_from("<IIQQQQ", elf, phoff + index * phentsize)
        if kind == PT_NOTE and _notes_have(elf[offset:offset + size], b"Xen", XEN_ELFNOTE_PHYS32_ENTRY):
            return True
    return False


def _notes_have(notes: bytes, name: bytes, kind: int) -> bool:
    pos = 0
    while pos + 12 <= len(notes):
        namesz, descsz, note_kind = struct.unpack_from("<III", notes, pos)
        note_name = notes[pos + 12:pos + 12 + namesz].rstrip(b"\0")
        if note_name == name and note_kind == kind:
            return True
        pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def bootable(image: Path, sha256: str, cache: Path) -> Path | None:
    """The image's vmlinux with a PVH entry, unpacked once into cache/pvh-SHA256/
    (whole or not at all), or None: boot the bzImage itself."""
    home = cache / f"pvh-{sha256[:32]}"
    unpacked = home / UNPACKED
    if unpacked.is_file():
        return unpacked
    packed = payload(image.read_bytes())
    elf = unpack(packed) if packed else None
    if elf is None or not has_pvh_entry(elf):
        return None
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=home, prefix=".vmlinux-", delete=False) as out:
        out.write(elf)
    os.replace(out.name, unpacked)
    return unpacked
