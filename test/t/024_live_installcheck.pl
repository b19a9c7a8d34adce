# make installcheck against a live server (README, Testing): a cluster with docextract's workers
# enabled, documents being extracted in another database meanwhile, and the regress and
# isolation suites run against it through PGHOST, PGPORT and PGUSER. docextract.workers keeps the
# workers off the suites' databases while the other database is served throughout. Then the
# setting itself, per database: external, none, and back to all; and the early failure against
# a server without the preload.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Cwd qw(getcwd);
use File::Copy qw(copy);
use File::Path qw(make_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex test_helper set_helper use_helper
  wait_job worker_pids wait_workers worker_stats reload_with);

my $node = new_cluster('live', 'docextract.workers_per_database = 2',
	'docextract.max_workers = 6', 'max_worker_processes = 16');
my $helper = test_helper($node);
use_helper($node, $helper);
my $pdf = text_pdf('Live server document: the quick brown fox jumps over the lazy dog again.');
my $salt = 0;

sub upload {
	my ($db) = @_;
	$salt++;
	my $doc = $node->safe_psql($db,
		"SELECT docextract.upload('live-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "')");
	return $node->safe_psql($db, "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

# Another database whose workers are busy while the suites run: every extraction takes a second.
$node->safe_psql('postgres', 'CREATE DATABASE busy');
$node->safe_psql('busy', 'CREATE EXTENSION docextract');
set_helper($helper, delay => 1);
my @busy_jobs = map { upload('busy') } 1 .. 12;
wait_job($node, 'busy', $busy_jobs[0], 'processing', 'completed') or die 'busy: nothing started';

# The suites' own tree: they write their results beside it.
my $tree = PostgreSQL::Test::Utils::tempdir('tree');
for my $path (qw(Makefile docextract.control scripts/check-live-server.sh test/docextract.conf),
	glob('sql/*.sql'), glob('expected/*.out'), glob('isolation/specs/*.spec'),
	glob('isolation/expected/*.out'))
{
	(my $dir = "$tree/$path") =~ s{/[^/]*$}{};
	make_path($dir);
	copy($path, "$tree/$path") or die "cannot copy $path: $!";
	chmod 0755, "$tree/$path" if $path =~ /\.sh$/;
}

# make installcheck, as a user would run it: the environment names the server. The make that
# runs this test passes its own variables down (MAKEFLAGS, and its command line's
# INSTALLCHECK_SERVER=temp in the environment): not to this one.
my %env = %ENV;
delete @env{qw(MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES PGDATABASE INSTALLCHECK_SERVER)};
$env{PGHOST} = $node->host;
$env{PGPORT} = $node->port;
$env{PGUSER} = scalar getpwuid($<);
my $out = '';
my $started = $node->safe_psql('busy', 'SELECT now()');
my $make;
{
	local %ENV = %env;
	$make = IPC::Run::start([ 'make', '-C', $tree, 'installcheck', 'TAP_TESTS=' ],
		'<', \undef, '>', \$out, '2>&1');
}
# Meanwhile: no worker ever claims in the suites' databases (a new database gets a first look,
# which leaves at once), and the busy database is served.
my ($intruders, $busy_served) = (0, 0);
while ($make->pumpable) {
	my ($in, $served) = split /\|/, $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE datname IN ('contrib_regression', 'isolation_regression')"
		  . " AND (query LIKE 'claiming%' OR query LIKE 'extracting%')),"
		  . " count(*) FILTER (WHERE datname = 'busy')"
		  . " FROM pg_stat_activity WHERE backend_type = 'docextract worker'");
	$intruders = $in if $in > $intruders;
	$busy_served++ if $served > 0;
	usleep(200_000);
	$make->pump_nb;
}
my $passed = $make->finish;
ok($passed, 'make installcheck against the live server passes');
if (!$passed) {
	diag($out);
	for my $diffs ("$tree/regression.diffs", "$tree/output_iso/regression.diffs") {
		diag(slurp_file($diffs)) if -f $diffs;
	}
}
like($out, qr/installcheck against the live server/, 'the live server was checked first');
unlike($out, qr/temp-instance|initdb/, 'no temporary instance');
like($out, qr/regress install-check/, 'the regress suite ran');
like($out, qr/isolation install-check/, 'the isolation suite ran');
is($intruders, 0, 'no worker was seen claiming in the databases of the suites');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'regress%'"),
	'0', 'the suites dropped the roles they created');
is( $node->safe_psql('postgres',
		"SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'docextract%'"),
	'docextract_admin,docextract_user,docextract_worker', 'and left the cluster\'s docextract roles');
ok($busy_served > 0, 'the busy database had workers while the suites ran');
# The suites end with DROP EXTENSION: a database may be "no extension" by now.
is( $node->safe_psql('busy',
		"SELECT count(*) FROM docextract.worker_stats"
		  . " WHERE datname IN ('contrib_regression', 'isolation_regression')"
		  . " AND state IN ('kept off', 'no extension') AND claimed = 0"),
	'2', 'no worker ever claimed in the suites\' databases');
for my $job (@busy_jobs) {
	wait_job($node, 'busy', $job, 'completed') or die "busy: job $job did not complete";
}
ok( $node->safe_psql('busy',
		"SELECT count(*) > 0 FROM docextract.extraction_jobs WHERE completed_at > '$started'"),
	'busy: jobs completed while the suites ran');
is($node->safe_psql('busy', "SELECT count(*) FROM docextract.extraction_jobs WHERE status <> 'completed'"),
	'0', 'busy: every job completed');

# docextract.workers per database, for maintenance.
set_helper($helper, delay => 0);
$node->safe_psql('postgres', 'CREATE DATABASE maint');
$node->safe_psql('maint', 'CREATE EXTENSION docextract');
ok(wait_job($node, 'maint', upload('maint'), 'completed'), 'maint: served');
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', 'ALTER DATABASE maint SET docextract.workers = external');
ok(kept_off('maint'), 'external: the workers find the database kept off');
ok(wait_workers($node, 'maint', 0), 'external: the workers leave');
my $job = upload('maint');
my $seen = 0;
for (1 .. 15) {
	$seen += scalar(worker_pids($node, 'maint'));
	usleep(200_000);
}
is($seen, 0, 'external: no worker comes back, even for a new job');
is(worker_stats($node, 'maint')->{workers}, 0, 'external: worker_stats shows none');
is($node->safe_psql('maint', "SELECT state FROM docextract.worker_stats WHERE datname = 'maint'"),
	'kept off', 'external: worker_stats says kept off');
is(job_status($job), 'pending', 'external: the job waits');
# An external worker (a new session gets the database's setting) may claim; it gives the job back.
is( $node->safe_psql('maint',
		"SELECT count(docextract.release_job(job_id, claim_token)) FROM docextract.claim_jobs('ext', 1)"),
	'1', 'external: an external worker claims');
$node->safe_psql('postgres', 'ALTER DATABASE maint SET docextract.workers = none');
is($node->safe_psql('maint', "SELECT count(*) FROM docextract.claim_jobs('ext', 1)"),
	'0', 'none: an external worker claims nothing');
is(job_status($job), 'pending', 'none: the job still waits');
$node->safe_psql('postgres', 'ALTER DATABASE maint RESET docextract.workers');
ok(wait_job($node, 'maint', $job, 'completed'), 'reset: the workers come back and do the job');

# Kept off with a job in hand: the worker finishes it, then leaves.
set_helper($helper, delay => 3);
my $long = upload('maint');
wait_job($node, 'maint', $long, 'processing') or die 'maint: the long job did not start';
$node->safe_psql('postgres', 'ALTER DATABASE maint SET docextract.workers = external');
ok(wait_job($node, 'maint', $long, 'completed'), 'a job in hand is finished');
ok(wait_workers($node, 'maint', 0), 'then the workers leave');
is( $node->safe_psql('maint', "SELECT retry_count || '/' || lease_expirations FROM docextract.extraction_jobs WHERE id = '$long'"),
	'0/0', 'the job in hand was done once');
$node->safe_psql('postgres', 'ALTER DATABASE maint RESET docextract.workers');
set_helper($helper, delay => 0);

# The server's configuration applies to the databases without a setting of their own.
reload_with($node, 'docextract.workers' => 'external');
my $busy_job = upload('busy');
ok(kept_off('busy'), 'configured external: busy is kept off');
ok(wait_workers($node, 'busy', 0), 'configured external: the workers leave busy');
$seen = 0;
for (1 .. 10) {
	$seen += scalar(worker_pids($node, 'busy'));
	usleep(200_000);
}
is($seen + 0, 0, 'configured external: none comes back');
$node->safe_psql('postgres', "ALTER DATABASE busy SET docextract.workers = 'all'");
ok(wait_job($node, 'busy', $busy_job, 'completed'), 'the database\'s own setting wins');
$node->safe_psql('postgres', 'ALTER DATABASE busy RESET docextract.workers');
reload_with($node, 'docextract.workers' => undef);
my $log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/(WARNING|ERROR):.*docextract/, 'nothing logged about it but the statements');

sub kept_off {
	my ($db) = @_;
	return $node->poll_query_until('busy',
		"SELECT state = 'kept off' FROM docextract.worker_stats WHERE datname = '$db'");
}

sub job_status {
	my ($id) = @_;
	return $node->safe_psql('maint', "SELECT status FROM docextract.extraction_jobs WHERE id = '$id'");
}

# A server without the preload is refused before any test runs, with the reason.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
my ($check_out, $check_err) = ('', '');
{
	local %ENV = %env;
	$ENV{PGHOST} = $plain->host;
	$ENV{PGPORT} = $plain->port;
	IPC::Run::run([ "$tree/scripts/check-live-server.sh", 'psql' ],
		'>', \$check_out, '2>', \$check_err);
}
like($check_err, qr/does not have docextract in shared_preload_libraries/,
	'a server without the preload is refused, saying why');

done_testing();
