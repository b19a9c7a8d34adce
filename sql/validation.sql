-- detect_mime() and validate_file(): every rule, with exact outputs.

-- libmagic on each format's bytes, and on things that are not documents.
SELECT f, docextract.detect_mime(fixture.doc(f)) AS mime
  FROM unnest(ARRAY['pdf', 'png', 'jpg', 'tiff', 'bmp', 'webp']) AS f;
SELECT docextract.detect_mime(convert_to('<?php echo "hi"; ?>' || repeat(' ', 100), 'UTF8'));
SELECT docextract.detect_mime('\x504b0304140000000800'::bytea || fixture.doc('pdf', 100));
SELECT docextract.detect_mime(''::bytea);
SELECT docextract.detect_mime(NULL) IS NULL AS strict;

-- Every accepted extension with matching content.
SELECT name, (docextract.validate_file(name, fixture.doc(fmt))).*
  FROM (VALUES ('a.pdf', 'pdf'), ('b.PNG', 'png'), ('c.jpg', 'jpg'), ('d.JPEG', 'jpg'),
               ('e.tiff', 'tiff'), ('f.bmp', 'bmp'), ('g.webp', 'webp')) AS t(name, fmt);

-- Size limits: 100 bytes to 50 MiB by default, both inclusive.
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf', 99))).errors;
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf', 100))).valid;
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf', 50 * 1024 * 1024))).valid;
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf', 50 * 1024 * 1024 + 1))).errors;
SELECT (docextract.validate_file('a.pdf', ''::bytea)).*;
SELECT (docextract.validate_file('a.pdf', NULL)).*;
SELECT (docextract.validate_file(NULL, fixture.doc('pdf'))).*;
SELECT (docextract.validate_file(NULL, NULL)).*;

-- The limits are settings a superuser may change, and ordinary users may not.
SET docextract.min_file_size = 300;
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf', 299))).errors;
SET docextract.max_file_size = 250;
SELECT fixture.try($$SELECT docextract.validate_file('a.pdf', fixture.doc('pdf'))$$);
RESET docextract.min_file_size;
RESET docextract.max_file_size;
SHOW docextract.max_file_size;
CREATE ROLE regress_plain;
SET ROLE regress_plain;
SELECT fixture.try($$SET docextract.max_file_size = '1GB'$$);
SELECT fixture.try($$SET docextract.extract_program = '/bin/sh'$$);
RESET ROLE;
DROP ROLE regress_plain;

-- Type: extension whitelist, MIME whitelist, extension/MIME consistency, signature at offset 0.
SELECT (docextract.validate_file('a.tif', fixture.doc('tiff'))).errors;
SELECT (docextract.validate_file('a.docx', fixture.doc('pdf'))).errors;
SELECT (docextract.validate_file('a.png', fixture.doc('pdf'))).errors;
SELECT (docextract.validate_file('a.jpg', fixture.doc('png'))).errors;
SELECT (docextract.validate_file('a.pdf', convert_to(repeat('plain text ', 20), 'UTF8'))).*;
-- libmagic finds a PDF behind a few junk bytes; the signature check does not accept it.
SELECT docextract.detect_mime('\x61616161'::bytea || fixture.doc('pdf')) AS junk_mime,
       (docextract.validate_file('a.pdf', '\x61616161'::bytea || fixture.doc('pdf'))).errors;
SELECT (docextract.validate_file('a.pdf', '\xefbbbf'::bytea || fixture.doc('pdf'))).errors;

-- Polyglots (docs/validation.md): an image with a PDF inside, a structurally valid ZIP, an archive
-- or executable after the document's end are refused; four ZIP signature bytes are not an archive;
-- a PDF may embed images.
SELECT (docextract.validate_file('a.png', fixture.doc('png') || fixture.doc('pdf'))).errors;
SELECT (docextract.validate_file('a.jpg', fixture.doc('jpg') || '\x504b0304'::bytea)).errors;
SELECT (docextract.validate_file('a.jpg', fixture.doc('jpg') || '\xffd9'::bytea
                                   || '\x504b03040a00000000000000000000000000000000000000000005000000612e706870504b010214000a000000000000000000000000000000000000000000050000000000000000000000000000000000612e706870504b0506000000000100010033000000230000000000'::bytea)).errors;
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf') || convert_to(E'\n%%EOF\n', 'UTF8')
                                   || '\x7f454c46020101'::bytea || decode(repeat('00', 57), 'hex'))).errors;
SELECT (docextract.validate_file('a.pdf', fixture.doc('pdf') || fixture.doc('png'))).valid;

-- Hostile file names.
SELECT name, v.valid, v.safe_filename, v.errors, v.notes
  FROM unnest(ARRAY[
         'C:\Users\me\scan.pdf', '/etc/passwd/../a.pdf', '../../a.pdf', '..', 'dir/',
         'a.php.pdf', 'invoice.EXE.pdf', 'report.2024.pdf', 'a' || chr(10) || '.pdf',
         'a' || chr(8238) || 'fdp.exe', 'noextension', '.pdf', 'a.pdf.', 'a.pdf ',
         repeat('é', 125) || 'a.pdf', repeat('é', 126) || '.pdf', '']) AS name,
       LATERAL docextract.validate_file(name, fixture.doc('pdf')) AS v;

-- Invisible characters, a space hiding an extension, Windows device names.
SELECT (docextract.validate_file(name, fixture.doc('pdf'))).errors
  FROM unnest(ARRAY['in' || chr(8203) || 'voice.pdf', chr(65279) || 'a.pdf', 'a' || chr(8232) || '.pdf',
                    'x.php .pdf', 'CON.pdf', 'lpt1.PDF', 'nul', 'COM10.pdf']) AS name;

-- Every problem is reported, not only the first.
SELECT (docextract.validate_file('x.php.png', fixture.doc('pdf', 50))).errors;

-- Random bytes never crash the backend.
SELECT count(*) AS checked, bool_or(v.valid) AS any_valid
  FROM generate_series(1, 200) AS i,
       LATERAL (SELECT string_agg(decode(md5(i::text || j::text), 'hex'), ''::bytea) AS b
                  FROM generate_series(1, 20) AS j) AS r,
       LATERAL docextract.validate_file('r.png', '\x89504e470d0a1a0a'::bytea || r.b) AS v;
