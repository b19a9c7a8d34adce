# Hardening against the roles that share a server with docextract: a database owner cannot
# borrow the workers' privileges, job events reveal nothing and commit regardless of NOTIFY,
# roles that may not drop or rename a database cannot evict its workers, counters count only
# committed work, DROP EXTENSION stops a running helper at once, and neither refused uploads
# nor failed jobs put document bytes in the server log.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex test_helper set_helper use_helper
  reload_with wait_job running_helper worker_pids wait_workers sql_error worker_stats job_row);

# The test's own sessions must not fall into the trap set below for the workers: their
# connection-level search_path overrides the database's.
$ENV{PGOPTIONS} = '-c search_path=pg_catalog,public';

my $node = new_cluster('hardening', 'docextract.workers_per_database = 1',
	"log_min_error_statement = error");
my $pdf = text_pdf('Hardening test document: the quick brown fox jumps over the lazy dog.');
my $salt = 0;

sub upload {
	my ($db, $role) = @_;
	$salt++;
	my $set = $role ? "SET ROLE $role;\n" : '';
	my $doc = $node->safe_psql($db,
		"${set}SELECT docextract.upload('h-$salt.pdf', '" . bytea_hex(salted($pdf, $salt)) . "')");
	return $node->safe_psql($db, "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

#### A database owner cannot run code as a superuser through the workers
$node->safe_psql('postgres', q{
	CREATE ROLE mallory LOGIN;
	CREATE DATABASE victim OWNER mallory;
});
$node->safe_psql('victim', q{
	CREATE EXTENSION docextract;
	CREATE ROLE carol LOGIN IN ROLE docextract_user;
	-- Who runs the extension's code: a trigger on the queue records the session user of every
	-- claim (the test's own instrument, created by the superuser).
	CREATE TABLE public.claim_sessions (session_user_name name, superuser boolean);
	GRANT INSERT ON public.claim_sessions TO PUBLIC;
	CREATE FUNCTION public.record_claim() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO public.claim_sessions
		SELECT session_user, rolsuper FROM pg_roles WHERE rolname = session_user;
		RETURN NEW;
	END $$;
	CREATE TRIGGER record_claim AFTER UPDATE OF status ON docextract.extraction_jobs
		FOR EACH ROW WHEN (NEW.status = 'processing') EXECUTE FUNCTION public.record_claim();
});
ok(wait_workers($node, 'victim', 1), 'victim: a worker runs');
# The owner's trap: an "=" for uuid that makes its caller's role a superuser, found first
# through the database's search_path.
$node->safe_psql('victim', q{
	SET ROLE mallory;
	CREATE SCHEMA trap;
	CREATE TABLE trap.sprung (who name, super boolean);
	GRANT USAGE ON SCHEMA trap TO PUBLIC;
	GRANT INSERT ON trap.sprung TO PUBLIC;
	CREATE FUNCTION trap.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO trap.sprung SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user;
		BEGIN
			EXECUTE 'ALTER ROLE mallory SUPERUSER';
		EXCEPTION WHEN insufficient_privilege THEN NULL;
		END;
		RETURN uuid_cmp($1, $2) = 0;
	END $$;
	CREATE OPERATOR trap.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = trap.uuid_eq);
	GRANT EXECUTE ON FUNCTION trap.uuid_eq(uuid, uuid) TO PUBLIC;
	ALTER DATABASE victim SET search_path = trap, pg_catalog, public;
});
# New workers see the database setting: restart them.
reload_with($node, 'docextract.workers_per_database' => 0);
ok(wait_workers($node, 'victim', 0), 'victim: workers stopped');
reload_with($node, 'docextract.workers_per_database' => 1);
ok(wait_workers($node, 'victim', 1), 'victim: a new worker started with the trap in its search_path');
my $job = upload('victim', 'carol');
ok(wait_job($node, 'victim', $job, 'completed'), 'the job is extracted');
is($node->safe_psql('victim', 'SELECT count(*) FROM trap.sprung'), '0', 'the trap operator never ran');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"), 'f',
	'the database owner is still no superuser');
is($node->safe_psql('victim', "SELECT string_agg(DISTINCT session_user_name || ' ' || superuser, ',') FROM public.claim_sessions"),
	'docextract_worker false', 'the worker claims as docextract_worker, which is no superuser');

# A worker never runs as a superuser, even if docextract_worker became one: it refuses to start.
$node->safe_psql('postgres', 'ALTER ROLE docextract_worker SUPERUSER');
reload_with($node, 'docextract.workers_per_database' => 0);
ok(wait_workers($node, 'victim', 0), 'workers stopped');
my $log_offset = -s $node->logfile;
reload_with($node, 'docextract.workers_per_database' => 1);
ok($node->wait_for_log(qr/docextract worker refuses to run as a superuser/, $log_offset),
	'a superuser docextract_worker: the worker refuses, and says why');
$node->safe_psql('postgres', 'ALTER ROLE docextract_worker NOSUPERUSER');
# Queued work makes the launcher look again at once (it would within a minute anyway).
$node->safe_psql('victim', 'SELECT docextract.wake_workers()');
ok(wait_workers($node, 'victim', 1), 'NOSUPERUSER again: the worker is back');
$node->safe_psql('victim', 'DROP TRIGGER record_claim ON docextract.extraction_jobs; ALTER DATABASE victim RESET search_path');

#### Job events: committed without NOTIFY, announced without a payload
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
reload_with($node, 'docextract.workers_per_database' => 0);
ok(wait_workers($node, 'postgres', 0), 'postgres: no workers');
$node->safe_psql('postgres', q{
	CREATE ROLE ext_worker LOGIN IN ROLE docextract_worker;
	CREATE ROLE nobody LOGIN;
});

# Runs $sql in one psql session after LISTEN docextract_jobs, waits $wait seconds, and returns
# the notifications psql printed.
sub listen_during {
	my ($role, $code, $wait) = @_;
	my ($in, $out, $err) = ("LISTEN docextract_jobs;\n", '', '');
	my $h = IPC::Run::start([ 'psql', '-XAtq', '-U', $role, '-d', $node->connstr('postgres') ],
		'<', \$in, '>', \$out, '2>', \$err);
	$in .= "SELECT 1;\n";
	$h->pump while length $in;
	usleep(300_000);
	$code->();
	$in .= "SELECT pg_sleep($wait);\n\\q\n";
	$h->finish;
	return join "\n", grep { /notification/ } split /\n/, $out;
}

my $ended_job = upload('postgres');
my ($claimed, $token) = split /\|/, $node->safe_psql('postgres',
	"SET ROLE ext_worker; SELECT job_id, claim_token FROM docextract.claim_jobs('ext', 1)");
is($claimed, $ended_job, 'an external worker claimed the job');
my $heard = listen_during('nobody', sub {
	$node->safe_psql('postgres',
		qq{SET ROLE ext_worker; SELECT docextract.complete_job('$claimed', '$token', '{"pages": []}')});
}, 1);
is($heard, '', 'complete_job itself sends no NOTIFY: its commit cannot fail on a full queue');
is(job_row($node, $ended_job, 'status'), 'completed', 'the job completed');

reload_with($node, 'docextract.workers_per_database' => 1);
ok(wait_workers($node, 'postgres', 1), 'postgres: a worker runs');
$heard = listen_during('nobody', sub { wait_job($node, 'postgres', upload('postgres'), 'completed') }, 1);
like($heard, qr/^Asynchronous notification "docextract_jobs" received from server process with PID \d+\.$/m,
	'a worker announces the end in a transaction of its own');
unlike($heard, qr/payload/, 'the event carries no payload: a role that may not see the job learns nothing');

#### Roles that may not drop, rename, copy or move a database cannot evict its workers
$node->safe_psql('postgres', 'CREATE ROLE eve LOGIN CREATEDB');
my @before = worker_pids($node, 'victim');
is(scalar @before, 1, 'victim: one worker before');
for my $cmd ('DROP DATABASE victim', 'ALTER DATABASE victim RENAME TO stolen',
	'CREATE DATABASE copy TEMPLATE victim', 'ALTER DATABASE victim SET TABLESPACE pg_default')
{
	my $t0 = time;
	my ($state) = sql_error($node, 'postgres', "SET ROLE eve; $cmd");
	is($state, '42501', "eve: $cmd is refused");
	cmp_ok(time - $t0, '<', 2, "eve: refused at once, without waiting for workers to leave");
	is(join(' ', worker_pids($node, 'victim')), join(' ', @before), "eve: $cmd left the worker in place");
}
my $space = PostgreSQL::Test::Utils::tempdir('space');
$node->safe_psql('postgres', "CREATE TABLESPACE elsewhere LOCATION '$space'");
is($node->psql('postgres', 'CREATE DATABASE victim_copy TEMPLATE victim'), 0,
	'the owner copies a database with workers: they step aside');
is($node->psql('postgres', 'ALTER DATABASE victim SET TABLESPACE elsewhere'), 0,
	'and moves it to another tablespace');
ok(wait_workers($node, 'victim', 1), 'victim: its worker is back');
ok(wait_job($node, 'victim', upload('victim', 'carol'), 'completed'), 'victim: jobs still run');

#### Counters count only committed work
# A deferred trigger makes the reclaim's commit fail: the reclaimed counter must not move.
$node->safe_psql('postgres', q{
	CREATE FUNCTION public.refuse_reclaim() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		RAISE EXCEPTION 'reclaim refused by the test';
	END $$;
	CREATE CONSTRAINT TRIGGER refuse_reclaim AFTER UPDATE ON docextract.extraction_jobs
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
		WHEN (NEW.error_message LIKE 'lease_lost: holder % stopped before finishing the job%')
		EXECUTE FUNCTION public.refuse_reclaim();
});
my $stats = worker_stats($node, 'postgres');
my $done = upload('postgres');
ok(wait_job($node, 'postgres', $done, 'completed'), 'a document whose next job is orphaned');
# A job held by an in-server worker that no longer exists (pid 1 is no docextract worker).
$node->safe_psql('postgres', qq{
	INSERT INTO docextract.extraction_jobs
	       (document_id, status, started_at, holder, holder_pid, lease_expires_at, claim_digest)
	SELECT document_id, 'processing', now(), 'gone', 1, now() + interval '1 hour',
	       docextract.claim_digest(gen_random_uuid())
	  FROM docextract.extraction_jobs WHERE id = '$done'});
$log_offset = -s $node->logfile;
ok($node->wait_for_log(qr/reclaim refused by the test/, $log_offset), 'the reclaim ran and failed at commit');
sleep 1;
is(worker_stats($node, 'postgres')->{reclaimed}, $stats->{reclaimed}, 'the failed reclaim is not counted');
$node->safe_psql('postgres', 'DROP TRIGGER refuse_reclaim ON docextract.extraction_jobs');
ok($node->poll_query_until('postgres',
		"SELECT reclaimed = $stats->{reclaimed} + 1 FROM docextract.worker_stats WHERE datname = 'postgres'"),
	'the committed reclaim is counted once');

#### A job that fails for good is logged once, with its id and error code, never its content
my $helper = test_helper($node);
use_helper($node, $helper);
set_helper($helper, mode => 'fail');
$log_offset = -s $node->logfile;
# No retries: the first failure is final.
$node->safe_psql('postgres', 'ALTER TABLE docextract.extraction_jobs ALTER COLUMN max_retries SET DEFAULT 0');
my $failing = upload('postgres');
$node->safe_psql('postgres', 'ALTER TABLE docextract.extraction_jobs ALTER COLUMN max_retries SET DEFAULT 3');
ok(wait_job($node, 'postgres', $failing, 'failed'), 'the job failed for good');
ok($node->wait_for_log(qr/docextract job $failing failed: crashed\n/, $log_offset),
	'the final failure is logged with the job id and the error code');
set_helper($helper, mode => 'run');

#### DROP EXTENSION with a job running: the helper stops at once, and the worker goes quiet
set_helper($helper, delay => 60);
my $slow = upload('postgres');
my ($worker, $child) = running_helper($node, 'postgres', $slow);
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', 'SET docextract.allow_drop_with_documents = on; DROP EXTENSION docextract CASCADE');
my $t0 = time;
usleep(100_000) while kill(0, $child) && time - $t0 < 10;
ok(!kill(0, $child), 'the helper is gone');
cmp_ok(time - $t0, '<', 3, 'within 3 s of DROP EXTENSION');
sleep 2;
my $log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/could not check a claim|could not release/, 'the worker logs no errors about the dropped tables');
ok(wait_workers($node, 'postgres', 0), 'and leaves');
set_helper($helper, delay => 0);

#### A refused upload sent as a literal: the statement and its bytes stay out of the log
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
# (log_statement = 'all', the test clusters' default, logs every statement by design: off here.)
reload_with($node, log_statement => 'none');
my $marker = 'SECRET-DOCUMENT-BYTES-' . ('z' x 200);
my $bad = "%PDF-1.4\n$marker\n" . ('x' x 500);
$log_offset = -s $node->logfile;
my ($state, $message) = sql_error($node, 'postgres',
	"SELECT docextract.upload('bad.exe', '" . bytea_hex($bad) . "')");
is($state, '22023', 'the upload is refused');
$log = slurp_file($node->logfile, $log_offset);
like($log, qr/ERROR:  invalid document file/, 'the error is logged');
my $hex_marker = unpack('H*', $marker);
unlike($log, qr/\Q$hex_marker\E|STATEMENT:/, 'without the statement or the document bytes');

done_testing();
