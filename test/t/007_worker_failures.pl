# Jobs that do not succeed: permanent errors fail at once; a document that always fails is retried
# with exponential backoff and then fails for good; a running job is cancelled (its helper
# killed); a slow job times out. One worker, so that the order of events is known.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use DocextractTest qw(job_row results_of new_cluster text_pdf pdf_hex salted bytea_hex test_helper set_helper
  use_helper reload_with wait_job running_helper worker_stats worker_pids);

my $node = new_cluster('failures', 'docextract.workers_per_database = 1');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
ok(DocextractTest::wait_workers($node, 'postgres', 1), 'one worker running');
my ($worker) = worker_pids($node, 'postgres');
my $helper = test_helper($node);
use_helper($node, $helper);
my $pdf = text_pdf('Failure test document: the quick brown fox jumps over the lazy dog.');

sub upload_bytes {
	my ($name, $hex) = @_;
	my $doc = $node->safe_psql('postgres', "SELECT docextract.upload('$name', '$hex')");
	return $node->safe_psql('postgres',
		"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

sub upload { my ($salt) = @_; return upload_bytes("fail-$salt.pdf", bytea_hex(salted($pdf, $salt))); }

# Checks that the counters moved by exactly %delta since $before.
sub stats_moved {
	my ($before, $name, %delta) = @_;
	my $after = worker_stats($node, 'postgres');
	my @diffs;
	for my $c (qw(claimed completed failed retried reclaimed helper_crashes timeouts cancelled)) {
		my $d = $after->{$c} - $before->{$c};
		push @diffs, "$c=$d" if $d;
	}
	my @want = map { "$_=$delta{$_}" } grep { $delta{$_} } qw(claimed completed failed retried
	  reclaimed helper_crashes timeouts cancelled);
	is(join(' ', @diffs), join(' ', @want), "worker_stats: $name");
	return $after;
}

my $stats = worker_stats($node, 'postgres');

#### Errors that another attempt cannot change fail at once (the real helper).
my $corrupt = upload_bytes('broken.pdf', pdf_hex('not really a PDF'));
ok(wait_job($node, 'postgres', $corrupt, 'failed', 'completed'), 'corrupt PDF: job finished');
is(job_row($node, $corrupt, "status || ' ' || retry_count"), 'failed 0', 'corrupt PDF: failed without a retry');
like(job_row($node, $corrupt, 'error_message'), qr/^corrupt: /, 'corrupt PDF: error_message names the helper\'s code');

my $tmp = PostgreSQL::Test::Utils::tempdir();
open my $fh, '>:raw', "$tmp/plain.pdf" or die;
print $fh $pdf;
close $fh;
IPC::Run::run([ 'qpdf', '--encrypt', 'secret', 'owner', '256', '--', "$tmp/plain.pdf", "$tmp/locked.pdf" ])
  or die 'qpdf failed';
my $encrypted = upload_bytes('locked.pdf', bytea_hex(slurp_file("$tmp/locked.pdf")));
ok(wait_job($node, 'postgres', $encrypted, 'failed', 'completed'), 'encrypted PDF: job finished');
is(job_row($node, $encrypted, "status || ' ' || retry_count"), 'failed 0', 'encrypted PDF: failed without a retry');
like(job_row($node, $encrypted, 'error_message'), qr/^encrypted: /, 'encrypted PDF: error_message says encrypted');
is(results_of($node, $corrupt) + results_of($node, $encrypted), 0, 'no results for failed jobs');
$stats = stats_moved($stats, 'two claims, two failures', claimed => 2, failed => 2);

#### A document that always fails: retried max_retries (3) times without delay, then failed.
reload_with($node, 'docextract.retry_backoff_base' => 0);
set_helper($helper, mode => 'fail');
my $job = upload(1);
is($node->safe_psql('postgres', "SELECT docextract.wait_for_job('$job', '60 s')"), 'failed',
	'always failing: wait_for_job returns failed');
is(job_row($node, $job, "status || ' ' || retry_count || ' ' || max_retries || ' ' || (completed_at IS NOT NULL)"),
	'failed 3 3 true', 'always failing: failed after 3 retries');
# (The stderr tail keeps the helper's final newline.)
like( job_row($node, $job, 'error_message'),
	qr/^crashed: the helper exited with status 3 without a result; stderr: simulated failure\n?\z/,
	'always failing: error_message has the exit status and the stderr tail');
is(results_of($node, $job), '0', 'always failing: no result row');
$stats = stats_moved($stats, 'four attempts, three retries, one failure',
	claimed => 4, retried => 3, failed => 1, helper_crashes => 4);

#### Exponential backoff: 60 s, then 120 s (each +/- 25 % jitter).
reload_with($node, 'docextract.retry_backoff_base' => undef);
is($node->safe_psql('postgres', 'SHOW docextract.retry_backoff_base'), '1min', 'backoff base back to 60 s');
$job = upload(2);
ok($node->poll_query_until('postgres', "SELECT retry_count = 1 FROM docextract.extraction_jobs WHERE id = '$job'"),
	'backoff: first attempt failed');
is(job_row($node, $job, 'status'), 'pending', 'backoff: pending again');
is(job_row($node, $job, "run_after - updated_at BETWEEN interval '45 s' AND interval '75 s'"), 't',
	'backoff: first retry 60 s +/- 25 % later');
is($node->safe_psql('postgres', "SELECT waiting_for_retry FROM docextract.queue_stats WHERE status = 'pending'"),
	'1', 'queue_stats: one job waiting for its retry');
usleep(300_000);
is(job_row($node, $job, 'retry_count'), '1', 'backoff: not retried early');
$node->safe_psql('postgres', "UPDATE docextract.extraction_jobs SET run_after = now() WHERE id = '$job';"
	  . ' SELECT docextract.wake_workers();');
ok($node->poll_query_until('postgres', "SELECT retry_count = 2 FROM docextract.extraction_jobs WHERE id = '$job'"),
	'backoff: second attempt failed');
is(job_row($node, $job, "run_after - updated_at BETWEEN interval '90 s' AND interval '150 s'"), 't',
	'backoff: second retry 120 s +/- 25 % later');
is($node->safe_psql('postgres', "SELECT docextract.cancel_job('$job')"), 'cancelled',
	'a job waiting for its retry can be cancelled');
$stats = stats_moved($stats, 'two attempts, two retries', claimed => 2, retried => 2, helper_crashes => 2);

#### Cancelling a running job kills its helper within about a second.
set_helper($helper, mode => 'run', delay => 30);
$job = upload(3);
my ($holder, $child) = running_helper($node, 'postgres', $job);
is($holder, $worker, 'the worker runs the job');
my $t0 = time;
is($node->safe_psql('postgres', "SELECT docextract.cancel_job('$job')"), 'cancelled', 'cancel_job returns cancelled');
usleep(20_000) while kill(0, $child) && time - $t0 < 10;
my $killed_after = time - $t0;
ok(!kill(0, $child), 'the helper is gone');
cmp_ok($killed_after, '<', 2, 'the helper was killed within 2 s of the cancellation');
diag(sprintf('helper killed %.2f s after cancel_job()', $killed_after));
is(job_row($node, $job, "status || ' ' || error_message || ' ' || (holder IS NULL) || ' ' || (completed_at IS NOT NULL)"),
	'cancelled cancelled by postgres true true', 'the job stays cancelled');
is(results_of($node, $job), '0', 'no result row for the cancelled job');
my ($sqlstate) = DocextractTest::sql_error($node, 'postgres', "SELECT docextract.cancel_job('$job')");
is($sqlstate, '55000', 'cancelling it again: object_not_in_prerequisite_state');
ok($node->poll_query_until('postgres', "SELECT cancelled = 1 FROM docextract.worker_stats WHERE datname = 'postgres'"),
	'the worker counted the cancellation');
$stats = stats_moved($stats, 'one claim, one cancellation', claimed => 1, cancelled => 1);

# The same worker goes on with the next job.
set_helper($helper, delay => 0);
$job = upload(4);
is($node->safe_psql('postgres', "SELECT docextract.wait_for_job('$job', '60 s')"), 'completed',
	'the next job completes');
is(job_row($node, $job, 'retry_count'), '0', 'at the first attempt');
is(results_of($node, $job), '1', 'with its result');
is(join(' ', worker_pids($node, 'postgres')), $worker, 'by the same worker process');
$stats = stats_moved($stats, 'one claim, one completion', claimed => 1, completed => 1);

#### A job that runs longer than docextract.job_timeout is killed and retried.
reload_with($node, 'docextract.job_timeout' => 2);
set_helper($helper, delay => 30);
$job = upload(5);
($holder, $child) = running_helper($node, 'postgres', $job);
ok($node->poll_query_until('postgres', "SELECT retry_count = 1 FROM docextract.extraction_jobs WHERE id = '$job'"),
	'timeout: the attempt failed');
is(job_row($node, $job, 'status'), 'pending', 'timeout: the job waits for its retry');
is(job_row($node, $job, 'error_message'), 'timeout: the helper ran longer than docextract.job_timeout (2 s)',
	'timeout: error_message starts with timeout');
is(job_row($node, $job, "updated_at - started_at BETWEEN interval '1.9 s' AND interval '4 s'"), 't',
	'timeout: the attempt ended about 2 s after it started');
ok(!kill(0, $child), 'timeout: the helper is gone');
is(results_of($node, $job), '0', 'timeout: no result row');
$stats = stats_moved($stats, 'one claim, one timeout, one retry', claimed => 1, timeouts => 1, retried => 1);
$node->safe_psql('postgres', "SELECT docextract.cancel_job('$job')");

is(join(' ', worker_pids($node, 'postgres')), $worker, 'one worker process throughout');
$node->stop;
done_testing();
