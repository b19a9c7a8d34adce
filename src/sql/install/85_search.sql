-- Full-text search over the newest result of each document (docs/search.md). One tsvector per
-- page, because one tsvector holds at most 1 MB of lexemes and positions up to 16,383. The
-- text-search configuration of a page follows its detected language. Configurations are stored
-- by name, not as regconfig: pg_upgrade refuses user tables with regconfig columns.

-- The built-in text-search configuration for a language code: ISO 639-1 (CLD2, "de"), ISO
-- 639-2 (tesseract, "deu", "deu+eng", "chi_sim") or a configuration's name; simple otherwise.
-- PL/pgSQL, not SQL: a SQL function with SET is planned again in every statement that calls it.
CREATE OR REPLACE FUNCTION docextract.search_config(language text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE pg_catalog.lower(pg_catalog.split_part(pg_catalog.split_part(pg_catalog.split_part(
                    pg_catalog.btrim(language), '+', 1), '-', 1), '_', 1))
        WHEN 'ar' THEN 'arabic' WHEN 'ara' THEN 'arabic' WHEN 'arabic' THEN 'arabic'
        WHEN 'hy' THEN 'armenian' WHEN 'hye' THEN 'armenian' WHEN 'arm' THEN 'armenian'
        WHEN 'armenian' THEN 'armenian'
        WHEN 'eu' THEN 'basque' WHEN 'eus' THEN 'basque' WHEN 'baq' THEN 'basque'
        WHEN 'basque' THEN 'basque'
        WHEN 'ca' THEN 'catalan' WHEN 'cat' THEN 'catalan' WHEN 'catalan' THEN 'catalan'
        WHEN 'da' THEN 'danish' WHEN 'dan' THEN 'danish' WHEN 'danish' THEN 'danish'
        WHEN 'nl' THEN 'dutch' WHEN 'nld' THEN 'dutch' WHEN 'dut' THEN 'dutch' WHEN 'dutch' THEN 'dutch'
        WHEN 'en' THEN 'english' WHEN 'eng' THEN 'english' WHEN 'english' THEN 'english'
        WHEN 'fi' THEN 'finnish' WHEN 'fin' THEN 'finnish' WHEN 'finnish' THEN 'finnish'
        WHEN 'fr' THEN 'french' WHEN 'fra' THEN 'french' WHEN 'fre' THEN 'french' WHEN 'french' THEN 'french'
        WHEN 'de' THEN 'german' WHEN 'deu' THEN 'german' WHEN 'ger' THEN 'german' WHEN 'german' THEN 'german'
        WHEN 'el' THEN 'greek' WHEN 'ell' THEN 'greek' WHEN 'gre' THEN 'greek' WHEN 'greek' THEN 'greek'
        WHEN 'hi' THEN 'hindi' WHEN 'hin' THEN 'hindi' WHEN 'hindi' THEN 'hindi'
        WHEN 'hu' THEN 'hungarian' WHEN 'hun' THEN 'hungarian' WHEN 'hungarian' THEN 'hungarian'
        WHEN 'id' THEN 'indonesian' WHEN 'ind' THEN 'indonesian' WHEN 'indonesian' THEN 'indonesian'
        WHEN 'ga' THEN 'irish' WHEN 'gle' THEN 'irish' WHEN 'irish' THEN 'irish'
        WHEN 'it' THEN 'italian' WHEN 'ita' THEN 'italian' WHEN 'italian' THEN 'italian'
        WHEN 'lt' THEN 'lithuanian' WHEN 'lit' THEN 'lithuanian' WHEN 'lithuanian' THEN 'lithuanian'
        WHEN 'ne' THEN 'nepali' WHEN 'nep' THEN 'nepali' WHEN 'nepali' THEN 'nepali'
        WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
        WHEN 'nor' THEN 'norwegian' WHEN 'nob' THEN 'norwegian' WHEN 'nno' THEN 'norwegian'
        WHEN 'norwegian' THEN 'norwegian'
        WHEN 'pt' THEN 'portuguese' WHEN 'por' THEN 'portuguese' WHEN 'portuguese' THEN 'portuguese'
        WHEN 'ro' THEN 'romanian' WHEN 'ron' THEN 'romanian' WHEN 'rum' THEN 'romanian'
        WHEN 'romanian' THEN 'romanian'
        WHEN 'ru' THEN 'russian' WHEN 'rus' THEN 'russian' WHEN 'russian' THEN 'russian'
        WHEN 'sr' THEN 'serbian' WHEN 'srp' THEN 'serbian' WHEN 'serbian' THEN 'serbian'
        WHEN 'es' THEN 'spanish' WHEN 'spa' THEN 'spanish' WHEN 'spanish' THEN 'spanish'
        WHEN 'sv' THEN 'swedish' WHEN 'swe' THEN 'swedish' WHEN 'swedish' THEN 'swedish'
        WHEN 'ta' THEN 'tamil' WHEN 'tam' THEN 'tamil' WHEN 'tamil' THEN 'tamil'
        WHEN 'tr' THEN 'turkish' WHEN 'tur' THEN 'turkish' WHEN 'turkish' THEN 'turkish'
        WHEN 'yi' THEN 'yiddish' WHEN 'yid' THEN 'yiddish' WHEN 'yiddish' THEN 'yiddish'
        ELSE 'simple'
    END;
END
$$;
COMMENT ON FUNCTION docextract.search_config(text) IS 'The built-in text-search configuration for a language code (ISO 639-1 or 639-2, e.g. de or deu, or a configuration name); simple for unknown codes.';

-- The language code of a page's or a document's "language" member: {"code": "de", "reliable":
-- true} as the helper writes it (only when reliable), or a plain string.
CREATE OR REPLACE FUNCTION docextract.search_language(language jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE pg_catalog.jsonb_typeof(language)
        WHEN 'string' THEN language OPERATOR(pg_catalog.#>>) '{}'
        WHEN 'object' THEN
            CASE WHEN coalesce((language OPERATOR(pg_catalog.->) 'reliable')
                               OPERATOR(pg_catalog.<>) pg_catalog.to_jsonb(false), true)
                 THEN language OPERATOR(pg_catalog.->>) 'code' END
    END;
END
$$;
COMMENT ON FUNCTION docextract.search_language(jsonb) IS 'The language code of a helper result''s language member (a reliable {"code": ...} object or a string), or null.';

-- The pages of a result: from data->'pages' (page numbers from the helper, in order, the first
-- of any duplicate kept), or, for a result without pages, its text split at form feeds. Each
-- page's language is its own reliable one, else the document's. Pages without text are left out.
CREATE OR REPLACE FUNCTION docextract.result_pages(data jsonb, full_text text)
RETURNS TABLE(page integer, text text, language text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_language pg_catalog.text := coalesce(
        docextract.search_language(data OPERATOR(pg_catalog.#>) '{metadata,language}'),
        docextract.search_language(data OPERATOR(pg_catalog.->) 'language'));
BEGIN
    IF pg_catalog.jsonb_typeof(data OPERATOR(pg_catalog.->) 'pages') OPERATOR(pg_catalog.=) 'array'
       AND pg_catalog.jsonb_array_length(data OPERATOR(pg_catalog.->) 'pages') OPERATOR(pg_catalog.>) 0 THEN
        RETURN QUERY
        SELECT DISTINCT ON (n.pg) n.pg, n.txt, n.lang
          FROM (SELECT CASE WHEN pg_catalog.jsonb_typeof(o.p OPERATOR(pg_catalog.->) 'page')
                                     OPERATOR(pg_catalog.=) 'number'
                             AND (o.p OPERATOR(pg_catalog.->>) 'page')::numeric
                                 OPERATOR(pg_catalog.>=) 1
                             AND (o.p OPERATOR(pg_catalog.->>) 'page')::numeric
                                 OPERATOR(pg_catalog.<=) 1000000
                            THEN (o.p OPERATOR(pg_catalog.->>) 'page')::numeric::integer
                            ELSE o.ord::integer END AS pg,
                       o.p OPERATOR(pg_catalog.->>) 'text' AS txt,
                       coalesce(docextract.search_language(o.p OPERATOR(pg_catalog.->) 'language'),
                                doc_language) AS lang,
                       o.ord
                  FROM pg_catalog.jsonb_array_elements(data OPERATOR(pg_catalog.->) 'pages')
                           WITH ORDINALITY AS o(p, ord)
                 WHERE pg_catalog.jsonb_typeof(o.p) OPERATOR(pg_catalog.=) 'object') AS n
         WHERE n.txt OPERATOR(pg_catalog.<>) ''
         ORDER BY n.pg, n.ord;
    ELSE
        RETURN QUERY
        SELECT t.ord::integer, t.txt, doc_language
          FROM pg_catalog.regexp_split_to_table(full_text, E'\f') WITH ORDINALITY AS t(txt, ord)
         WHERE t.txt OPERATOR(pg_catalog.<>) '';
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.result_pages(jsonb, text) IS 'The pages of a result with their text and language code: from data->''pages'', or the text split at form feeds when the result has no pages.';

-- Row-level security hides other owners' pages, and PostgreSQL then uses an index only for
-- conditions whose functions are LEAKPROOF (they cannot reveal the rows they are not allowed to
-- return); the built-in @@ is not marked so, and a user's search would read every page. This @@
-- is the same C function, ts_match_vq, marked LEAKPROOF: it reads only the tsvector and the
-- tsquery and raises no error that depends on the tsvector (its only checks are on the query's
-- structure, which the caller wrote). Its GIN operator class reuses the built-in support
-- functions, so the index is the built-in tsvector GIN index.
CREATE OR REPLACE FUNCTION docextract.tsvector_matches(tsvector, tsquery) RETURNS boolean
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
AS 'ts_match_vq';
COMMENT ON FUNCTION docextract.tsvector_matches(tsvector, tsquery) IS 'tsvector @@ tsquery (ts_match_vq), marked LEAKPROOF so that the search index can be used under row-level security.';

CREATE OPERATOR docextract.@@ (
    LEFTARG = tsvector, RIGHTARG = tsquery, FUNCTION = docextract.tsvector_matches,
    RESTRICT = tsmatchsel, JOIN = tsmatchjoinsel);
COMMENT ON OPERATOR docextract.@@ (tsvector, tsquery) IS 'tsvector matches tsquery, as pg_catalog.@@, usable with the search index under row-level security.';

CREATE OPERATOR CLASS docextract.tsvector_leakproof_ops FOR TYPE tsvector USING gin AS
    OPERATOR 1 docextract.@@ (tsvector, tsquery),
    FUNCTION 1 pg_catalog.gin_cmp_tslexeme(text, text),
    FUNCTION 2 pg_catalog.gin_extract_tsvector(tsvector, internal, internal),
    FUNCTION 3 pg_catalog.gin_extract_tsquery(tsvector, internal, smallint, internal, internal,
                                              internal, internal),
    FUNCTION 4 pg_catalog.gin_tsquery_consistent(internal, smallint, tsvector, integer, internal,
                                                 internal, internal, internal),
    FUNCTION 5 pg_catalog.gin_cmp_prefix(text, text, smallint, internal),
    FUNCTION 6 pg_catalog.gin_tsquery_triconsistent(internal, smallint, tsvector, integer,
                                                    internal, internal, internal),
    STORAGE text;
COMMENT ON OPERATOR CLASS docextract.tsvector_leakproof_ops USING gin IS 'GIN tsvector_ops with docextract.@@: the search index, usable under row-level security.';

CREATE TABLE docextract.search_pages (
    document_id uuid    NOT NULL,
    page        integer NOT NULL,
    result_id   uuid    NOT NULL,
    config      text    COLLATE "C" NOT NULL,
    text        text    NOT NULL,
    capped      boolean NOT NULL,
    tsv         tsvector NOT NULL,
    CONSTRAINT search_pages_pkey PRIMARY KEY (document_id, page),
    CONSTRAINT search_pages_document_fkey FOREIGN KEY (document_id)
        REFERENCES docextract.documents (id) ON DELETE CASCADE,
    CONSTRAINT search_pages_result_fkey FOREIGN KEY (result_id)
        REFERENCES docextract.extracted_data (id) ON DELETE CASCADE,
    CONSTRAINT search_pages_valid_page CHECK (page > 0)
);
COMMENT ON TABLE docextract.search_pages IS
    'The search index: one row per page with text of the newest result of each document, kept by a trigger on extracted_data. Not dumped: restoring the results rebuilds it.';
COMMENT ON COLUMN docextract.search_pages.config IS 'Name of the built-in text-search configuration used for the page (from its detected language, else the document''s, else simple).';
COMMENT ON COLUMN docextract.search_pages.text IS 'The indexed text: the page''s text, cut at a word boundary before 65,536 characters when longer.';
COMMENT ON COLUMN docextract.search_pages.capped IS 'True when the page''s text was longer than 65,536 characters and only its beginning is searchable.';
COMMENT ON COLUMN docextract.search_pages.tsv IS 'to_tsvector(config, text).';

CREATE INDEX search_pages_tsv_idx ON docextract.search_pages
    USING gin (tsv docextract.tsvector_leakproof_ops);
CREATE INDEX search_pages_result_idx ON docextract.search_pages (result_id);

-- The configurations each owner's pages use, so that a query is parsed only with those.
CREATE TABLE docextract.search_configs (
    owner  name NOT NULL,
    config text COLLATE "C" NOT NULL,
    CONSTRAINT search_configs_pkey PRIMARY KEY (owner, config)
);
COMMENT ON TABLE docextract.search_configs IS
    'The text-search configurations each owner''s pages were indexed with (never pruned; an unused one costs one empty index probe per search).';

-- Each owner's indexed words, for fuzzy search: the words similar to a query word (pg_trgm)
-- are looked up here, then searched through the page index. Per owner, so that no one learns
-- the words of other owners' documents.
CREATE TABLE docextract.search_words (
    owner  name NOT NULL,
    config text COLLATE "C" NOT NULL,
    -- Byte order: the word list is probed for every word of every page stored.
    word   text COLLATE "C" NOT NULL,
    CONSTRAINT search_words_pkey PRIMARY KEY (owner, config, word)
);
COMMENT ON TABLE docextract.search_words IS
    'Each owner''s indexed words (lexemes of 4 to 40 characters with a letter) per configuration, for fuzzy search; words of deleted documents stay until the owner''s last document is deleted.';

-- Rebuilds the search rows of one document from its newest result (or removes them).
CREATE OR REPLACE FUNCTION docextract.search_index_document(document_id uuid) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- Words longer than 2,047 bytes are skipped by to_tsvector with a notice each.
SET client_min_messages = warning
AS $$
DECLARE
    doc_owner pg_catalog.name;
    newest pg_catalog.uuid;
    indexed integer;
BEGIN
    DELETE FROM docextract.search_pages AS s
     WHERE s.document_id OPERATOR(pg_catalog.=) search_index_document.document_id;
    SELECT d.owner INTO doc_owner
      FROM docextract.documents AS d
     WHERE d.id OPERATOR(pg_catalog.=) search_index_document.document_id;
    IF doc_owner IS NULL THEN
        RETURN 0;
    END IF;
    SELECT x.id INTO newest
      FROM docextract.extracted_data AS x
     WHERE x.document_id OPERATOR(pg_catalog.=) search_index_document.document_id
     ORDER BY x.created_at DESC, x.id
     LIMIT 1;
    IF newest IS NULL THEN
        RETURN 0;
    END IF;
    -- 65,536 characters are at most 256 kB, under the 1 MB of lexemes even after case folding.
    INSERT INTO docextract.search_pages AS s
           (document_id, page, result_id, config, text, capped, tsv)
    SELECT search_index_document.document_id, c.page, newest, c.config, c.text, c.capped,
           pg_catalog.to_tsvector(c.config::pg_catalog.regconfig, c.text)
      FROM docextract.extracted_data AS x,
           LATERAL docextract.result_pages(x.data, x.text) AS p,
           LATERAL (SELECT p.page, docextract.search_config(p.language) AS config,
                           CASE WHEN pg_catalog.length(p.text) OPERATOR(pg_catalog.<=) 65536
                                THEN p.text
                                ELSE coalesce(NULLIF(pg_catalog.regexp_replace(
                                         pg_catalog.left(p.text, 65536), '\s+\S*$', ''), ''),
                                     pg_catalog.left(p.text, 65536)) END AS text,
                           pg_catalog.length(p.text) OPERATOR(pg_catalog.>) 65536 AS capped) AS c
     WHERE x.id OPERATOR(pg_catalog.=) newest;
    GET DIAGNOSTICS indexed = ROW_COUNT;
    INSERT INTO docextract.search_configs (owner, config)
    SELECT DISTINCT doc_owner, s.config
      FROM docextract.search_pages AS s
     WHERE s.document_id OPERATOR(pg_catalog.=) search_index_document.document_id
     ORDER BY 2
    ON CONFLICT DO NOTHING;
    -- Sorted, so that two transactions adding the same new words cannot deadlock.
    INSERT INTO docextract.search_words (owner, config, word)
    SELECT DISTINCT doc_owner, s.config, w.word
      FROM docextract.search_pages AS s,
           LATERAL pg_catalog.unnest(pg_catalog.tsvector_to_array(s.tsv)) AS w(word)
     WHERE s.document_id OPERATOR(pg_catalog.=) search_index_document.document_id
       AND pg_catalog.length(w.word) OPERATOR(pg_catalog.>=) 4
       AND pg_catalog.length(w.word) OPERATOR(pg_catalog.<=) 40
       AND w.word OPERATOR(pg_catalog.~) '[[:alpha:]]'
     ORDER BY 2, 3
    ON CONFLICT DO NOTHING;
    RETURN indexed;
END
$$;
COMMENT ON FUNCTION docextract.search_index_document(uuid) IS 'Rebuilds the search rows of a document from its newest result; returns the number of pages indexed.';

-- Keeps the index on the newest result of each document. SECURITY DEFINER: results are stored
-- by complete_job() or by admins, and deleted in cascades started by users.
CREATE OR REPLACE FUNCTION docextract.extracted_data_search() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        -- The pages of the deleted result went with it; the next newest takes its place.
        IF NOT EXISTS (SELECT FROM docextract.search_pages AS s
                        WHERE s.document_id OPERATOR(pg_catalog.=) OLD.document_id) THEN
            PERFORM docextract.search_index_document(OLD.document_id);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
       AND OLD.document_id OPERATOR(pg_catalog.<>) NEW.document_id THEN
        PERFORM docextract.search_index_document(OLD.document_id);
    END IF;
    -- Only the newest result of a document is searchable (latest_results' order).
    IF NOT EXISTS (SELECT FROM docextract.extracted_data AS x
                    WHERE x.document_id OPERATOR(pg_catalog.=) NEW.document_id
                      AND (x.created_at OPERATOR(pg_catalog.>) NEW.created_at
                           OR (x.created_at OPERATOR(pg_catalog.=) NEW.created_at
                               AND x.id OPERATOR(pg_catalog.<) NEW.id))) THEN
        PERFORM docextract.search_index_document(NEW.document_id);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION docextract.extracted_data_search() IS 'Trigger: indexes a document''s pages for search when its newest result is stored, changed or deleted.';

CREATE TRIGGER extracted_data_search
    AFTER INSERT OR DELETE OR UPDATE OF data, text, document_id, created_at
    ON docextract.extracted_data
    FOR EACH ROW EXECUTE FUNCTION docextract.extracted_data_search();

-- A document's words leave the owner's word list when the owner has no document left.
CREATE OR REPLACE FUNCTION docextract.documents_search_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    gone pg_catalog.name[] := '{}';
    o    pg_catalog.name;
BEGIN
    -- One probe per distinct owner, not per deleted row: the deleted rows are still in the
    -- owner's index entries, so a probe per row would walk all of them each time (quadratic).
    FOR o IN SELECT DISTINCT od.owner FROM old_documents AS od LOOP
        IF NOT EXISTS (SELECT FROM docextract.documents AS d
                        WHERE d.owner OPERATOR(pg_catalog.=) o) THEN
            gone := gone OPERATOR(pg_catalog.||) o;
        END IF;
    END LOOP;
    IF pg_catalog.cardinality(gone) OPERATOR(pg_catalog.>) 0 THEN
        DELETE FROM docextract.search_words AS w
         WHERE w.owner OPERATOR(pg_catalog.=) ANY (gone);
        DELETE FROM docextract.search_configs AS c
         WHERE c.owner OPERATOR(pg_catalog.=) ANY (gone);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION docextract.documents_search_words() IS 'Trigger: removes the word list and configurations of owners whose last document was deleted.';

CREATE TRIGGER documents_search_words
    AFTER DELETE ON docextract.documents
    REFERENCING OLD TABLE AS old_documents
    FOR EACH STATEMENT EXECUTE FUNCTION docextract.documents_search_words();

CREATE OR REPLACE FUNCTION docextract.search(query text, max_results integer DEFAULT 20,
                                             fuzzy boolean DEFAULT false)
RETURNS TABLE(document_id uuid, original_filename text, page integer, rank real, snippet text)
LANGUAGE plpgsql STABLE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
-- websearch_to_tsquery and @@ report queries of stop words only with a notice, per configuration.
SET client_min_messages = warning
AS $$
DECLARE
    trgm_schema pg_catalog.name;
    cfgs pg_catalog.text[] := '{}';
    queries pg_catalog.tsquery[] := '{}';
    cfg pg_catalog.text;
    tsq pg_catalog.tsquery;
    lexeme pg_catalog.text;
    similar_words pg_catalog.text;
    similar_sql pg_catalog.text;
BEGIN
    IF query IS NULL OR pg_catalog.btrim(query) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'search query must not be empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.length(query) OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'search query is too long'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The query has %s characters; the limit is 1000.',
                                             pg_catalog.length(query));
    END IF;
    IF max_results IS NULL OR max_results OPERATOR(pg_catalog.<) 1
       OR max_results OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'max_results must be between 1 and 1000'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('It is %s.', coalesce(max_results::text, 'null'));
    END IF;
    IF fuzzy IS NULL THEN
        RAISE EXCEPTION 'fuzzy must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF fuzzy THEN
        SELECT n.nspname INTO trgm_schema
          FROM pg_catalog.pg_extension AS e
          JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
         WHERE e.extname OPERATOR(pg_catalog.=) 'pg_trgm';
        IF trgm_schema IS NULL THEN
            RAISE EXCEPTION 'fuzzy search needs the extension pg_trgm'
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'pg_trgm is not installed in this database.',
                      HINT = 'Run CREATE EXTENSION pg_trgm, or search with fuzzy => false.';
        END IF;
        -- The caller's words of this configuration most similar to the query word, by pg_trgm's
        -- similarity and its threshold (pg_trgm.similarity_threshold, 0.3 unless set).
        similar_sql := pg_catalog.format(
            'SELECT pg_catalog.string_agg(docextract.search_quote(w.word), %L ORDER BY w.sim DESC, w.word)
               FROM (SELECT sw.word, %I.similarity(sw.word, $2) AS sim
                       FROM docextract.search_words AS sw
                      WHERE sw.config OPERATOR(pg_catalog.=) $1
                        AND sw.word OPERATOR(pg_catalog.<>) $2
                        AND sw.word OPERATOR(%I.%%) $2
                      ORDER BY sim DESC, sw.word
                      LIMIT 8) AS w',
            ' | ', trgm_schema, trgm_schema);
    END IF;

    -- The query parsed with each configuration the caller's pages use; a fuzzy query with each
    -- of its words widened to the similar words.
    FOR cfg IN SELECT DISTINCT c.config FROM docextract.search_configs AS c ORDER BY 1 LOOP
        tsq := pg_catalog.websearch_to_tsquery(cfg::pg_catalog.regconfig, query);
        CONTINUE WHEN pg_catalog.numnode(tsq) OPERATOR(pg_catalog.=) 0;
        IF fuzzy THEN
            FOR lexeme IN
                SELECT DISTINCT l.word
                  FROM pg_catalog.unnest(pg_catalog.tsvector_to_array(
                           pg_catalog.to_tsvector(cfg::pg_catalog.regconfig, query))) AS l(word)
                 WHERE pg_catalog.length(l.word) OPERATOR(pg_catalog.>=) 3
                 ORDER BY 1
            LOOP
                EXECUTE similar_sql INTO similar_words USING cfg, lexeme;
                CONTINUE WHEN similar_words IS NULL;
                tsq := pg_catalog.ts_rewrite(tsq, docextract.search_quote(lexeme)::pg_catalog.tsquery,
                           (docextract.search_quote(lexeme) OPERATOR(pg_catalog.||) ' | '
                            OPERATOR(pg_catalog.||) similar_words)::pg_catalog.tsquery);
            END LOOP;
        END IF;
        cfgs := cfgs OPERATOR(pg_catalog.||) cfg;
        queries := queries OPERATOR(pg_catalog.||) tsq;
    END LOOP;

    -- Rank every match, keep the best, and only then read their text for the snippets.
    RETURN QUERY
    SELECT h.document_id, d.original_filename, h.page, h.score,
           pg_catalog.ts_headline(h.config::pg_catalog.regconfig, s.text, h.tsq,
               pg_catalog.format('StartSel=%s, StopSel=%s, MaxWords=30, MinWords=12, '
                                 'MaxFragments=2, FragmentDelimiter=" ... "',
                                 pg_catalog.chr(171), pg_catalog.chr(187)))
      FROM (SELECT p.document_id, p.page, p.config, q.tsq,
                   pg_catalog.ts_rank(p.tsv, q.tsq, 1) AS score
              FROM ROWS FROM (pg_catalog.unnest(cfgs), pg_catalog.unnest(queries)) AS q(config, tsq)
              JOIN docextract.search_pages AS p
                ON p.config OPERATOR(pg_catalog.=) q.config
               AND p.tsv OPERATOR(docextract.@@) q.tsq
             ORDER BY score DESC, p.document_id, p.page
             LIMIT max_results) AS h
      JOIN docextract.search_pages AS s
        ON s.document_id OPERATOR(pg_catalog.=) h.document_id
       AND s.page OPERATOR(pg_catalog.=) h.page
      JOIN docextract.documents AS d ON d.id OPERATOR(pg_catalog.=) h.document_id
     ORDER BY h.score DESC, h.document_id, h.page;
END
$$;
COMMENT ON FUNCTION docextract.search(text, integer, boolean) IS 'Full-text search of the newest results the caller may read: websearch_to_tsquery syntax in each page''s language, best pages first, with the page number, the rank and a snippet (matches between guillemets). fuzzy => true also matches similar words (needs pg_trgm).';

-- A word as a tsquery operand: quoted, with quotes and backslashes escaped.
CREATE OR REPLACE FUNCTION docextract.search_quote(word text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '''' OPERATOR(pg_catalog.||)
           pg_catalog.replace(pg_catalog.replace(word, '\', '\\'), '''', '''''')
           OPERATOR(pg_catalog.||) ''''
$$;
COMMENT ON FUNCTION docextract.search_quote(text) IS 'A word quoted as a tsquery operand.';

-- Row-level security as for the results: users see the pages of their documents and their own
-- words, admins everything, workers read.
ALTER TABLE docextract.search_pages   ENABLE ROW LEVEL SECURITY;
ALTER TABLE docextract.search_configs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docextract.search_words   ENABLE ROW LEVEL SECURITY;

CREATE POLICY search_pages_owner ON docextract.search_pages TO docextract_user
    USING (EXISTS (SELECT FROM docextract.documents AS d WHERE d.id = document_id));

CREATE POLICY search_pages_admin ON docextract.search_pages TO docextract_admin
    USING (true) WITH CHECK (true);

CREATE POLICY search_pages_worker ON docextract.search_pages FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY search_configs_owner ON docextract.search_configs TO docextract_user
    USING (owner = CURRENT_USER);

CREATE POLICY search_configs_admin ON docextract.search_configs TO docextract_admin
    USING (true) WITH CHECK (true);

CREATE POLICY search_configs_worker ON docextract.search_configs FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY search_words_owner ON docextract.search_words TO docextract_user
    USING (owner = CURRENT_USER);

CREATE POLICY search_words_admin ON docextract.search_words TO docextract_admin
    USING (true) WITH CHECK (true);

CREATE POLICY search_words_worker ON docextract.search_words FOR SELECT TO docextract_worker
    USING (true);

-- Privileges. 90_security's REVOKE covers only what exists before it, and an update from 1.0
-- does not run it: revoke here, so that both paths end with the same privileges.
REVOKE ALL ON docextract.search_pages, docextract.search_configs, docextract.search_words
  FROM PUBLIC;

REVOKE ALL ON FUNCTION
    docextract.tsvector_matches(tsvector, tsquery),
    docextract.search_config(text),
    docextract.search_language(jsonb),
    docextract.result_pages(jsonb, text),
    docextract.search_index_document(uuid),
    docextract.extracted_data_search(),
    docextract.documents_search_words(),
    docextract.search(text, integer, boolean),
    docextract.search_quote(text)
  FROM PUBLIC;

GRANT SELECT ON docextract.search_pages, docextract.search_configs, docextract.search_words
  TO docextract_user, docextract_worker;

GRANT SELECT, INSERT, UPDATE, DELETE
   ON docextract.search_pages, docextract.search_configs, docextract.search_words
   TO docextract_admin;

GRANT EXECUTE ON FUNCTION
    docextract.tsvector_matches(tsvector, tsquery),
    docextract.search(text, integer, boolean),
    docextract.search_config(text),
    docextract.search_quote(text)
  TO docextract_user;
