# Ten databases with the extension on a server with the default worker settings
# (max_worker_processes = 8, docextract.max_workers = 4, reserved_worker_slots = 2,
# worker_idle_timeout = 60 s): every database is served, docextract never holds more than its
# budget, a parallel query still gets its workers, and the log stays quiet (issue 12's worker-slot
# target).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex test_helper set_helper use_helper
  reload_with);

my $node = new_cluster('ten');
is($node->safe_psql('postgres',
		"SELECT string_agg(setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN
		   ('max_worker_processes', 'docextract.max_workers', 'docextract.reserved_worker_slots',
		    'docextract.worker_idle_timeout', 'max_parallel_workers_per_gather')"),
	'4 2 60000 2 8', 'the server runs with the default worker settings');

my @dbs = map { "db$_" } 0 .. 9;
for my $db (@dbs) {
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION docextract');
}
my $helper = test_helper($node);
use_helper($node, $helper);
set_helper($helper, delay => 0.5);
$node->safe_psql('postgres',
	'CREATE TABLE big AS SELECT g FROM generate_series(1, 200000) AS g; ANALYZE big');

my $workers_sql = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'docextract worker'";
my $pdf = text_pdf('Ten databases: the quick brown fox jumps over the lazy dog.');

# Three documents into each database, one database after the other, as fast as psql goes.
my $log_offset = -s $node->logfile;
my $t0 = time;
my $salt = 0;
for my $db (@dbs) {
	my $values = join ', ',
	  map { $salt++; "('t-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "'::bytea)" } 1 .. 3;
	$node->safe_psql($db, "SELECT docextract.upload(f, b) FROM (VALUES $values) AS v(f, b)");
}

# Until every job is done: the most docextract workers seen at once, and one parallel query
# run while docextract holds all the workers it may.
my $monitor = $node->background_psql('postgres');
my ($most, $launched, $held) = (0, undef, 0);
my $deadline = time + 180;
my $done = 0;
while (time < $deadline) {
	my $workers = $monitor->query_safe($workers_sql);
	$most = $workers if $workers > $most;
	# Until one run had all 4 workers around it (one may be leaving for another database).
	if (!$held && $workers == 4) {
		my $out = $monitor->query_safe("$workers_sql;"
			  . ' SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;'
			  . ' SET min_parallel_table_scan_size = 0;'
			  . ' EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM big;'
			  . " $workers_sql");
		my @lines = split /\n/, $out;
		($launched) = $out =~ /Workers Launched: (\d+)/;
		$held = $lines[0] == 4 && $lines[-1] == 4;
	}
	$done = 0;
	for my $db (@dbs) {
		$done += $node->safe_psql($db,
			"SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'completed'");
	}
	last if $done == 30;
	select(undef, undef, undef, 0.1);
}
diag(sprintf('30 jobs of 0.5 s in 10 databases: %.1f s', time - $t0));
is($done, 30, 'all 30 jobs in the 10 databases were completed');
for my $db (@dbs) {
	is($node->safe_psql($db,
			"SELECT string_agg(status, ',' ORDER BY status) FROM docextract.extraction_jobs"),
		'completed,completed,completed', "$db: its 3 jobs were completed");
}
cmp_ok($most, '<=', 4, "never more than docextract.max_workers = 4 workers at once (saw $most)");
ok($held, 'a parallel query ran while docextract held its 4 workers');
is($launched, 2, 'and it launched its 2 workers');

# The log: at most one line when a database starts waiting and one when it is served again.
my $log = slurp_file($node->logfile, $log_offset);
my @lines = grep { /docextract/ && !/statement:/ } split /\n/, $log;
my $waits = grep { /database "db\d" is waiting/ } @lines;
my $recoveries = grep { /workers serve database "db\d" again/ } @lines;
is($recoveries, $waits, "each of the $waits waits logged has its end logged");
unlike($log, qr/could not start a worker|out of background worker slots/i,
	'no failed worker start');
my $noise = grep { !/is waiting|serve database .* again|DETAIL|HINT/ } grep { /LOG|WARNING/ } @lines;
cmp_ok(scalar(@lines), '<=', 4 * @dbs,
	sprintf('the log stays quiet: %d docextract lines for 10 databases', scalar @lines));
is($noise, 0, 'and none of them is a repeated warning') or diag(join "\n", @lines);

$monitor->quit;
$node->stop;
done_testing();
