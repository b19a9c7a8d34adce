-- Documents, jobs and a pool of paragraphs for bench/search (psql variables: docs, owners).
-- Pages are built from the pool in store.sql. random() is seeded: every run has the same data.
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.search_words, docextract.search_configs,
         docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
DROP SCHEMA IF EXISTS bench_search CASCADE;
CREATE SCHEMA bench_search;
SELECT setseed(0.42);

-- Vocabularies: common words of business documents in English and German, then 30,000 rarer
-- words made of syllables (shared by both). Drawn Zipf-like: word n with weight about n^-0.83.
CREATE TABLE bench_search.vocab (lang text PRIMARY KEY, words text[]);
INSERT INTO bench_search.vocab
SELECT l.lang, l.common || t.tail
  FROM (VALUES
    ('en', regexp_split_to_array('the of and to in for on is by with this that from at as be are was will your
      invoice payment amount total customer account date number order tax net due please bank
      transfer reference balance statement period service services delivery address company
      contract terms conditions agreement party parties shall report quarter annual revenue
      cost costs price prices unit quantity description item items page signature signed name
      policy insurance claim claims medical patient doctor hospital treatment receipt store
      purchase card credit debit interest rate loan fee fees charge charges refund return
      employee salary tax year income deduction form application request notice letter dear
      sincerely regards office manager department director board meeting minutes approved
      project schedule budget expense expenses travel hotel flight booking confirmation
      certificate license registration identity passport valid issued expiry holder
      vehicle owner property rent lease tenant landlord deposit utility electricity water
      gas phone internet subscription monthly weekly daily annual invoiced paid unpaid overdue
      reminder final notice legal court case law section article clause liability warranty', '\s+')),
    ('de', regexp_split_to_array('der die das und zu in für auf ist von mit dies dass aus an als sein sind war wird ihr
      rechnung rechnungen zahlung zahlungen betrag gesamtbetrag kunde kunden konto datum nummer
      bestellung steuer netto fällig bitte bank überweisung verwendungszweck saldo kontoauszug
      zeitraum leistung leistungen lieferung anschrift firma vertrag verträge bedingungen
      vereinbarung partei parteien bericht quartal jahresbericht umsatz kosten preis preise
      menge beschreibung position positionen seite unterschrift name versicherung schaden
      arzt patient krankenhaus behandlung quittung kauf karte zinsen darlehen gebühr gebühren
      gutschrift erstattung mitarbeiter gehalt einkommen antrag mitteilung brief sehr geehrte
      damen herren grüßen freundlichen abteilung leitung sitzung protokoll genehmigt projekt
      zeitplan haushalt ausgaben reise hotel buchung bestätigung bescheinigung lizenz
      ausweis reisepass gültig ausgestellt fahrzeug eigentümer miete mieter vermieter kaution
      strom wasser telefon abonnement monatlich jährlich bezahlt offen mahnung frist gericht
      gesetz absatz haftung gewährleistung lieferschein mehrwertsteuer umsatzsteuer', '\s+'))
  ) AS l(lang, common),
  LATERAL (SELECT array_agg(s1.s || s2.s || s3.s ORDER BY (h.n * 2654435761) % 104729) AS tail
             FROM (SELECT array['ka','lo','mer','tin','bra','sel','dor','fen','gri','hu','jo',
                                'ke','lim','mo','nar','pel','qui','ros','sta','tur','ul','vin',
                                'wes','xa','yor','zel','ber','cal','dan','el','fo','gan','har',
                                'is','jen','kor','lan','mar','nes','op'] AS syl) AS a,
                  LATERAL generate_series(0, 29999) AS h(n),
                  LATERAL (SELECT a.syl[1 + h.n % 40] AS s) AS s1,
                  LATERAL (SELECT a.syl[1 + (h.n / 40) % 40] AS s) AS s2,
                  LATERAL (SELECT CASE WHEN h.n >= 1600 THEN a.syl[1 + (h.n / 1600) % 40] ELSE '' END AS s) AS s3) AS t;

-- One row per word (picking from the arrays would copy a whole array per word drawn).
CREATE TABLE bench_search.word (lang text, n int, word text, PRIMARY KEY (lang, n));
INSERT INTO bench_search.word
SELECT v.lang, u.n, u.word FROM bench_search.vocab AS v, unnest(v.words) WITH ORDINALITY AS u(word, n);
ANALYZE bench_search.word;

-- 4,000 paragraphs of 40 words per language; every tenth has OCR errors (l for i, rn for m).
CREATE TABLE bench_search.para (lang text, id int, text text, PRIMARY KEY (lang, id));
INSERT INTO bench_search.para
SELECT d.lang, d.id,
       CASE WHEN d.id % 10 = 0 THEN regexp_replace(regexp_replace(d.text, 'i', 'l'), 'm', 'rn')
            ELSE d.text END
  FROM (WITH v AS MATERIALIZED (SELECT lang, array_length(words, 1) AS size FROM bench_search.vocab)
        SELECT x.lang, x.id, string_agg(w.word, ' ' ORDER BY x.pos) AS text
          FROM (SELECT v.lang, p.id, g.pos, 1 + floor(v.size * power(random(), 6))::int AS n
                  FROM v, generate_series(1, 4000) AS p(id), generate_series(1, 40) AS g(pos)) AS x
          JOIN bench_search.word AS w ON w.lang = x.lang AND w.n = x.n
         GROUP BY x.lang, x.id) AS d;

SET session_replication_role = replica;
INSERT INTO docextract.documents
       (id, owner, original_filename, file_size, file_format, mime_type, sha256)
SELECT md5('sd' || i)::uuid, 'bench_search_u' || ((i / 10) % :owners + 1), 'scan-' || i || '.pdf',
       10000 + i, 'pdf', 'application/pdf', sha256(int8send(i))
  FROM generate_series(1, :docs) AS i;
INSERT INTO docextract.extraction_jobs
       (id, document_id, status, started_at, completed_at, processing_time_seconds)
SELECT md5('sj' || i)::uuid, md5('sd' || i)::uuid, 'completed', now(), now(), 1.0
  FROM generate_series(1, :docs) AS i;
RESET session_replication_role;
VACUUM ANALYZE docextract.documents, docextract.extraction_jobs;
