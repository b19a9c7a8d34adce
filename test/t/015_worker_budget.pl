# The worker budget: four databases want more workers than docextract.max_workers allows; all
# of them get their jobs done, taking turns; the slots that docextract.reserved_worker_slots
# keeps free let a parallel query get its workers while every docextract worker is busy; a
# database's wait is logged once, as is its end; idle workers leave after
# docextract.worker_idle_timeout.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex test_helper set_helper use_helper
  reload_with wait_workers);

my $node = new_cluster('budget',
	'max_worker_processes = 8', 'max_parallel_workers = 8', 'max_parallel_workers_per_gather = 2',
	'docextract.workers_per_database = 2', 'docextract.max_workers = 3',
	'docextract.reserved_worker_slots = 2', "docextract.worker_idle_timeout = '2s'",
	"docextract.poll_interval = '500ms'");
my @dbs = qw(d1 d2 d3 d4);
for my $db (@dbs) {
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION docextract');
}
my $helper = test_helper($node);
use_helper($node, $helper);
set_helper($helper, delay => 1);
$node->safe_psql('postgres',
	'CREATE TABLE big AS SELECT g FROM generate_series(1, 200000) AS g; ANALYZE big');

my $workers_sql = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'docextract worker'";

# With nothing to do, the workers that came for CREATE EXTENSION leave.
ok($node->poll_query_until('postgres', "$workers_sql AND datname LIKE 'd_'", '0'),
	'idle workers leave after docextract.worker_idle_timeout');

my $pdf = text_pdf('Budget test document: the quick brown fox jumps over the lazy dog.');
my $salt = 0;

# Uploads $per_db jobs into each database while workers_per_database is 0, then sets it back to
# 2: every database wants its workers at the same moment.
sub upload_all {
	my ($per_db) = @_;
	reload_with($node, 'docextract.workers_per_database' => 0);
	for my $db (@dbs) {
		my $values = join ', ', map { $salt++; "('b-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "'::bytea)" }
		  1 .. $per_db;
		$node->safe_psql($db, "SELECT docextract.upload(f, b) FROM (VALUES $values) AS v(f, b)");
	}
	reload_with($node, 'docextract.workers_per_database' => 2);
}

# Sessions: one samples the workers, one runs the parallel query.
my $monitor = $node->background_psql('d1');
my $query = $node->background_psql('postgres');
$query->query_safe(q{
	SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
	SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2});

# Docextract workers right before and after a parallel count(*) over big, and the workers that
# query launched.
sub parallel_query {
	my $out = $query->query_safe("$workers_sql;"
		  . ' EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM big;'
		  . " $workers_sql");
	my @lines = split /\n/, $out;
	my ($launched) = $out =~ /Workers Launched: (\d+)/;
	return ($lines[0], $launched // 0, $lines[-1]);
}

# Samples the workers until $total jobs have completed (server-wide counters); while $bound of them
# hold a slot, runs the parallel query. Returns the most workers seen and, of the parallel query,
# the docextract workers before it, the workers it launched and the docextract workers after it.
sub run_jobs {
	my ($total, $bound) = @_;
	my ($most, @parallel) = (0);
	my $deadline = time + 120;
	my $timeline = '';
	while (time < $deadline) {
		my ($workers, $busy, $done) = split /\|/, $monitor->query_safe(
			"SELECT ($workers_sql), ($workers_sql AND query LIKE 'extracting job%'),"
			  . ' (SELECT sum(completed) FROM docextract.worker_stats)');
		$timeline .= "$workers/$busy ";
		$most = $workers if $workers > $most;
		last if $done >= $total;
		# Until one run had all $bound workers around it (one may be leaving for another database).
		@parallel = parallel_query() if $workers == $bound && !(@parallel && $parallel[0] == $bound
			&& $parallel[2] == $bound);
		select(undef, undef, undef, 0.02);
	}
	note("workers/busy: $timeline");
	return ($most, @parallel ? ($parallel[0], $parallel[1], $parallel[2]) : (0, 0, 0));
}

# Whether each database has $per_db completed jobs (d2: $d2 if given).
sub completed_everywhere {
	my ($per_db, $d2) = @_;
	for my $db (@dbs) {
		my $want = $db eq 'd2' && defined $d2 ? $d2 : $per_db;
		return 0 unless $node->safe_psql($db,
			"SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'completed'") == $want;
	}
	return 1;
}

#### The budget binds: three workers for four databases that want two each.
my $log_offset = -s $node->logfile;
my $t0 = time;
upload_all(2);
my ($most, $before, $launched, $after) = run_jobs(8, 3);
diag(sprintf('8 jobs of 1 s in 4 databases with 3 workers: %.1f s', time - $t0));
ok(completed_everywhere(2), 'every database got its 2 jobs done');
cmp_ok($most, '<=', 3, "never more than docextract.max_workers = 3 workers (saw $most)");
is("$before $after", '3 3', 'the 3 workers were there before and after the parallel query');
is($launched, 2, 'the parallel query launched its 2 workers meanwhile');

# The log: per database, waits and recoveries alternate (one line each per episode), and the
# database that waited longest was logged.
my $log = slurp_file($node->logfile, $log_offset);
my ($waits, $recoveries) = (0, 0);
my $alternate = 1;
for my $db (@dbs) {
	my @events = $log =~ /docextract (database "$db" is waiting|workers serve database "$db" again)/g;
	my $last = '';
	for my $e (@events) {
		my $kind = $e =~ /waiting/ ? 'wait' : 'recovery';
		$alternate = 0 if $kind eq $last || ($last eq '' && $kind eq 'recovery');
		$last = $kind;
		$kind eq 'wait' ? $waits++ : $recoveries++;
	}
	$alternate = 0 if $last eq 'wait';    # every wait ended: all jobs are done
}
cmp_ok($waits, '>=', 1, "a database waited and it was logged ($waits waits)");
is($recoveries, $waits, 'each wait has its end logged');
ok($alternate, 'per database, one line when the wait starts and one when it ends');
like($log, qr/DETAIL:  All 3 workers that docextract.max_workers allows are busy/,
	'the wait says why');
unlike($log, qr/could not start a worker/, 'no failed starts');

ok($node->poll_query_until('postgres', "$workers_sql AND datname LIKE 'd_'", '0'),
	'the workers leave once the jobs are done');

# A database without workers gets one when a job comes.
$salt++;
my $doc = $node->safe_psql('d2',
	"SELECT docextract.upload('b-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "')");
is( $node->safe_psql('d2',
		"SELECT docextract.wait_for_job(id, '60 s') FROM docextract.extraction_jobs WHERE document_id = '$doc'"),
	'completed', 'an upload into a database without workers starts one');
my $idle_from = time;
my $idle_for;
while (time - $idle_from < 30) {
	if ($monitor->query_safe("$workers_sql AND datname = 'd2'") == 0) {
		$idle_for = time - $idle_from;
		last;
	}
	select(undef, undef, undef, 0.05);
}
# The worker that took the job may be a look (which leaves at once) or a worker started on demand
# (which stays worker_idle_timeout): either way, none is left long after.
ok(defined $idle_for && $idle_for < 15,
	sprintf('its workers leave once idle, within docextract.worker_idle_timeout (2 s) and some slack (%.1f s)',
		$idle_for // -1));

#### The reserve binds: a larger budget, but docextract leaves 2 of the 8 slots free.
my $others = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'logical replication launcher'");
my $bound = 8 - 2 - 1 - $others;    # the reserve, the launcher, replication's launcher
reload_with($node, 'docextract.max_workers' => 8);
$t0 = time;
upload_all(2);
($most, $before, $launched, $after) = run_jobs(17, $bound);
diag(sprintf('8 jobs of 1 s in 4 databases with %d workers: %.1f s', $bound, time - $t0));
ok(completed_everywhere(4, 5), 'every database got its next 2 jobs done');
cmp_ok($most, '<=', $bound, "never more than the $bound workers the reserve allows (saw $most)");
is("$before $after", "$bound $bound", "the $bound workers were there before and after the parallel query");
is($launched, 2, 'the parallel query still launched its 2 workers');

$monitor->quit;
$query->quit;
$node->stop;
done_testing();
