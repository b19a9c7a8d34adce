#!/usr/bin/python3
"""PDF fixtures for pdf_test.cpp, written into argv[1]: words at known positions (reportlab),
rotated pages, a title-only page, Factur-X and other attachments, hostile attachments (many, huge),
and Info strings in PDFDocEncoding and UTF-16 with an odd date (written by hand)."""
import os
import sys
import zlib

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

out = sys.argv[1]
os.chdir(out)


def words_pdf(name):
    c = canvas.Canvas(name, pagesize=(600, 800), invariant=1)
    c.setFont("Helvetica", 20)
    c.drawString(100, 700, "Hello world")
    c.drawString(300, 400, "Second line here")
    c.setFont("Helvetica", 10)
    c.drawString(100, 200, "Two columns:")
    c.drawString(300, 200, "same baseline")
    c.save()


words_pdf("words.pdf")  # make_pdf_fixtures.sh turns it with qpdf --rotate=+90

# Native text in German and French: one language per page (lang-de-fr.pdf: a long German page,
# then a short French one).
GERMAN = ["Die Rechnung wurde am Montag an unsere Kunden geschickt und muss",
          "innerhalb von dreißig Tagen bezahlt werden. Bitte überweisen Sie den",
          "Betrag auf das angegebene Konto der Gesellschaft. Für Rückfragen steht",
          "Ihnen unsere Buchhaltung gerne zur Verfügung. Mit freundlichen Grüßen."]
FRENCH = ["La facture a été envoyée lundi à nos clients et doit être payée",
          "dans un délai de trente jours. Veuillez virer le montant sur le compte",
          "indiqué de la société avant la fin du mois prochain."]
c = canvas.Canvas("lang-de-fr.pdf", pagesize=(595, 842), invariant=1)
for lines in (GERMAN, FRENCH):
    c.setFont("Helvetica", 12)
    for k, line in enumerate(lines):
        c.drawString(72, 770 - 18 * k, line)
    c.showPage()
c.save()

c = canvas.Canvas("title.pdf", pagesize=(595, 842), invariant=1)
c.setFont("Helvetica-Bold", 28)
c.drawString(72, 700, "Annual Report 2023")
c.save()

# A text page with a payment QR code drawn as vector rectangles (how invoicing software draws
# them): the code must be found without OCR'ing the page.
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

c = canvas.Canvas("text-qr.pdf", pagesize=(595, 842), invariant=1)
c.setFont("Helvetica", 12)
c.drawString(72, 770, "Invoice 4712: please pay with the QR code below, thank you very much.")
qr = QrCodeWidget("BCD\n002\n1\nSCT\n\nRed Cross\nBE72000000001616\nEUR12.50\n\n\nDonation")
d = Drawing(120, 120)
d.add(qr)
renderPDF.draw(d, c, 72, 500)
c.save()

# A scanned page under a short text layer (a scanner's stamp): the image covers the page.
c = canvas.Canvas("stamped-scan.pdf", pagesize=(595.44, 216), invariant=1)
c.drawImage(ImageReader("scan-300.png"), 0, 0, width=595.44, height=216)
c.setFont("Helvetica", 6)
c.drawString(5, 5, "Scan 0001")
c.save()


def invoice_pdf(name):
    c = canvas.Canvas(name, pagesize=(595, 842), invariant=1)
    c.setFont("Helvetica", 12)
    c.drawString(72, 770, "Invoice 4711 with its Factur-X XML attached to this very document.")
    c.save()


invoice_pdf("invoice-base.pdf")

FACTURX = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Factur-X MINIMUM, shortened -->
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
  <rsm:ExchangedDocument><ram:ID xmlns:ram="urn:x">INV-4711</ram:ID></rsm:ExchangedDocument>
  <note>Gr\u00fc\u00dfe</note>
</rsm:CrossIndustryInvoice>
"""
with open("factur-x.xml", "w", encoding="utf-8") as f:
    f.write(FACTURX)
with open("ubl-invoice-17.xml", "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0"?>\n<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>17</ID></ubl:Invoice>\n')
with open("data.xml", "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0"?>\n<catalog><item/></catalog>\n')
with open("notes.txt", "w", encoding="utf-8") as f:
    f.write("just notes\n")


def raw_pdf(objs, root=1, info=None):
    """A PDF with a classic cross-reference table; objs are the bodies of objects 1..n."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root %d 0 R" % (len(objs) + 1, root)
    if info:
        out += b" /Info %d 0 R" % info
    out += b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PAGE_OBJS = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    None,
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
content = b"BT /F1 24 Tf 72 700 Td (Metadata fixture) Tj ET"
PAGE_OBJS[2] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def attachments_pdf(name, files):
    """files: list of (name, stream dictionary extras, raw stream bytes)."""
    objs = [None] + PAGE_OBJS
    names = []
    for fname, extra, data in files:
        objs.append(b"<< /Type /EmbeddedFile /Subtype /text#2Fxml " + extra + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
        stream = len(objs)
        objs.append(b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>" % (fname, fname, stream))
        names.append(b"(%s) %d 0 R" % (fname, len(objs)))
    objs.append(b"<< /Names [" + b" ".join(names) + b"] >>")
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles %d 0 R >> >>" % len(objs)
    with open(name, "wb") as f:
        f.write(raw_pdf(objs))


# 10,000 embedded files.
attachments_pdf("many-attachments.pdf",
                [(b"f%05d.txt" % i, b"/Params << /Size 2 >>", b"x\n") for i in range(10000)])

# factur-x.xml that inflates to 1 GiB: declared honestly, and (smaller) lying about its size.
def bomb(size):
    z = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    parts = [z.compress(b"<?xml version='1.0'?><rsm:CrossIndustryInvoice xmlns:rsm='urn:x'>")]
    for _ in range(size >> 20):
        parts.append(z.compress(chunk))
    parts.append(z.flush())
    return b"".join(parts)


GIB_BOMB = bomb(1 << 30)  # about 1 MB deflated
attachments_pdf("huge-attachment.pdf",
                [(b"factur-x.xml", b"/Filter /FlateDecode /Params << /Size 1073741824 >>", GIB_BOMB)])
# Lying sizes: 1 GiB declared as 1000 bytes, and a real 320-byte invoice declared as 1 GiB.
attachments_pdf("lying-attachment.pdf",
                [(b"factur-x.xml", b"/Filter /FlateDecode /Params << /Size 1000 >>", GIB_BOMB)])
attachments_pdf("overstated-attachment.pdf",
                [(b"factur-x.xml", b"/Filter /FlateDecode /Params << /Size 1073741824 >>",
                  zlib.compress(FACTURX.encode("utf-8")))])

# Info strings: PDFDocEncoding (0x92 is the trademark sign, 0x80 the bullet, 0xA0 the euro sign),
# UTF-16 with a no-break space (U+00A0, which must stay one), and a date whose zone is "Z07'46'".
title16 = "Rapport\u00a0: \u00e9t\u00e9".encode("utf-16-be")
info = (b"<< /Producer (Acme\x92 PDF Writer \x80 5\xa0) /Title <feff" + title16.hex().encode() +
        b"> /Author (Ren\\351 \\(R\\) M\\374ller) /CreationDate (D:20230410074654Z07'46') "
        b"/ModDate (D:20230410074654-02'30') >>")
with open("pdfdoc-meta.pdf", "wb") as f:
    f.write(raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>"] + PAGE_OBJS + [info], info=6))
