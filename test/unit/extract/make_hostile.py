#!/usr/bin/env python3
"""Writes the hostile test documents into the directory given as argv[1]. Each is small on disk
and designed to hurt a parser: the tests require a classified failure or a bounded result."""
import random
import struct
import sys
import zlib
from pathlib import Path

out = Path(sys.argv[1])


def pdf(objects, root=1):
    """A PDF with a correct xref table from a list of object bodies (bytes), numbered from 1."""
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % num + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref)
    return bytes(body)


def stream(data, extra=b""):
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, idat, color_type=6):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


# Truncated: the first 60 % of a valid PDF (no xref, no trailer).
meta = (out / "meta.pdf").read_bytes()
(out / "truncated.pdf").write_bytes(meta[: len(meta) * 6 // 10])

# Page tree whose Kids contains the Pages node itself.
(out / "selfref.pdf").write_bytes(pdf([
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
]))

# A content stream of ~300 MB of spaces compressed to well under 1 MB.
z = zlib.compressobj(9)
chunk = b" " * (1 << 20)
bomb = b"".join(z.compress(chunk) for _ in range(300)) + z.flush()
(out / "deflate-bomb.pdf").write_bytes(pdf([
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    stream(bomb, b"/Filter /FlateDecode"),
]))

# A page of 100000 x 100000 points with no text: OCR would have to render it.
(out / "huge-mediabox.pdf").write_bytes(pdf([
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100000 100000] /Contents 4 0 R >>",
    stream(b"0 0 m 100 100 l S"),
]))

# A PNG header claiming 65535 x 65535 RGBA (17 GB decoded) with a token IDAT.
(out / "huge-claim.png").write_bytes(png(65535, 65535, zlib.compress(b"\0" * 1024)))

# A genuinely valid 10000 x 10000 RGBA PNG: 400 MB once decoded, a few hundred KB on disk.
z = zlib.compressobj(9)
row = b"\0" + b"\xff" * (10000 * 4)
idat = b"".join(z.compress(row) for _ in range(10000)) + z.flush()
(out / "decode-400mb.png").write_bytes(png(10000, 10000, idat))

# A TIFF (8x8 gray, one strip) whose IFD's next-IFD offset points back to itself.
pixels = b"\x80" * 64
entries = [(256, 3, 1, 8), (257, 3, 1, 8), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
           (273, 4, 1, 8), (277, 3, 1, 1), (278, 3, 1, 8), (279, 4, 1, 64)]
ifd_offset = 8 + len(pixels)
ifd = struct.pack("<H", len(entries))
ifd += b"".join(struct.pack("<HHII", tag, typ, count, value) for tag, typ, count, value in entries)
ifd += struct.pack("<I", ifd_offset)
(out / "ifd-loop.tiff").write_bytes(b"II*\0" + struct.pack("<I", ifd_offset) + pixels + ifd)

# Random bytes behind each format's signature.
rng = random.Random(4711)
noise = bytes(rng.getrandbits(8) for _ in range(65536))
for name, magic in [("pdf", b"%PDF-1.7\n"), ("png", b"\x89PNG\r\n\x1a\n"), ("jpg", b"\xff\xd8\xff\xe0"),
                    ("tiff", b"II*\0"), ("bmp", b"BM"), ("webp", b"RIFF\0\0\1\0WEBPVP8 ")]:
    (out / f"random-sig.{name}").write_bytes(magic + noise)
