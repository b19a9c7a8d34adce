# pg_dump / pg_restore keep documents, contents, jobs and results (extension config tables).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(new_cluster pdf_hex png_hex);

# The data here is not real documents: no worker may touch it.
my $node = new_cluster('dump', 'docextract.workers_per_database = 0');
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION docextract');
for my $i (1 .. 5) {
	$node->safe_psql('src', "SELECT docextract.upload('d$i.pdf', '" . pdf_hex("d$i", 1000 * $i) . "')");
}
$node->safe_psql('src', "SELECT docextract.upload('p.png', '" . png_hex('p') . "', 'receipt', 'a PNG')");
# One completed job with results, one cancelled job.
$node->safe_psql('src', q{
	WITH j AS (SELECT id, document_id FROM docextract.extraction_jobs
	            WHERE document_id = (SELECT id FROM docextract.documents WHERE original_filename = 'd1.pdf'))
	INSERT INTO docextract.extracted_data (job_id, document_id, text, overall_confidence, extraction_method)
	SELECT id, document_id, 'hello world', 0.9, 'ocr' FROM j;
	UPDATE docextract.extraction_jobs SET status = 'completed', started_at = now(), completed_at = now(),
	       processing_time_seconds = 1.5
	 WHERE document_id = (SELECT id FROM docextract.documents WHERE original_filename = 'd1.pdf');
	SELECT docextract.cancel_job(id) FROM docextract.extraction_jobs
	 WHERE document_id = (SELECT id FROM docextract.documents WHERE original_filename = 'd2.pdf');
});

my $fingerprint = q{
	SELECT (SELECT string_agg(format('%s|%s|%s|%s|%s|%s', id, owner, original_filename, file_size,
	                                 encode(sha256, 'hex'), document_type), ',' ORDER BY id)
	          FROM docextract.documents)
	    || (SELECT string_agg(format('%s|%s', document_id, encode(sha256(content), 'hex')), ',' ORDER BY document_id)
	          FROM docextract.document_contents)
	    || (SELECT string_agg(format('%s|%s|%s|%s', id, document_id, status, processing_time_seconds), ',' ORDER BY id)
	          FROM docextract.extraction_jobs)
	    || (SELECT string_agg(format('%s|%s|%s|%s', job_id, text, overall_confidence, extraction_method), ',' ORDER BY id)
	          FROM docextract.extracted_data)
};
my $before = $node->safe_psql('src', $fingerprint);
ok(length($before) > 100, 'source database has data');

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore');

is($node->safe_psql('dst', $fingerprint), $before, 'restored data is identical');
# The search index is not dumped: restoring the results rebuilds it.
is($node->safe_psql('dst', "SELECT original_filename || ':' || page FROM docextract.search('hello')"),
	'd1.pdf:1', 'restored results are searchable');
is($node->safe_psql('dst', 'SELECT count(*) FROM docextract.extraction_jobs WHERE status = \'pending\''),
	'4', 'pending jobs are still queued after restore');
# The restored database enforces the same rules.
my ($ret, $out, $err) = $node->psql('dst',
	"SELECT docextract.upload('d1.pdf', '" . pdf_hex('new', 50) . "')");
like($err, qr/invalid document file/, 'restored database still validates');

$node->stop;
done_testing();
