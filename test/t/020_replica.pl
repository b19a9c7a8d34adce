# A streaming standby: no docextract worker runs on it and its log stays free of errors; results
# and search can be read there; after promotion its workers take over the pending jobs.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(text_pdf bytea_hex wait_job);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', join("\n",
	"shared_preload_libraries = 'docextract'",
	'docextract.workers_per_database = 1',
	'docextract.poll_interval = 200ms', ''));
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION docextract');

sub upload {
	my ($name, $text) = @_;
	my $pdf = bytea_hex(text_pdf($text));
	my $doc = $primary->safe_psql('postgres', "SELECT docextract.upload('$name', '$pdf')");
	return $primary->safe_psql('postgres',
		"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}
my $done = upload('done.pdf', "Replicated: the quick brown fox jumps over the lazy dog near Rotterdam.\n");
ok(wait_job($primary, 'postgres', $done, 'completed'), 'the primary extracts a document');

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', "docextract.workers_per_database = 2\n");
$standby->start;

# The primary stops extracting: what is uploaded now stays pending for the standby to take over.
$primary->append_conf('postgresql.conf', "docextract.workers_per_database = 0\n");
$primary->reload;
$primary->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'docextract worker'");
my $pending = upload('pending.pdf', "Taken over after promotion: the lazy dog sleeps in Utrecht.\n");
$primary->wait_for_catchup($standby);

#### On the standby: no worker, no error, results and search readable
sleep 2;
is($standby->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity
	WHERE backend_type IN ('docextract worker', 'docextract launcher')}), '0',
	'no docextract worker or launcher runs on the standby');
is($standby->safe_psql('postgres', "SELECT status FROM docextract.extraction_jobs WHERE id = '$pending'"),
	'pending', 'the new job is pending on the standby too');
like($standby->safe_psql('postgres', "SELECT text FROM docextract.extracted_data WHERE job_id = '$done'"),
	qr/quick brown fox/, 'results can be read on the standby');
is($standby->safe_psql('postgres', q{SELECT original_filename || ':' || page FROM docextract.search('rotterdam')}),
	'done.pdf:1', 'search works on the standby');
my $log = slurp_file($standby->logfile);
unlike($log, qr/(ERROR|WARNING|FATAL):.*docextract|docextract.*(ERROR|WARNING|FATAL)/,
	'the standby log has no docextract error') or diag($log);

#### Promotion: the standby's workers take over
$primary->stop('immediate');
$standby->promote;
ok(wait_job($standby, 'postgres', $pending, 'completed'), 'after promotion the pending job is extracted');
like($standby->safe_psql('postgres', "SELECT text FROM docextract.extracted_data WHERE job_id = '$pending'"),
	qr/lazy dog sleeps/, 'with its text');
is($standby->safe_psql('postgres', q{SELECT original_filename FROM docextract.search('utrecht')}),
	'pending.pdf', 'and the new result is searchable');

done_testing();
