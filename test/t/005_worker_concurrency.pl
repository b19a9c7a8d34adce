# Two workers drain 2,000 real documents: every job is completed exactly once, no job is ever
# held by two workers, and the counters agree with the table.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use DocextractTest qw(new_cluster text_pdf bytea_hex);

my $jobs = 2000;
my $node = new_cluster('concurrency', 'docextract.workers_per_database = 2');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
ok(DocextractTest::wait_workers($node, 'postgres', 2), 'two workers running');

# One small real PDF (native text, no OCR), made distinct per job by a comment after %%EOF.
my $pdf = text_pdf('Concurrency test document: the quick brown fox jumps over the lazy dog.');
$node->safe_psql('postgres', qq{
	CREATE TABLE base (content bytea);
	INSERT INTO base VALUES ('} . bytea_hex($pdf) . q{');
	-- Every claim, as the claim path hands it out: a job claimed twice shows up twice here.
	CREATE TABLE claims (job_id uuid, token_digest bytea, holder text);
	CREATE FUNCTION public.log_claim() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF NEW.status = 'processing' AND OLD.status = 'pending' THEN
			INSERT INTO public.claims VALUES (NEW.id, NEW.claim_digest, NEW.holder);
		END IF;
		RETURN NEW;
	END $$;
	CREATE TRIGGER log_claim AFTER UPDATE ON docextract.extraction_jobs
		FOR EACH ROW EXECUTE FUNCTION public.log_claim();
});

# Four batches of 500 uploads, each its own transaction, so that the workers claim while later
# batches are still arriving.
my $start = time;
for my $batch (0 .. 3) {
	my ($from, $to) = ($batch * 500 + 1, ($batch + 1) * 500);
	$node->safe_psql('postgres', qq{
		SELECT count(docextract.upload('doc' || i || '.pdf',
		                               b.content || convert_to('%salt ' || i || E'\\n', 'UTF8')))
		  FROM base AS b, generate_series($from, $to) AS i});
}
my $uploaded = time;

ok( $node->poll_query_until('postgres',
		"SELECT count(*) = $jobs FROM docextract.extraction_jobs WHERE status = 'completed'"),
	"all $jobs jobs completed");
my $drained = time;
my $drain_sql = $node->safe_psql('postgres',
	"SELECT round(extract(epoch FROM max(j.completed_at) - min(d.uploaded_at))::numeric, 2)"
	  . " FROM docextract.extraction_jobs AS j JOIN docextract.documents AS d ON d.id = j.document_id");
diag(sprintf('drain of %d jobs with 2 workers: %.1f s from first upload to last completion '
	  . '(server clock %s s; uploads took %.1f s), %.0f jobs/s',
	$jobs, $drained - $start, $drain_sql, $uploaded - $start, $jobs / $drain_sql));

is($node->safe_psql('postgres', 'SELECT count(*) FROM docextract.documents'),
	$jobs, "$jobs distinct documents");
is( $node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT status || '/' || retry_count, ',') FROM docextract.extraction_jobs"),
	'completed/0', 'every job completed at its first attempt');
is( $node->safe_psql('postgres',
		'SELECT count(*) || \' \' || count(DISTINCT job_id) FROM docextract.extracted_data'),
	"$jobs $jobs", 'one result row per job');
is( $node->safe_psql('postgres', q{
		SELECT count(*) FROM docextract.extraction_jobs AS j
		 WHERE (SELECT count(*) FROM docextract.extracted_data AS x WHERE x.job_id = j.id) <> 1
		    OR NOT EXISTS (SELECT FROM docextract.extracted_data AS x
		                    WHERE x.job_id = j.id AND x.document_id = j.document_id
		                      AND x.extraction_method = 'native'
		                      AND x.text LIKE 'Concurrency test document:%')}),
	'0', 'each result belongs to its job and document');
is( $node->safe_psql('postgres', 'SELECT count(*) || \' \' || count(DISTINCT job_id) FROM claims'),
	"$jobs $jobs", 'each job was claimed exactly once');
is($node->safe_psql('postgres', 'SELECT count(DISTINCT holder) FROM claims'),
	'2', 'both workers claimed jobs');
note($node->safe_psql('postgres',
	'SELECT string_agg(holder || \': \' || n, \', \') FROM'
	  . ' (SELECT holder, count(*) AS n FROM claims GROUP BY holder ORDER BY holder) AS c'));
is( $node->safe_psql('postgres',
		"SELECT claimed || ' ' || completed || ' ' || failed || ' ' || retried || ' ' || reclaimed"
		  . " || ' ' || helper_crashes || ' ' || timeouts FROM docextract.worker_stats WHERE datname = 'postgres'"),
	"$jobs $jobs 0 0 0 0 0", 'worker_stats: claimed = completed = 2000, no failures');
is( $node->safe_psql('postgres',
		"SELECT string_agg(status || '=' || jobs, ',' ORDER BY status) FROM docextract.queue_stats"),
	"cancelled=0,completed=$jobs,failed=0,pending=0,processing=0", 'queue_stats agrees');

$node->stop;
done_testing();
