# The worker API seen by an external worker (a plain login in docextract_worker, no in-server
# workers racing it), wait_for_job(), and the idle pickup latency of the in-server workers.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex sql_error reload_with wait_workers
  worker_stats);

my $node = new_cluster('api', 'docextract.workers_per_database = 0', 'track_commit_timestamp = on');
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE extworker LOGIN IN ROLE docextract_worker;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
});
my $pdf = text_pdf('API test document: the quick brown fox jumps over the lazy dog.');
my $salt = 0;

sub upload {
	$salt++;
	my $doc = $node->safe_psql('postgres',
		"SELECT docextract.upload('api-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "')",
		extra_params => [ '-U', 'alice' ]);
	return $node->safe_psql('postgres',
		"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

sub as_worker {
	my ($sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', 'extworker' ]);
}

sub worker_error {
	my ($sql) = @_;
	return (sql_error($node, 'postgres', $sql, extra_params => [ '-U', 'extworker' ]))[0];
}

sub job_row {
	my ($job, $columns) = @_;
	return $node->safe_psql('postgres',
		"SELECT $columns FROM docextract.extraction_jobs WHERE id = '$job'");
}

is(scalar(DocextractTest::worker_pids($node, 'postgres')), 0, 'no in-server workers');
my @jobs = map { upload() } 1 .. 3;

#### claim_jobs
my @claimed = map { [ split /\|/ ] } split /\n/,
  as_worker("SELECT job_id, claim_token, file_format, retry_count FROM docextract.claim_jobs('ext-1', 2)");
is(scalar @claimed, 2, 'claim_jobs(n => 2) claims two jobs');
is_deeply([ map { $_->[0] } @claimed ], [ @jobs[ 0, 1 ] ], 'the oldest jobs first');
is_deeply([ map { "$_->[2]/$_->[3]" } @claimed ], [ 'pdf/0', 'pdf/0' ], 'with their format and retry count');
my ($j1, $t1) = @{ $claimed[0] };
my ($j2, $t2) = @{ $claimed[1] };
is( job_row($j1, "status || ' ' || holder || ' ' || (holder_pid IS NULL) || ' '"
		  . " || (claim_digest = docextract.claim_digest('$t1'))"
		  . " || ' ' || (lease_expires_at BETWEEN now() + interval '4 min' AND now() + interval '5 min')"),
	"processing ext-1 true true true",
	'claimed: processing, held by ext-1 with a 5 min lease and no pid; the table keeps the token\'s digest');
my ($j3, $t3) = split /\|/, as_worker("SELECT job_id, claim_token FROM docextract.claim_jobs('ext-2', 5)");
is($j3, $jobs[2], 'a second claimer gets the one left');
is(as_worker("SELECT count(*) FROM docextract.claim_jobs('ext-2', 5)"), '0', 'nothing left to claim');

#### heartbeat
my $before = job_row($j1, 'lease_expires_at');
sleep 1;
my $lease = as_worker("SELECT docextract.heartbeat('$j1', '$t1', 1, 2)");
is($node->safe_psql('postgres', "SELECT '$lease'::timestamptz > '$before'::timestamptz"), 't',
	'heartbeat extends the lease');
is( $node->safe_psql('postgres', "SELECT progress_percentage FROM docextract.job_overview WHERE id = '$j1'"),
	'50', 'heartbeat records page progress (job_overview 50 %)');

#### complete_job
is( as_worker(qq{SELECT docextract.complete_job('$j1', '$t1', '{"schema": "docextract-extract/1",
		"text": "one\\ftwo", "pages": [{"page": 1, "method": "native", "text": "one"},
		                                {"page": 2, "method": "ocr", "ocr_confidence": 0.5, "text": "two"}]}')}),
	't', 'complete_job returns true');
is( job_row($j1, "status || ' ' || (claim_digest IS NULL) || ' ' || (holder IS NULL) || ' ' || pages_done"),
	'completed true true 2', 'the job is completed and its lease cleared');
is( $node->safe_psql('postgres',
		"SELECT text || ' ' || extraction_method || ' ' || overall_confidence || ' ' || (data ? 'text')"
		  . " FROM docextract.extracted_data WHERE job_id = '$j1'"),
	"one\ftwo mixed 0.75 false", 'the result is stored: text, method, confidence');

#### stale tokens are refused: SQLSTATE XD001, nothing changes
is(worker_error("SELECT docextract.complete_job('$j1', '$t1', '{}')"), 'XD001',
	'completing twice: XD001');
is(worker_error("SELECT docextract.heartbeat('$j2', gen_random_uuid())"), 'XD001',
	'heartbeat with a wrong token: XD001');
is(worker_error("SELECT docextract.complete_job('$j2', gen_random_uuid(), '{}')"), 'XD001',
	'complete_job with a wrong token: XD001');
is(worker_error("SELECT docextract.fail_job('$j2', gen_random_uuid(), 'x')"), 'XD001',
	'fail_job with a wrong token: XD001');
is(worker_error("SELECT docextract.release_job('$j2', gen_random_uuid())"), 'XD001',
	'release_job with a wrong token: XD001');
is(worker_error("SELECT docextract.heartbeat(gen_random_uuid(), gen_random_uuid())"), 'XD001',
	'heartbeat of a job that does not exist: XD001');
is($node->safe_psql('postgres', 'SELECT count(*) FROM docextract.extracted_data'), '1', 'still one result');
is(job_row($j2, "status || ' ' || (claim_digest = docextract.claim_digest('$t2'))"), 'processing true',
	'j2 still held by its claimer');

#### a lease that expires is reclaimed, and the old token dies with it
$node->safe_psql('postgres',
	"UPDATE docextract.extraction_jobs SET lease_expires_at = now() - interval '1 s' WHERE id = '$j2'");
is(as_worker('SELECT docextract.reclaim_jobs()'), '1', 'reclaim_jobs takes back the expired lease');
is( job_row($j2, "status || ' ' || retry_count || ' ' || lease_expirations || ' ' || error_message"),
	'pending 0 1 lease_lost: holder ext-1 stopped before finishing the job',
	'reclaimed: pending, no attempt counted, one lease lost');
is(worker_error("SELECT docextract.complete_job('$j2', '$t2', '{}')"), 'XD001',
	'the old holder cannot complete it: XD001');
is(as_worker('SELECT docextract.reclaim_jobs()'), '0', 'nothing else to reclaim');

#### fail_job and release_job
my ($j2b, $t2b) = split /\|/, as_worker("SELECT job_id, claim_token FROM docextract.claim_jobs('ext-3')");
is($j2b, $j2, 'the reclaimed job can be claimed again');
isnt($t2b, $t2, 'with a new token');
is(as_worker("SELECT docextract.release_job('$j2', '$t2b')"), '', 'release_job');
is(job_row($j2, "status || ' ' || retry_count || ' ' || (started_at IS NULL)"), 'pending 0 true',
	'released: pending, no attempt counted');
($j2b, $t2b) = split /\|/, as_worker("SELECT job_id, claim_token FROM docextract.claim_jobs('ext-3')");
is(as_worker("SELECT docextract.fail_job('$j2', '$t2b', 'flaky', true)"), 'pending', 'fail_job (retryable): pending');
is(job_row($j2, "retry_count || ' ' || error_message || ' ' || (run_after > now())"), '1 flaky true',
	'the attempt counts and the retry waits for the backoff');
is(as_worker("SELECT docextract.fail_job('$j3', '$t3', 'hopeless', false)"), 'failed', 'fail_job (permanent): failed');
is(job_row($j3, "status || ' ' || retry_count || ' ' || error_message || ' ' || (completed_at IS NOT NULL)"),
	'failed 0 hopeless true', 'failed at once, no retry counted');

#### argument checks and privileges
is(worker_error("SELECT docextract.claim_jobs('ext', 0)"), '22023', 'claim_jobs(n => 0): 22023');
is(worker_error("SELECT docextract.claim_jobs('', 1)"), '22023', 'claim_jobs with an empty name: 22023');
is(worker_error("SELECT docextract.complete_job('$j2', '$t2b', '[]')"), '22023', 'complete_job with a non-object result: 22023');
is((sql_error($node, 'postgres', "SELECT docextract.claim_jobs('alice', 1)", extra_params => [ '-U', 'alice' ]))[0],
	'42501', 'an ordinary user may not claim jobs: 42501');

#### wait_for_job
my $t0 = time;
is($node->safe_psql('postgres', "SELECT docextract.wait_for_job('$j1', '10 s')"), 'completed',
	'wait_for_job on a completed job returns completed');
cmp_ok(time - $t0, '<', 1, 'at once');
$t0 = time;
my $pending = upload();
is($node->safe_psql('postgres', "SELECT docextract.wait_for_job('$pending', '300 ms')"), 'pending',
	'wait_for_job returns the current status when the timeout passes');
cmp_ok(time - $t0, '>=', 0.3, 'after the timeout');
is((sql_error($node, 'postgres', 'SELECT docextract.wait_for_job(gen_random_uuid())'))[0], 'P0002',
	'wait_for_job of an unknown job: P0002');
is((sql_error($node, 'postgres', "SELECT docextract.wait_for_job('$pending', '-1 s')"))[0], '22023',
	'wait_for_job with a negative timeout: 22023');

# A waiter sleeps on its latch (wait event Extension) and returns as soon as the job ends.
my $waiter = $node->background_psql('postgres');
$waiter->query_until(qr/started/, "\\echo started\nSELECT docextract.wait_for_job('$pending', '60 s'), clock_timestamp();\n");
ok( $node->poll_query_until('postgres',
		"SELECT wait_event_type || '/' || wait_event FROM pg_stat_activity"
		  . " WHERE query LIKE 'SELECT docextract.wait_for_job%' AND pid <> pg_backend_pid()",
		'Extension/Extension'),
	'the waiter sleeps (wait event Extension), it does not poll');
my $xact = $node->safe_psql('postgres',
	"SELECT xact_start FROM pg_stat_activity WHERE query LIKE 'SELECT docextract.wait_for_job%' AND pid <> pg_backend_pid()");
my ($jp, $tp) = split /\|/, as_worker("SELECT job_id, claim_token FROM docextract.claim_jobs('ext-4')");
is($jp, $pending, 'claimed the awaited job');
as_worker("SELECT docextract.complete_job('$jp', '$tp', '{\"pages\": []}')");
my $done_at = job_row($jp, 'completed_at');
my $answer = $waiter->query('SELECT 1');    # the wait's output arrives first
$waiter->quit;
like($answer, qr/^completed\|/m, 'the waiter got completed');
my ($woke_at) = $answer =~ /^completed\|(.*)$/m;
my $lag = $node->safe_psql('postgres', "SELECT extract(epoch FROM '$woke_at'::timestamptz - '$done_at'::timestamptz)");
cmp_ok($lag, '<', 0.5, 'the waiter woke within 0.5 s of the completion (no 1 s poll)');
diag(sprintf('wait_for_job woke %.1f ms after complete_job', $lag * 1000));

#### idle pickup latency of the in-server workers
reload_with($node, 'docextract.workers_per_database' => 2);
ok(wait_workers($node, 'postgres', 2), 'two in-server workers');
# The leftovers (j2 waits for its backoff) go first: make them runnable and let them drain.
$node->safe_psql('postgres', "UPDATE docextract.extraction_jobs SET run_after = now() WHERE status = 'pending';"
	  . ' SELECT docextract.wake_workers();');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM docextract.extraction_jobs WHERE status IN ('pending', 'processing')"),
	'the queue is empty');
ok( $node->poll_query_until('postgres',
		"SELECT idle_workers = 2 FROM docextract.worker_stats WHERE datname = 'postgres'"),
	'both workers idle');

my @latencies;
for my $i (1 .. 20) {
	my $job = upload();
	is($node->safe_psql('postgres', "SELECT docextract.wait_for_job('$job', '30 s')"), 'completed',
		"pickup $i: completed") if $i == 1 || $i == 20;
	$node->safe_psql('postgres', "SELECT docextract.wait_for_job('$job', '30 s')") if $i > 1 && $i < 20;
	# From the upload's commit (commit timestamp of the document row) to the claim.
	push @latencies, $node->safe_psql('postgres', qq{
		SELECT extract(epoch FROM j.started_at - pg_xact_commit_timestamp(d.xmin)) * 1000
		  FROM docextract.extraction_jobs AS j JOIN docextract.documents AS d ON d.id = j.document_id
		 WHERE j.id = '$job'});
	# Both workers are idle again before the next upload.
	$node->poll_query_until('postgres',
		"SELECT idle_workers = 2 FROM docextract.worker_stats WHERE datname = 'postgres'");
}
my @sorted = sort { $a <=> $b } @latencies;
my ($p50, $p95, $max) = ($sorted[ int(@sorted * 0.5) ], $sorted[ int(@sorted * 0.95) - 1 ], $sorted[-1]);
diag(sprintf('idle pickup latency (upload commit -> started_at), %d uploads: p50 %.2f ms, p95 %.2f ms, max %.2f ms',
	scalar @sorted, $p50, $p95, $max));
cmp_ok($p50, '<', 1000, 'idle pickup latency p50 below 1 s');
cmp_ok($sorted[0], '>=', 0, 'started_at never precedes the upload commit');

$node->stop;
done_testing();
