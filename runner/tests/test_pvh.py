"""A bzImage's kernel unpacked for its PVH entry (runner/pvh.py): the payload
found where the boot header says, XZ and gzip unpacked, the PVH note found
or missed, and a kernel without it left to boot as its bzImage."""

import gzip
import lzma
import struct
import tempfile
import unittest
from pathlib import Path

from runner import pvh


def elf_with_notes(notes: bytes) -> bytes:
    """A 64-bit ELF header with one PT_NOTE program header over `notes`."""
    header = bytearray(0x40)
    header[0:5] = b"\x7fELF\x02"
    struct.pack_into("<Q", header, 0x20, 0x40)           # e_phoff
    struct.pack_into("<HH", header, 0x36, 56, 1)         # e_phentsize, e_phnum
    phdr = struct.pack("<IIQQQQQQ", pvh.PT_NOTE, 0, 0x40 + 56, 0, 0, len(notes), len(notes), 4)
    return bytes(header) + phdr + notes


def note(name: bytes, kind: int, desc: bytes = b"\0" * 4) -> bytes:
    padded = name + b"\0" * (4 - len(name) % 4)
    return struct.pack("<III", len(name) + 1, len(desc), kind) + padded + desc


def bzimage_with(payload: bytes, sects: int = 4) -> bytes:
    image = bytearray((sects + 1) * 512 + 0x100)
    image[pvh.SETUP_SECTS] = sects
    struct.pack_into("<II", image, pvh.PAYLOAD_OFFSET, 0x100, len(payload))
    image[0x202:0x206] = b"HdrS"
    return bytes(image) + payload + b"trailer"


PVH_KERNEL = elf_with_notes(note(b"GNU", 3) + note(b"Xen", pvh.XEN_ELFNOTE_PHYS32_ENTRY))
OTHER_KERNEL = elf_with_notes(note(b"Xen", 5) + note(b"GNU", pvh.XEN_ELFNOTE_PHYS32_ENTRY))


class PvhTests(unittest.TestCase):
    def test_the_payload_is_where_the_header_says_and_xz_and_gzip_unpack(self):
        for compress in (lambda d: lzma.compress(d, format=lzma.FORMAT_XZ), gzip.compress):
            image = bzimage_with(compress(PVH_KERNEL))
            self.assertEqual(pvh.unpack(pvh.payload(image)), PVH_KERNEL)

    def test_another_format_is_not_unpacked(self):
        self.assertIsNone(pvh.unpack(b"\x28\xb5\x2f\xfd" + b"zstd frame"))

    def test_the_pvh_note_is_xens_phys32_entry_and_nothing_else(self):
        self.assertTrue(pvh.has_pvh_entry(PVH_KERNEL))
        self.assertFalse(pvh.has_pvh_entry(OTHER_KERNEL))
        self.assertFalse(pvh.has_pvh_entry(b"not an elf"))

    def test_a_kernel_with_the_entry_is_unpacked_once_and_one_without_boots_as_its_bzimage(self):
        with tempfile.TemporaryDirectory() as tmp:
            image, other = Path(tmp) / "bzImage", Path(tmp) / "other"
            image.write_bytes(bzimage_with(lzma.compress(PVH_KERNEL)))
            other.write_bytes(bzimage_with(lzma.compress(OTHER_KERNEL)))
            cache = Path(tmp) / "cache"
            unpacked = pvh.bootable(image, "ab" * 32, cache)
            self.assertEqual(unpacked.read_bytes(), PVH_KERNEL)
            image.write_bytes(b"changed")        # kept by the image's SHA-256: not read again
            self.assertEqual(pvh.bootable(image, "ab" * 32, cache), unpacked)
            self.assertIsNone(pvh.bootable(other, "cd" * 32, cache))
            self.assertEqual([p.name for p in unpacked.parent.iterdir()], ["vmlinux"])


if __name__ == "__main__":
    unittest.main()
