# The launcher follows the databases: CREATE EXTENSION anywhere gets workers within seconds;
# DROP EXTENSION and DROP DATABASE (without FORCE) are never blocked by the workers, not even
# with a job in flight; a reload changes docextract.workers_per_database. The budget is large
# enough for every database here to keep its workers (015 tests a budget that is not).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex test_helper set_helper use_helper
  reload_with wait_job running_helper worker_pids wait_workers);

my $node = new_cluster('databases', 'docextract.workers_per_database = 2', 'max_worker_processes = 16',
	'docextract.max_workers = 12');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
ok(wait_workers($node, 'postgres', 2), 'postgres: two workers');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'docextract launcher'"),
	'1', 'one launcher');
is( $node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT application_name, ',') FROM pg_stat_activity"
		  . " WHERE backend_type = 'docextract worker'"),
	'docextract worker postgres', 'workers name themselves and their database in application_name');
is( $node->safe_psql('postgres',
		"SELECT application_name FROM pg_stat_activity WHERE backend_type = 'docextract launcher'"),
	'docextract launcher', 'the launcher names itself in application_name');
like( $node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT query, ',') FROM pg_stat_activity"
		  . " WHERE backend_type = 'docextract worker' AND state = 'idle'"),
	qr/waiting for jobs/, 'idle workers say what they wait for');

my $helper = test_helper($node);
use_helper($node, $helper);
my $pdf = text_pdf('Database test document: the quick brown fox jumps over the lazy dog.');
my $salt = 0;

sub upload {
	my ($db) = @_;
	$salt++;
	my $doc = $node->safe_psql($db,
		"SELECT docextract.upload('db-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "')");
	return $node->safe_psql($db, "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

sub timed {
	my ($code) = @_;
	my $t0 = time;
	$code->();
	return time - $t0;
}

# A database without the extension is looked at and left alone.
$node->safe_psql('postgres', 'CREATE DATABASE plain');
ok( $node->poll_query_until('postgres',
		"SELECT state = 'no extension' FROM docextract.worker_stats WHERE datname = 'plain'"),
	'plain: the launcher found no extension');
is(scalar(worker_pids($node, 'plain')), 0, 'plain: no workers');

#### CREATE EXTENSION in a second database
$node->safe_psql('postgres', 'CREATE DATABASE db2');
my $t0 = time;
$node->safe_psql('db2', 'CREATE EXTENSION docextract');
ok(wait_workers($node, 'db2', 2), 'db2: two workers after CREATE EXTENSION');
my $started_in = time - $t0;
cmp_ok($started_in, '<', 5, 'db2: within 5 s');
diag(sprintf('CREATE EXTENSION to two running workers: %.2f s', $started_in));
my $job = upload('db2');
is($node->safe_psql('db2', "SELECT docextract.wait_for_job('$job', '60 s')"), 'completed',
	'db2: a job completes');
is($node->safe_psql('db2', 'SELECT count(*) FROM docextract.extracted_data'), '1', 'db2: its result is stored');
is( $node->safe_psql('postgres',
		"SELECT datname || ':' || state || ':' || workers || ':' || completed FROM docextract.worker_stats"
		  . " WHERE datname IN ('postgres', 'db2') ORDER BY datname"),
	"db2:running:2:1\npostgres:running:2:0", 'worker_stats: one row per database');

#### DROP EXTENSION with a job in flight
set_helper($helper, delay => 3);
$job = upload('db2');
my ($holder, $child) = running_helper($node, 'db2', $job);
# With a document stored, DROP EXTENSION refuses unless told to.
my ($rc, $out, $err) = $node->psql('db2', 'DROP EXTENSION docextract');
like($err, qr/cannot drop extension docextract because it still stores documents/,
	'DROP EXTENSION refuses while documents exist');
is($node->safe_psql('db2', "SELECT status FROM docextract.extraction_jobs WHERE id = '$job'"),
	'processing', 'the refused DROP EXTENSION changed nothing');
my $took = timed(sub { $node->safe_psql('db2',
	'SET lock_timeout = \'10s\'; SET docextract.allow_drop_with_documents = on; DROP EXTENSION docextract') });
cmp_ok($took, '<', 2, 'DROP EXTENSION with a job in flight is not blocked');
diag(sprintf('DROP EXTENSION with a job in flight: %.2f s', $took));
ok(wait_workers($node, 'db2', 0), 'db2: the workers leave after DROP EXTENSION');
ok( $node->poll_query_until('postgres',
		"SELECT state = 'no extension' FROM docextract.worker_stats WHERE datname = 'db2'"),
	'db2: state no extension');
set_helper($helper, delay => 0);
usleep(20_000) while kill(0, $child);
is($node->safe_psql('db2', "SELECT to_regclass('docextract.extraction_jobs') IS NULL"), 't',
	'db2: the queue is gone');

#### CREATE EXTENSION again, then DROP DATABASE with a job in flight
$t0 = time;
$node->safe_psql('db2', 'CREATE EXTENSION docextract');
ok(wait_workers($node, 'db2', 2), 'db2: workers are back after CREATE EXTENSION');
cmp_ok(time - $t0, '<', 5, 'db2: within 5 s');
set_helper($helper, delay => 30);
$job = upload('db2');
($holder, $child) = running_helper($node, 'db2', $job);
$took = timed(sub { $node->safe_psql('postgres', 'DROP DATABASE db2') });
cmp_ok($took, '<', 5, 'DROP DATABASE (no FORCE) with running workers and a job in flight succeeds');
diag(sprintf('DROP DATABASE with a job in flight: %.2f s', $took));
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'db2'"), '0',
	'db2 is gone');
usleep(20_000) while kill(0, $child) && time - $t0 < 30;
ok(!kill(0, $child), 'the helper of the dropped database\'s job was killed');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'docextract worker'"
		  . " AND datname IS DISTINCT FROM 'postgres'"),
	'no worker outside postgres');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM docextract.worker_stats WHERE datname NOT IN ('postgres', 'plain')"),
	'worker_stats forgets the dropped database');
set_helper($helper, delay => 0);

# A rename moves the workers out of the way too.
$node->safe_psql('postgres', 'CREATE DATABASE db3');
$node->safe_psql('db3', 'CREATE EXTENSION docextract');
ok(wait_workers($node, 'db3', 2), 'db3: two workers');
$t0 = time;
$node->safe_psql('postgres', 'ALTER DATABASE db3 RENAME TO db4');
cmp_ok(time - $t0, '<', 5, 'ALTER DATABASE RENAME with running workers succeeds');
ok(wait_workers($node, 'db4', 2), 'db4: the workers return under the new name');
cmp_ok(time - $t0, '<', 5, 'db4: within 5 s of the rename');

# A DROP DATABASE that fails (a user session is connected) leaves the workers running.
my $session = $node->background_psql('db4');
my ($sqlstate) = DocextractTest::sql_error($node, 'postgres', 'DROP DATABASE db4');
is($sqlstate, '55006', 'DROP DATABASE with a user connected fails: object_in_use');
$t0 = time;
ok(wait_workers($node, 'db4', 2), 'db4: the workers come back after the failed DROP DATABASE');
cmp_ok(time - $t0, '<', 5, 'db4: within 5 s');
$session->quit;

$took = timed(sub { $node->safe_psql('postgres', 'DROP DATABASE db4') });
cmp_ok($took, '<', 5, 'DROP DATABASE db4 succeeds');

#### SIGHUP changes workers_per_database
for my $n (3, 1, 0, 2) {
	reload_with($node, 'docextract.workers_per_database' => $n);
	ok(wait_workers($node, 'postgres', $n), "workers_per_database = $n: $n workers in postgres");
}
$job = upload('postgres');
is($node->safe_psql('postgres', "SELECT docextract.wait_for_job('$job', '60 s')"), 'completed',
	'the workers still work');
is(scalar(worker_pids($node, 'plain')), 0, 'plain: still no workers');

$node->stop;
done_testing();
