#!/usr/bin/env python3
"""Synthesizes valid benchmark documents (standard library only; deterministic for a seed).

  gendoc.py pdf OUT [--size N] [--pages P] [--lines L] [--image-bytes B] [--seed S]
      A PDF of P pages of L lines of Helvetica text (native text on every page, so the helper never OCRs
      it), optionally with one uncompressed DeviceGray image of about B bytes drawn on page 1,
      padded to exactly N bytes with an unreferenced binary stream object (the xref stays right).
  gendoc.py png OUT --size N [--seed S]
      A grayscale PNG of random pixels (a real image: zlib-compressed IDAT) padded to exactly N
      bytes with a tEXt chunk; it never contains "%PDF-" or a ZIP header (validate_file would
      call it a polyglot), a new seed is tried if it would.

Used by bench/validation, bench/load and bench/memory.
"""
import argparse
import random
import struct
import sys
import zlib

LINE = ("Docextract benchmark page {page}, line {line}: ordinary prose for the native text layer, "
        "long enough that no page is ever sent to OCR.")


def pdf_bytes(pages, image_bytes, pad_to, rng, nlines=40):
    objs = {}  # number -> bytes (without "n 0 obj" / "endobj")
    font = 3
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[font] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    next_num = 4
    page_nums = []
    image_num = None
    if image_bytes:
        width = 1000
        height = max(1, image_bytes // width)
        data = rng.randbytes(width * height)
        image_num = next_num
        next_num += 1
        objs[image_num] = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                           b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n"
                           % (width, height, len(data)) + data + b"\nendstream")
    for p in range(1, pages + 1):
        lines = [b"BT /F1 10 Tf 50 780 Td 12 TL"]
        for ln in range(1, nlines + 1):
            lines.append(b"(" + LINE.format(page=p, line=ln).encode() + b") '")
        lines.append(b"ET")
        if image_num is not None and p == 1:
            lines.append(b"q 500 0 0 300 50 50 cm /Im1 Do Q")
        content = b"\n".join(lines)
        content_num, page_num = next_num, next_num + 1
        next_num += 2
        objs[content_num] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        xobj = b" /XObject << /Im1 %d 0 R >>" % image_num if (image_num and p == 1) else b""
        objs[page_num] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                          b"/Resources << /Font << /F1 %d 0 R >>%s >> /Contents %d 0 R >>"
                          % (font, xobj, content_num))
        page_nums.append(page_num)
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % n for n in page_nums), len(page_nums))

    def assemble(extra):
        all_objs = dict(objs)
        if extra is not None:
            all_objs[next_num] = extra
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = {}
        for n in sorted(all_objs):
            offsets[n] = len(out)
            out += b"%d 0 obj\n" % n + all_objs[n] + b"\nendobj\n"
        size = max(all_objs) + 1
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for n in range(1, size):
            out += b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
        return bytes(out)

    doc = assemble(None)
    if pad_to is None:
        return doc
    # An unreferenced stream object of random bytes; its length field's digits change the total,
    # so converge on the exact size.
    pad = 0
    for _ in range(10):
        extra = b"<< /Length %d >>\nstream\n" % pad + b"\0" * pad + b"\nendstream"
        got = len(assemble(extra))
        if got == pad_to:
            break
        pad += pad_to - got
        if pad < 0:
            sys.exit("gendoc: %d bytes is too small for this PDF (%d without padding)" % (pad_to, len(doc)))
    extra = b"<< /Length %d >>\nstream\n" % pad + rng.randbytes(pad) + b"\nendstream"
    doc = assemble(extra)
    assert len(doc) == pad_to, (len(doc), pad_to)
    return doc


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png_bytes(size, rng):
    width = 256
    # Random pixels do not compress: the file is about width*height bytes plus overhead.
    height = max(1, (size - 200 - size // 500) // (width + 1))
    if size < 2000:
        width, height = 16, 16
    raw = b"".join(b"\0" + rng.randbytes(width) for _ in range(height))
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    body = chunk(b"IDAT", zlib.compress(raw, 6))
    end = chunk(b"IEND", b"")
    pad = size - len(head) - len(body) - len(end) - 12
    if pad < 8:
        sys.exit("gendoc: cannot pad the PNG to %d bytes" % size)
    text = b"Comment\0" + bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz ") for _ in range(pad - 8))
    doc = head + chunk(b"tEXt", text) + body + end
    assert len(doc) == size
    return doc


def polyglot_free(doc):
    if b"%PDF-" in doc[1:]:
        return False
    return not any(sig in doc[1:] for sig in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["pdf", "png"])
    ap.add_argument("out")
    ap.add_argument("--size", type=int)
    ap.add_argument("--pages", type=int, default=1)
    ap.add_argument("--image-bytes", type=int, default=0)
    ap.add_argument("--lines", type=int, default=40, help="text lines per PDF page")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    seed = a.seed
    while True:
        rng = random.Random(seed)
        if a.kind == "pdf":
            doc = pdf_bytes(a.pages, a.image_bytes, a.size, rng, a.lines)
            break
        doc = png_bytes(a.size, rng)
        if polyglot_free(doc):
            break
        seed += 1000
    with open(a.out, "wb") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
