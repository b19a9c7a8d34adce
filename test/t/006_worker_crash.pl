# Crashes in the middle of a job:
# - kill -9 of the helper: the job is retried with a clear error; the server does not restart;
# - kill -9 of a worker: the postmaster resets the cluster (any signal death of a background
#   worker does); afterwards the job is reclaimed (a lost lease, not an attempt) and completed once;
# - fast shutdown, or fewer workers wanted, with a job in flight: the job is released (no
#   attempt counted), its helper killed, and it completes later;
# - immediate shutdown with jobs in flight, then start: every job ends completed, once.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use DocextractTest qw(job_row results_of new_cluster text_pdf salted bytea_hex test_helper set_helper use_helper
  helper_children wait_job running_helper reload_with);

my $node = new_cluster('crash', 'restart_after_crash = on', 'docextract.workers_per_database = 2');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
my $helper = test_helper($node);
use_helper($node, $helper);
my $pdf = text_pdf('Crash test document: the quick brown fox jumps over the lazy dog.');

sub upload {
	my ($salt) = @_;
	my $doc = $node->safe_psql('postgres',
		"SELECT docextract.upload('crash-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "')");
	return $node->safe_psql('postgres',
		"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

my $stats_sql = "SELECT claimed || ' ' || completed || ' ' || failed || ' ' || retried || ' '"
  . " || reclaimed || ' ' || helper_crashes FROM docextract.worker_stats WHERE datname = 'postgres'";

# The workers count an event just after its transaction commits: wait until the counters show
# the expected values (or time out and show what they are).
sub stats_reach {
	my ($want) = @_;
	$node->poll_query_until('postgres', "SELECT ($stats_sql) = '$want'");
	return $node->safe_psql('postgres', $stats_sql);
}

#### kill -9 of the helper
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
set_helper($helper, delay => 30);
my $job = upload(1);
my ($worker, $child) = running_helper($node, 'postgres', $job);
my $log_offset = -s $node->logfile;
kill 'KILL', $child;
ok($node->poll_query_until('postgres', "SELECT retry_count = 1 FROM docextract.extraction_jobs WHERE id = '$job'"),
	'helper killed: the attempt is counted');
is(job_row($node, $job, 'status'), 'pending', 'the job waits for its retry');
like(job_row($node, $job, 'error_message'), qr/^crashed: the helper was killed by signal 9$/,
	'error_message says the helper was killed by signal 9');
is(job_row($node, $job, 'run_after > now() + interval \'30 s\''), 't',
	'the retry is delayed by the backoff (base 60 s)');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started,
	'the server did not restart');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE pid = $worker AND backend_type = 'docextract worker'"),
	'1', 'the worker survived its helper');
unlike(slurp_file($node->logfile, $log_offset), qr/terminated by signal|reinitializing/,
	'no server process died');
is(stats_reach('1 0 0 1 0 1'), '1 0 0 1 0 1',
	'worker_stats: one claim, one retry, one helper crash');

# Let the retry run now: it completes.
set_helper($helper, delay => 0);
$node->safe_psql('postgres',
	"UPDATE docextract.extraction_jobs SET run_after = now() WHERE id = '$job';"
	  . ' SELECT docextract.wake_workers();');
ok(wait_job($node, 'postgres', $job, 'completed', 'failed'), 'the retry ran');
is(job_row($node, $job, "status || ' ' || retry_count || ' ' || coalesce(error_message, '-')"),
	'completed 1 -', 'the retry completed the job');
is(results_of($node, $job), '1', 'one result row');

#### kill -9 of a worker
set_helper($helper, delay => 3);
$job = upload(2);
($worker, $child) = running_helper($node, 'postgres', $job);
$log_offset = -s $node->logfile;
my $killed_at = time;
kill 'KILL', $worker;
set_helper($helper, delay => 0);
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
ok(wait_job($node, 'postgres', $job, 'completed', 'failed', 'cancelled'), 'the job finished after the reset');
note('pg_postmaster_start_time() after the reset: '
	  . ($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()') eq $started ? 'unchanged' : 'changed'));
diag(sprintf('kill -9 of a worker: the job was completed %.2f s after the kill', time - $killed_at));
is(job_row($node, $job, "status || ' ' || retry_count || ' ' || lease_expirations || ' ' || coalesce(error_message, '-')"),
	'completed 0 1 -', 'the job was reclaimed (a lost lease, no attempt counted) and completed');
is(results_of($node, $job), '1', 'exactly one result row');
like(slurp_file($node->logfile, $log_offset), qr/docextract reclaimed 1 job\(s\) from stopped holders/,
	'the reclaim is logged');
# Shared memory starts afresh with the reset.
is(stats_reach('1 1 0 0 1 0'), '1 1 0 0 1 0',
	'worker_stats after the reset: one reclaim, one claim, one completion');
is($node->safe_psql('postgres', "SELECT count(*) FROM docextract.extracted_data"), '2',
	'two results in all');

#### Fast shutdown (SIGTERM) with a job in flight: the job goes back to pending uncounted
set_helper($helper, delay => 30);
$job = upload(3);
($worker, $child) = running_helper($node, 'postgres', $job);
$node->stop('fast');
ok(!kill(0, $child), 'fast shutdown: the helper was killed');
set_helper($helper, delay => 0);
$node->start;
ok(wait_job($node, 'postgres', $job, 'completed', 'failed', 'cancelled'), 'fast shutdown: the job finished after the start');
is(job_row($node, $job, "status || ' ' || retry_count"), 'completed 0',
	'fast shutdown: the job was released without counting an attempt, then completed');
is(results_of($node, $job), '1', 'fast shutdown: one result row');
is(stats_reach('1 1 0 0 0 0'), '1 1 0 0 0 0',
	'worker_stats after the restart: nothing reclaimed');

#### Fewer workers wanted (SIGHUP) while a job is in flight: the same clean release
set_helper($helper, delay => 30);
$job = upload(4);
($worker, $child) = running_helper($node, 'postgres', $job);
reload_with($node, 'docextract.workers_per_database' => 0);
ok(DocextractTest::wait_workers($node, 'postgres', 0), 'workers_per_database = 0: the workers stop');
ok(!kill(0, $child), 'workers_per_database = 0: the helper was killed');
is(job_row($node, $job, "status || ' ' || retry_count || ' ' || (holder IS NULL) || ' ' || (started_at IS NULL)"),
	'pending 0 true true', 'workers_per_database = 0: the job was released uncounted');
set_helper($helper, delay => 0);
reload_with($node, 'docextract.workers_per_database' => 2);
ok(wait_job($node, 'postgres', $job, 'completed', 'failed', 'cancelled'), 'the job finished when workers came back');
is(job_row($node, $job, "status || ' ' || retry_count"), 'completed 0', 'completed, no attempt counted');
is(stats_reach('3 2 0 0 0 0'), '3 2 0 0 0 0',
	'worker_stats: three claims (one released), two completions, no failure or reclaim');

#### Immediate shutdown with jobs in flight
# Long enough that no job can finish before the stop, however slow the machine.
set_helper($helper, delay => 20);
my @jobs = map { upload("immediate-$_") } 1 .. 6;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM docextract.extraction_jobs WHERE status = 'processing'"),
	'two jobs in flight');
$node->stop('immediate');
set_helper($helper, delay => 0);
$node->start;
isnt($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started,
	'the server restarted');
my $list = join ', ', map { "'$_'" } @jobs;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 6 FROM docextract.extraction_jobs"
		  . " WHERE id IN ($list) AND status IN ('completed', 'failed', 'cancelled')"),
	'every job reached a terminal state');
is( $node->safe_psql('postgres',
		"SELECT string_agg(status || '/' || retry_count || '/' || lease_expirations || ':' || n, ','"
		  . " ORDER BY status, retry_count, lease_expirations) FROM"
		  . " (SELECT status, retry_count, lease_expirations, count(*) AS n FROM docextract.extraction_jobs"
		  . "   WHERE id IN ($list) GROUP BY 1, 2, 3) AS s"),
	'completed/0/0:4,completed/0/1:2',
	'all completed: the two in flight once reclaimed (a lost lease each, no attempt), the rest at once');
is( $node->safe_psql('postgres',
		"SELECT count(*) || ' ' || count(DISTINCT job_id) FROM docextract.extracted_data WHERE job_id IN ($list)"),
	'6 6', 'one result row per job');
is(stats_reach('6 6 0 0 2 0'), '6 6 0 0 2 0',
	'worker_stats after the restart: two reclaimed, six claimed and completed');

$node->stop;
done_testing();
