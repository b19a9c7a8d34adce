-- Query latency of docextract.search() for bench/search (psql variable: runs). Prints
-- who<TAB>shape<TAB>run<TAB>query<TAB>ms<TAB>rows; run 0 of each shape is the warm-up.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE bench_search.queries (shape text, ord int, r int, q text, fuzzy boolean);
WITH en AS (SELECT words FROM bench_search.vocab WHERE lang = 'en'),
     de AS (SELECT words FROM bench_search.vocab WHERE lang = 'de'),
     runs AS (SELECT generate_series(0, :runs) AS r)
INSERT INTO bench_search.queries
SELECT '1 common word', 1, r, en.words[21 + r], false FROM en, runs
UNION ALL
SELECT '2 rare word', 2, r, en.words[20000 + r * 7], false FROM en, runs
UNION ALL
SELECT '3 phrase of two words', 3, r,
       '"' || split_part(p.text, ' ', 5) || ' ' || split_part(p.text, ' ', 6) || '"', false
  FROM runs JOIN bench_search.para AS p ON p.lang = 'en' AND p.id = 1 + r * 37
UNION ALL
SELECT '4 German word, stemmed', 4, r, initcap(de.words[21 + r]), false FROM de, runs
UNION ALL
SELECT '5 fuzzy common word (a letter missing)', 5, r, overlay(en.words[21 + r] placing '' from 3 for 1), true
  FROM en, runs
UNION ALL
SELECT '6 fuzzy rare word (a letter missing)', 6, r, overlay(en.words[20000 + r * 7] placing '' from 3 for 1), true
  FROM en, runs;
GRANT USAGE ON SCHEMA bench_search TO docextract_user;
GRANT SELECT ON bench_search.queries TO docextract_user;

CREATE FUNCTION bench_search.run(label text)
RETURNS TABLE (who text, shape text, r int, q text, ms float8, n bigint) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; x record;
BEGIN
  FOR x IN SELECT * FROM bench_search.queries ORDER BY ord, r LOOP
    t0 := clock_timestamp();
    SELECT count(*) INTO n FROM docextract.search(x.q, 20, x.fuzzy);
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
    who := label; shape := x.shape; r := x.r; q := x.q;
    RETURN NEXT;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION bench_search.run(text) TO docextract_user;

SET ROLE bench_search_u1;
SELECT * FROM bench_search.run('one owner (10 % of the pages)');
RESET ROLE;
SET ROLE bench_search_admin;
SELECT * FROM bench_search.run('admin (all pages)');
RESET ROLE;
