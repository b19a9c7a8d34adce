#!/usr/bin/python3
"""Generates the fields benchmark corpus: invoices, receipts and bank statements as text PDFs
(reportlab) in German, English, French and Dutch, in two layouts, some rendered as scans (gray
PNG with blur, noise and a small rotation); passports and ID cards (OCR-B MRZ under a printed
visual zone, some blurred, noisy or turned); payment QR codes (EPC) and AAMVA PDF417 licences,
some skewed; and traps: an IBAN with a bad checksum, totals that do not add up, a date that does
not exist, an MRZ check digit that is wrong, a balance that does not add up.

usage: gen.py OUTDIR COUNT_PER_KIND SEED   (writes OUTDIR/truth.json and the documents)
truth.json: [{"file", "format", "kind", "scan": bool, "fields": {name: value},
              "forbidden": {name: value}}]: fields are every field the document has; a forbidden
value (a trap) must never be reported at a confidence of 0.5 or more."""
import json
import os
import random
import subprocess
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

OUT, N, SEED = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(SEED)
os.makedirs(OUT, exist_ok=True)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
docs = []

# ---------------------------------------------------------------- identifiers


def mod97(s):
    n = "".join(str(int(c, 36)) for c in s)
    return int(n) % 97


def iban(country="DE", length=22):
    bban = "".join(rnd.choice("0123456789") for _ in range(length - 4))
    check = 98 - mod97(bban + country + "00")
    return f"{country}{check:02d}{bban}"


def bad_iban(good):
    i = rnd.randrange(6, len(good))
    d = str((int(good[i]) + rnd.randrange(1, 10)) % 10)
    return good[:i] + d + good[i + 1:]


def rf_reference():
    body = "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(8, 14)))
    check = 98 - mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def de_vat():
    while True:
        d = [rnd.randrange(1, 10)] + [rnd.randrange(10) for _ in range(7)]
        p = 10
        for x in d:
            s = (x + p) % 10 or 10
            p = (2 * s) % 11
        c = (11 - p) % 10
        return "DE" + "".join(map(str, d)) + str(c)


def spaced(s, n=4):
    return " ".join(s[i:i + n] for i in range(0, len(s), n))


BICS = ["COBADEFFXXX", "DEUTDEFF", "BNPAFRPP", "INGBNL2A", "RABONL2U", "SOGEFRPP", "BARCGB22", "MARKDEF1100"]
NAMES = [("MUELLER", "HANS PETER"), ("ERIKSSON", "ANNA MARIA"), ("DUPONT", "MARIE"), ("JANSEN", "PIETER"),
         ("SMITH", "JOHN"), ("ROSSI", "LUCA"), ("SCHMIDT", "KLARA"), ("MARTIN", "JULIE"), ("DE JONG", "SANNE"),
         ("BROWN", "OLIVIA GRACE"), ("WEBER", "JONAS"), ("BERNARD", "LOUIS")]
COMPANIES = ["Muster GmbH", "Nordlicht Handel GmbH", "ACME Ltd", "Dupont et Fils SARL", "Jansen Techniek BV",
             "Bergmann Elektro KG", "Blue Harbour Ltd", "Atelier Moreau SAS", "Van Dijk Logistiek BV"]
ITEMS = ["Consulting", "Software licence", "Support", "Hardware", "Training", "Installation", "Maintenance",
         "Cables", "Design work", "Hosting"]

# ---------------------------------------------------------------- number and date formats

MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"],
          "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                 "octobre", "novembre", "décembre"]}


def money(cents, lang):
    neg = cents < 0
    cents = abs(cents)
    units, frac = divmod(cents, 100)
    groups = f"{units:,}"
    if lang == "en":
        s = f"{groups}.{frac:02d}"
    elif lang == "fr":
        s = groups.replace(",", "\u00a0") + f",{frac:02d}"
    else:
        s = groups.replace(",", ".") + f",{frac:02d}"
    return ("-" if neg else "") + s


def date_text(y, m, d, lang, style):
    if lang == "de":
        return f"{d:02d}.{m:02d}.{y}"
    if lang == "nl":
        return f"{d:02d}-{m:02d}-{y}"
    if lang == "fr":
        return f"{d} {MONTHS['fr'][m - 1]} {y}" if style else f"{d:02d}/{m:02d}/{y}"
    return f"{MONTHS['en'][m - 1]} {d}, {y}" if style else f"{d:02d}/{m:02d}/{y}"


def iso(y, m, d):
    return f"{y:04d}-{m:02d}-{d:02d}"


def rand_date(y0=2023, y1=2025):
    return rnd.randrange(y0, y1 + 1), rnd.randrange(1, 13), rnd.randrange(1, 29)


def add_days(y, m, d, days):
    import datetime
    t = datetime.date(y, m, d) + datetime.timedelta(days=days)
    return t.year, t.month, t.day

# ---------------------------------------------------------------- rendering


def pdf_lines(path, lines, size=A4, font_size=10):
    """lines: (x, y_from_top, text, bold) in points."""
    c = canvas.Canvas(path, pagesize=size)
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", DEJAVU))
        pdfmetrics.registerFont(TTFont("DejaVuBold", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
    for x, y, text, bold in lines:
        c.setFont("DejaVuBold" if bold else "DejaVu", font_size + (4 if bold else 0))
        c.drawString(x, size[1] - y, text)
    c.showPage()
    c.save()


def scan_of(pdf, png, angle, blur, noise):
    """Renders the PDF's first page at 200 dpi gray and degrades it like a scan."""
    base = png[:-4]
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-singlefile", pdf, base], check=True)
    im = Image.open(png).convert("L")
    if angle:
        im = im.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    if blur:
        im = im.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        px = im.load()
        w, h = im.size
        for _ in range(int(w * h * noise)):
            x, y = rnd.randrange(w), rnd.randrange(h)
            px[x, y] = rnd.choice((0, 255))
    im.save(png, dpi=(200, 200))
    os.remove(pdf)

# ---------------------------------------------------------------- invoices

L = {
    "de": dict(title="Rechnung", number="Rechnungsnummer:", date="Rechnungsdatum:", due="Fällig am:",
               head="Beschreibung Menge Preis Betrag", net="Nettobetrag", tax="MwSt {r} %", total="Gesamtbetrag",
               prepaid="Anzahlung", amount_due="Zahlbetrag", ref="Verwendungszweck:", vat="USt-IdNr.:",
               po="Bestellnummer:", rate=19, cur="EUR"),
    "en": dict(title="Invoice", number="Invoice number:", date="Invoice date:", due="Due date:",
               head="Description Qty Price Amount", net="Subtotal", tax="VAT {r}%", total="Total",
               prepaid="Amount paid", amount_due="Amount due", ref="Payment reference:", vat="VAT no:",
               po="Purchase order:", rate=20, cur="GBP"),
    "fr": dict(title="Facture", number="Numéro de facture :", date="Date de facture :", due="Date d'échéance :",
               head="Désignation Qté Prix Montant", net="Total HT", tax="TVA {r} %", total="Total TTC",
               prepaid="Acompte", amount_due="Net à payer", ref="Référence :", vat="N° TVA :",
               po="Bon de commande :", rate=20, cur="EUR"),
    "nl": dict(title="Factuur", number="Factuurnummer:", date="Factuurdatum:", due="Vervaldatum:",
               head="Omschrijving Aantal Prijs Bedrag", net="Subtotaal", tax="BTW {r}%", total="Totaal",
               prepaid="Aanbetaling", amount_due="Te betalen", ref="Betalingskenmerk:", vat="BTW-nummer:",
               po="Inkoopordernummer:", rate=21, cur="EUR"),
}


def invoice(i, lang, layout, scan, trap=None):
    t = L[lang]
    vendor = rnd.choice(COMPANIES)
    number = f"{rnd.choice(['INV', 'R', 'F', '2024'])}-{rnd.randrange(1000, 99999)}"
    y, m, d = rand_date()
    dy, dm, dd = add_days(y, m, d, rnd.choice((14, 30)))
    style = rnd.random() < 0.5
    items = []
    for _ in range(rnd.randrange(1, 5)):
        q = rnd.randrange(1, 6)
        price = rnd.randrange(500, 90000)
        items.append((rnd.choice(ITEMS), q, price, q * price))
    net = sum(it[3] for it in items)
    tax = round(net * t["rate"] / 100)
    total = net + tax
    prepaid = rnd.choice((0, 0, 0, round(total * 0.3)))
    due = total - prepaid
    acct = iban("GB", 22) if lang == "en" and False else iban("DE", 22)
    bic = rnd.choice(BICS)
    ref = rf_reference()
    vat = de_vat()
    cur = t["cur"]
    sym = {"EUR": "EUR", "GBP": "GBP"}[cur]
    fields = {"invoice_number": number, "invoice_date": iso(y, m, d), "due_date": iso(dy, dm, dd),
              "currency": cur, "net_amount": net / 100, "tax_amount": tax / 100, "total_amount": total / 100,
              "vendor_name": vendor, "vendor_vat_id": vat, "iban": acct, "bic": bic, "payment_reference": ref,
              "line_items": [it[3] / 100 for it in items]}
    if prepaid:
        fields["amount_due"] = due / 100
    forbidden = {}
    printed_date = date_text(y, m, d, lang, style)
    printed_iban = acct
    printed_total = total
    if trap == "iban":
        printed_iban = bad_iban(acct)
        forbidden["iban"] = printed_iban
        del fields["iban"]
    elif trap == "totals":
        printed_total = total + rnd.choice((100, 1000, -500))
        # net + VAT != total: none of the three may be reported as confirmed
        forbidden.update(total_amount=printed_total / 100, net_amount=net / 100, tax_amount=tax / 100)
        del fields["total_amount"], fields["net_amount"], fields["tax_amount"]
        fields.pop("amount_due", None)
        prepaid = 0
    elif trap == "date":
        printed_date = date_text(y, 2, 30, lang, False) if lang != "en" else f"30/02/{y}"
        del fields["invoice_date"]
        forbidden["invoice_date"] = iso(y, 3, 1)
    lines = [(50, 60, vendor, True), (50, 80, "Hauptstraße 5, 10115 Berlin" if lang == "de" else "12 Market Street", False),
             (50, 130, t["title"], True)]
    yy = 160
    head = [(t["number"], number), (t["date"], printed_date), (t["due"], date_text(dy, dm, dd, lang, style))]
    if layout == 0:
        for lab, val in head:
            lines += [(50, yy, lab, False), (220, yy, val, False)]
            yy += 16
    else:  # labels in a row, values below them
        for k, (lab, val) in enumerate(head):
            lines += [(50 + 170 * k, yy, lab, False), (50 + 170 * k, yy + 14, val, False)]
        yy += 40
    yy += 20
    lines.append((50, yy, t["head"], False))
    yy += 18
    for desc, q, price, amount in items:
        lines.append((50, yy, f"{desc} {q} {money(price, lang)} {money(amount, lang)}", False))
        yy += 14
    yy += 14
    rows = [(t["net"], net), (t["tax"].format(r=t["rate"]), tax), (t["total"], printed_total)]
    if prepaid:
        rows += [(t["prepaid"], prepaid), (t["amount_due"], due)]
    for lab, v in rows:
        lines += [(300, yy, lab, False), (450, yy, f"{money(v, lang)} {sym}", False)]
        yy += 16
    yy += 20
    lines += [(50, yy, f"IBAN {spaced(printed_iban)}", False), (50, yy + 14, f"BIC {bic}", False),
              (50, yy + 28, f"{t['ref']} {spaced(ref)}", False), (50, yy + 42, f"{t['vat']} {vat}", False)]
    name = f"inv{i:03d}_{lang}"
    pdf = os.path.join(OUT, name + ".pdf")
    pdf_lines(pdf, lines)
    if scan:
        scan_of(pdf, os.path.join(OUT, name + ".png"), rnd.uniform(-1.5, 1.5), rnd.choice((0, 0.6)),
                rnd.choice((0, 0.002)))
        docs.append({"file": name + ".png", "format": "png", "kind": "invoice", "scan": True,
                     "lang": lang, "fields": fields, "forbidden": forbidden})
    else:
        docs.append({"file": name + ".pdf", "format": "pdf", "kind": "invoice", "scan": False,
                     "lang": lang, "fields": fields, "forbidden": forbidden})

# ---------------------------------------------------------------- receipts


def receipt(i, lang, scan):
    merchant = rnd.choice(["BÄCKEREI SONNE", "SUPERMARKT NORD", "CAFE CENTRAL", "CORNER SHOP", "BOULANGERIE PAUL"])
    y, m, d = rand_date()
    hh, mm = rnd.randrange(7, 22), rnd.randrange(60)
    items = [(rnd.choice(["Brot", "Milch", "Kaffee", "Apfel", "Wasser"]), rnd.randrange(99, 1999))
             for _ in range(rnd.randrange(2, 6))]
    total = sum(p for _, p in items)
    rate = 19 if lang == "de" else 20
    tax = round(total * rate / (100 + rate))
    last4 = f"{rnd.randrange(10000):04d}"
    if lang == "de":
        tl, tx, dt = "SUMME EUR", f"MwSt {rate}% enthalten", f"{d:02d}.{m:02d}.{y} {hh:02d}:{mm:02d}"
    else:
        tl, tx, dt = "TOTAL EUR", f"VAT {rate}%", f"{d:02d}/{m:02d}/{y} {hh:02d}:{mm:02d}"
    lines = [(20, 30, merchant, True), (20, 50, "Kassenbon" if lang == "de" else "Receipt", False)]
    yy = 75
    for n, p in items:
        lines.append((20, yy, f"{n} {money(p, lang)}", False))
        yy += 13
    lines += [(20, yy + 8, f"{tl} {money(total, lang)}", True), (20, yy + 30, f"{tx} {money(tax, lang)}", False),
              (20, yy + 46, dt, False), (20, yy + 62, f"Karte **** **** **** {last4}" if lang == "de"
                                         else f"Card **** **** **** {last4}", False)]
    fields = {"merchant_name": merchant, "transaction_date": iso(y, m, d), "transaction_time": f"{hh:02d}:{mm:02d}",
              "total_amount": total / 100, "tax_amount": tax / 100, "currency": "EUR", "card_last4": last4}
    name = f"rec{i:03d}_{lang}"
    pdf = os.path.join(OUT, name + ".pdf")
    pdf_lines(pdf, lines, size=(230, yy + 100), font_size=9)
    entry = {"kind": "receipt", "lang": lang, "fields": fields, "forbidden": {}}
    if scan:
        scan_of(pdf, os.path.join(OUT, name + ".png"), rnd.uniform(-1, 1), 0.5, 0)
        docs.append(dict(entry, file=name + ".png", format="png", scan=True))
    else:
        docs.append(dict(entry, file=name + ".pdf", format="pdf", scan=False))

# ---------------------------------------------------------------- bank statements

S = {"de": ("Kontoauszug", "Kontoinhaber:", "Zeitraum", "Alter Kontostand", "Neuer Kontostand"),
     "en": ("Bank statement", "Account holder:", "Statement period", "Opening balance", "Closing balance"),
     "fr": ("Relevé de compte", "Titulaire du compte :", "Période du", "Ancien solde", "Nouveau solde")}


def statement(i, lang, scan, trap=False):
    title, holder_l, period_l, open_l, close_l = S[lang]
    sur, given = rnd.choice(NAMES)
    holder = f"{given.title()} {sur.title()}"
    y, m = rnd.randrange(2023, 2026), rnd.randrange(1, 13)
    opening = rnd.randrange(-50000, 500000)
    moves = [rnd.choice((-1, 1)) * rnd.randrange(500, 150000) for _ in range(rnd.randrange(2, 7))]
    closing = opening + sum(moves)
    printed_closing = closing + (rnd.choice((1000, -2500)) if trap else 0)
    acct = iban("DE", 22)
    bic = rnd.choice(BICS)
    fmt = lambda d: date_text(y, m, d, "de" if lang != "en" else "en", False)
    lines = [(50, 60, "Sparkasse Nord" if lang == "de" else "First Bank", True), (50, 100, title, True),
             (50, 130, f"{holder_l} {holder}", False), (50, 146, f"IBAN {spaced(acct)}", False),
             (50, 162, f"BIC {bic}", False),
             (50, 178, f"{period_l} {fmt(1)} - {fmt(28)}", False),
             (50, 210, f"{open_l} {money(opening, lang)} EUR", False)]
    yy = 230
    for k, mv in enumerate(moves):
        lines.append((50, yy, f"{fmt(2 + 3 * k)} {rnd.choice(['Miete', 'Gehalt', 'Einkauf', 'Transfer'])} {money(mv, lang)}", False))
        yy += 14
    lines.append((50, yy + 10, f"{close_l} {money(printed_closing, lang)} EUR", False))
    fields = {"account_holder": holder, "iban": acct, "bic": bic, "period_start": iso(y, m, 1),
              "period_end": iso(y, m, 28), "opening_balance": opening / 100, "closing_balance": closing / 100,
              "currency": "EUR"}
    forbidden = {}
    if trap:
        del fields["closing_balance"], fields["opening_balance"]
        forbidden = {"closing_balance": printed_closing / 100, "opening_balance": opening / 100}
    name = f"stm{i:03d}_{lang}"
    pdf = os.path.join(OUT, name + ".pdf")
    pdf_lines(pdf, lines)
    entry = {"kind": "bank_statement", "lang": lang, "fields": fields, "forbidden": forbidden}
    if scan:
        scan_of(pdf, os.path.join(OUT, name + ".png"), rnd.uniform(-1, 1), 0.5, 0.001)
        docs.append(dict(entry, file=name + ".png", format="png", scan=True))
    else:
        docs.append(dict(entry, file=name + ".pdf", format="pdf", scan=False))

# ---------------------------------------------------------------- passports and ID cards


def cd(s):
    v = 0
    for k, c in enumerate(s):
        x = 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55
        v += x * (7, 3, 1)[k % 3]
    return str(v % 10)


def mrz_name(sur, given, n):
    s = sur.replace(" ", "<") + "<<" + given.replace(" ", "<")
    return (s + "<" * n)[:n]


def passport(i, kind, degrade, trap=False):
    sur, given = rnd.choice(NAMES)
    country = rnd.choice(["UTO", "D<<", "FRA", "NLD", "GBR"])
    cc = country.replace("<", "")
    num = "".join(rnd.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(9))
    by, bm, bd = rnd.randrange(1950, 2005), rnd.randrange(1, 13), rnd.randrange(1, 29)
    ey, em, ed = rnd.randrange(2026, 2035), rnd.randrange(1, 13), rnd.randrange(1, 29)
    sex = rnd.choice("MF")
    b6, e6 = f"{by % 100:02d}{bm:02d}{bd:02d}", f"{ey % 100:02d}{em:02d}{ed:02d}"
    fields = {"document_number": num, "surname": sur, "given_names": given, "birth_date": iso(by, bm, bd),
              "expiry_date": iso(ey, em, ed), "sex": sex, "issuing_country": cc, "nationality": cc}
    forbidden = {}
    bcd = cd(b6)
    if trap:
        bad = str((int(bcd) + 3) % 10)
        forbidden["birth_date"] = iso(by, bm, bd)
        del fields["birth_date"]
        bcd = bad
    if kind == "TD3":
        pers = "<" * 14
        l1 = mrz_name("P<" + country + sur, given, 44) if False else ("P<" + country + mrz_name(sur, given, 39))
        l2 = num + cd(num) + country + b6 + bcd + sex + e6 + cd(e6) + pers + cd(pers)
        comp = l2[0:10] + l2[13:20] + l2[21:43]
        l2 += cd(comp)
        lines = [l1, l2]
        fields["document_code"] = "P"
        title = "PASSPORT / PASSEPORT"
    else:
        opt1 = "<" * 15
        l1 = "I<" + country + num + cd(num) + opt1
        l2 = b6 + bcd + sex + e6 + cd(e6) + country + "<" * 11
        comp = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
        l2 += cd(comp)
        l3 = mrz_name(sur, given, 30)
        lines = [l1, l2, l3]
        fields["document_code"] = "I"
        title = "IDENTITY CARD / CARTE D'IDENTITE"
    if trap:  # with a wrong check digit, the composite's other fields stay unconfirmed too
        for k in list(fields):
            if k != "birth_date":
                forbidden.setdefault(k, None)
        fields = {}
    else:
        fields["mrz"] = "\n".join(lines)
    W, H = (1250, 880) if kind == "TD3" else (1000, 640)
    im = Image.new("L", (W, H), rnd.randrange(225, 245))
    dr = ImageDraw.Draw(im)
    f = ImageFont.truetype(DEJAVU, 28)
    fs = ImageFont.truetype(DEJAVU, 18)
    mf = ImageFont.truetype(OCRB, 38 if kind == "TD3" else 40)
    dr.text((40, 30), title, font=f, fill=0)
    base = H - 60 * len(lines) - 30
    dr.rectangle((40, 100, 300, min(440, base - 30)), outline=0, width=3)  # the photo, above the MRZ
    mon = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    viz = [("Surname / Nom", sur), ("Given names / Prénoms", given), ("Document No.", num),
           ("Nationality", cc), ("Date of birth", f"{bd:02d} {mon[bm - 1]} {by}"), ("Sex", sex),
           ("Date of expiry", f"{ed:02d} {mon[em - 1]} {ey}")]
    yy = 90
    for lab, val in viz:
        dr.text((340, yy), lab, font=fs, fill=70)
        dr.text((340, yy + 20), val, font=f, fill=0)
        yy += 58 if kind == "TD3" else 50
        if yy > H - 220:
            break
    for k, l in enumerate(lines):
        dr.text((40, base + 60 * k), l, font=mf, fill=0)
    if degrade:
        im = im.rotate(rnd.uniform(-2, 2), resample=Image.BICUBIC, expand=True, fillcolor=235)
        im = im.filter(ImageFilter.GaussianBlur(rnd.choice((0.6, 1.0))))
    name = f"id{i:03d}_{kind}"
    im.save(os.path.join(OUT, name + ".png"), dpi=(300, 300))
    docs.append({"file": name + ".png", "format": "png", "kind": "passport" if kind == "TD3" else "id_document",
                 "scan": True, "lang": "en", "fields": fields, "forbidden": forbidden})

# ---------------------------------------------------------------- payment QR and licences


def epc_invoice(i):
    name_c = rnd.choice(COMPANIES)
    acct = iban("DE", 22)
    bic = rnd.choice(BICS)
    cents = rnd.randrange(100, 500000)
    ref = rf_reference()
    payload = f"BCD\n002\n1\nSCT\n{bic}\n{name_c}\n{acct}\nEUR{cents // 100}.{cents % 100:02d}\n\n{ref}\n"
    qr = os.path.join(OUT, f"qr{i}.png")
    subprocess.run(["qrencode", "-l", "M", "-s", "6", "-o", qr, payload], check=True)
    c = canvas.Canvas(os.path.join(OUT, f"epc{i:03d}.pdf"), pagesize=A4)
    c.setFont("Helvetica", 12)
    c.drawString(50, 780, "Zahlungsaufforderung")
    c.drawString(50, 760, "Bitte scannen Sie den QR-Code mit Ihrer Banking-App.")
    c.drawImage(qr, 50, 500, 180, 180)
    c.showPage()
    c.save()
    os.remove(qr)
    fields = {"iban": acct, "bic": bic, "beneficiary_name": name_c, "total_amount": cents / 100,
              "currency": "EUR", "payment_reference": ref}
    docs.append({"file": f"epc{i:03d}.pdf", "format": "pdf", "kind": "payment_qr", "scan": False, "lang": "de",
                 "fields": fields, "forbidden": {}})


def licence(i, angle):
    sur, given = rnd.choice(NAMES)
    given = given.split()[0]
    num = f"D{rnd.randrange(1000000, 9999999)}"
    by, bm, bd = rnd.randrange(1950, 2005), rnd.randrange(1, 13), rnd.randrange(1, 29)
    ey = rnd.randrange(2026, 2032)
    body = (f"DAQ{num}\nDCS{sur}\nDAC{given}\nDBB{bm:02d}{bd:02d}{by}\nDBA{bm:02d}{bd:02d}{ey}\nDBD{bm:02d}{bd:02d}2022\n"
            f"DBC{rnd.choice('12')}\nDAG{rnd.randrange(1, 999)} MAIN ST\nDAISACRAMENTO\nDAJCA\nDAK958230000  \nDCAC\n\r")
    header = "@\n\x1e\rANSI 636014080002DL00410" + f"{len(body) + 2:03d}" + "ZC0" + "0000" + "DL"
    payload = header + body
    raw = os.path.join(OUT, f"dl{i}.bin")
    with open(raw, "w", newline="") as fh:
        fh.write(payload)
    png = os.path.join(OUT, f"dl{i:03d}.png")
    subprocess.run(["zint", "-b", "55", "--binary", "--scale=2", "--notext", "-i", raw, "-o", png], check=True)
    os.remove(raw)
    code = Image.open(png).convert("L")
    page = Image.new("L", (code.width + 300, code.height + 400), 250)
    page.paste(code, (150, 250))
    ImageDraw.Draw(page).text((150, 60), "CALIFORNIA DRIVER LICENSE", font=ImageFont.truetype(DEJAVU, 30), fill=0)
    if angle:
        page = page.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=250)
    page.save(png, dpi=(300, 300))
    sexv = "M" if "DBC1" in body else "F"
    fields = {"document_number": num, "surname": sur, "given_names": given, "birth_date": iso(by, bm, bd),
              "expiry_date": iso(ey, bm, bd), "issue_date": iso(2022, bm, bd), "sex": sexv,
              "address_street": body.split("DAG")[1].split("\n")[0], "address_city": "SACRAMENTO",
              "address_state": "CA", "address_postal_code": "95823", "license_class": "C",
              "issuing_jurisdiction": "CA"}
    docs.append({"file": f"dl{i:03d}.png", "format": "png", "kind": "drivers_license", "scan": True, "lang": "en",
                 "fields": fields, "forbidden": {}})


langs = ["de", "en", "fr", "nl"]
k = 0
for j in range(N):
    lang = langs[j % 4]
    trap = {N - 1: "iban", N - 2: "totals", N - 3: "date"}.get(j)
    invoice(k, lang, j % 2, scan=False, trap=trap)
    k += 1
    invoice(k, lang, (j + 1) % 2, scan=(j % 3 != 2), trap=None if j % 3 == 2 else trap)
    k += 1
for j in range(max(2, N // 2)):
    receipt(j, ("de", "en")[j % 2], scan=j % 2 == 1)
for j in range(max(3, N // 2)):
    statement(j, ("de", "en", "fr")[j % 3], scan=j % 3 == 2, trap=(j == 0))
for j in range(N):
    passport(j, "TD3" if j % 3 else "TD1", degrade=j % 2 == 1, trap=(j == N - 1))
for j in range(max(2, N // 4)):
    epc_invoice(j)
for j in range(max(2, N // 4)):
    licence(j, (0, 9, -14, 25)[j % 4])
with open(os.path.join(OUT, "truth.json"), "w") as fh:
    json.dump(docs, fh, indent=1, ensure_ascii=False)
print(f"{len(docs)} documents in {OUT}")
