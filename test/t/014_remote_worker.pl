# The external worker (docextract worker) with the in-server workers off: it processes documents
# over libpq; killed with SIGKILL mid-job, its job is reclaimed when the lease expires and done
# once by another worker; SIGTERM lets the job in flight finish, or releases it after the grace
# period; it reconnects after a server restart; Prometheus metrics with escaped labels; and a
# server with SSL on, reached with sslmode=verify-full.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Socket::INET;
use IPC::Run;
use DocextractTest qw(new_cluster text_pdf salted bytea_hex test_helper set_helper wait_job test_pki wait_for_log);

my $node = new_cluster('remote', 'docextract.workers_per_database = 0', "docextract.lease_duration = '5s'",
	"docextract.retry_backoff_base = '0'");
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE remote LOGIN IN ROLE docextract_worker;
	CREATE ROLE stranger LOGIN;
});
my $cli = $node->config_data('--bindir') . '/docextract';
my $conninfo = 'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';
my $hdir = test_helper($node);
my $pdf = text_pdf('Remote worker document: the quick brown fox jumps over the lazy dog.');
my $serial = 0;

sub upload {
	$serial++;
	my $doc = $node->safe_psql('postgres',
		"SELECT docextract.upload('remote-$serial.pdf', '" . bytea_hex(salted($pdf, $serial)) . "')",
		extra_params => [ '-U', 'alice' ]);
	return $node->safe_psql('postgres', "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

# Starts a worker; returns its handle and the references its stdout and stderr go to.
sub start_worker {
	my ($conn, @args) = @_;
	my ($out, $err) = ('', '');
	# The TAP harness sets PGAPPNAME; without it the worker names its sessions itself.
	local %ENV = %ENV;
	delete $ENV{PGAPPNAME};
	my $h = IPC::Run::start([ $cli, '-d', $conn, 'worker', '--helper', "$hdir/helper", '--poll-interval', '0.2', @args ],
		'<', \'', '>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

sub http_get {
	my ($port) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 5) or return '';
	print $s "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
	local $/;
	my $reply = <$s>;
	close $s;
	return $reply;
}

sub counts {
	return $node->safe_psql('postgres', q{
		SELECT (SELECT string_agg(status || '=' || n, ' ' ORDER BY status)
		          FROM (SELECT status, count(*) AS n FROM docextract.extraction_jobs GROUP BY status) AS s)
		       || ' results=' || (SELECT count(*) FROM docextract.extracted_data)
		       || ' docs_without_one_result=' || (SELECT count(*) FROM docextract.documents AS d
		              WHERE (SELECT count(*) FROM docextract.extracted_data AS x WHERE x.document_id = d.id) <> 1)});
}

#### a role that is not a member of docextract_worker is refused
{
	my ($out, $err) = ('', '');
	IPC::Run::run([ $cli, '-d', "$conninfo user=stranger", 'worker', '--helper', "$hdir/helper" ], '<', \'', '>', \$out, '2>', \$err);
	is($? >> 8, 1, 'worker as a role outside docextract_worker exits 1');
	is($err, "docextract: error: role \"stranger\" is not a member of docextract_worker\n"
		  . "HINT:  Run GRANT docextract_worker TO stranger.\n", 'and says why');
}

#### processing, with metrics whose label is escaped
my @jobs = map { upload() } 1 .. 4;
my ($w1, $w1_out, $w1_err) = start_worker("$conninfo user=remote", '--concurrency', '2', '--name', 'remote "1"\\a',
	'--metrics-port', '0');
ok(wait_for_log($w1, $w1_err, qr/metrics on port (\d+)/), 'the worker serves metrics');
my ($port) = $$w1_err =~ /metrics on port (\d+)/;
for my $job (@jobs) { wait_job($node, 'postgres', $job, 'completed', 'failed') or die "job $job did not end"; }
is(counts(), 'completed=4 results=4 docs_without_one_result=0', 'the remote worker completed the four jobs');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE usename = 'remote' AND application_name = 'docextract worker'"),
	'2', 'two sessions (one per slot) named docextract worker');
is($node->safe_psql('postgres', 'SELECT count(error_message) FROM docextract.extraction_jobs'), '0',
	'no job has an error');
my $metrics = http_get($port);
like($metrics, qr/^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; version=0\.0\.4/, 'metrics: HTTP 200, text format');
like($metrics, qr/^docextract_worker_jobs_completed_total\{worker="remote \\"1\\"\\\\a"\} 4$/m,
	'metrics: four completed, the worker label escaped');
like($metrics, qr/^docextract_worker_jobs_claimed_total\{worker="[^\n]*"\} 4$/m, 'metrics: four claimed');
like($metrics, qr/^docextract_worker_jobs_in_flight\{worker="[^\n]*"\} 0$/m, 'metrics: none in flight');
like($metrics, qr/^docextract_worker_helper_seconds_total\{worker="[^\n]*"\} [0-9.]+$/m, 'metrics: helper seconds');

#### SIGTERM: the job in flight finishes, then the worker exits 0
set_helper($hdir, delay => 2);
my $graceful = upload();
wait_job($node, 'postgres', $graceful, 'processing') or die;
$w1->signal('TERM');
$w1->finish;
is($? >> 8, 0, 'after SIGTERM the worker exits 0');
is(DocextractTest::job_row($node, $graceful, 'status'), 'completed', 'after finishing the job in flight');
like($$w1_err, qr/shutting down: finishing 1 job\(s\) in flight within 30 s/, 'it said so');

#### SIGTERM with a short grace: the job goes back to the queue, no attempt counted
set_helper($hdir, delay => 30);
my ($w2, $w2_out, $w2_err) = start_worker("$conninfo user=remote", '--name', 'remote-2', '--grace', '0.5');
my $released = upload();
wait_job($node, 'postgres', $released, 'processing') or die;
$w2->signal('TERM');
$w2->finish;
is($? >> 8, 0, 'the worker exits 0 after the grace period');
is(DocextractTest::job_row($node, $released, "status || ' ' || retry_count || ' ' || (holder IS NULL)"),
	'pending 0 true', 'its job was released: pending, no attempt counted');
like($$w2_err, qr/grace period over: releasing the jobs in flight.*job \S+ released/s, 'it said so');

#### SIGKILL mid-job: the lease expires, another worker reclaims and completes the job once
set_helper($hdir, delay => 3);
my ($w3, $w3_out, $w3_err) = start_worker("$conninfo user=remote", '--name', 'doomed');
ok( $node->poll_query_until('postgres',
		"SELECT status = 'processing' AND holder = 'doomed#0' FROM docextract.extraction_jobs WHERE id = '$released'"),
	'the doomed worker holds the job');
sleep 1;    # the helper is running
$w3->signal('KILL');
eval { $w3->finish };
set_helper($hdir, delay => 0);
my ($w4, $w4_out, $w4_err) = start_worker("$conninfo user=remote", '--name', 'rescuer', '--concurrency', '2');
wait_job($node, 'postgres', $released, 'completed', 'failed') or die 'the killed job never ended';
is( DocextractTest::job_row($node, $released, "status || ' ' || retry_count || ' ' || lease_expirations"),
	'completed 0 1', 'the killed worker\'s job was reclaimed (a lost lease, not an attempt) and completed');
ok(wait_for_log($w4, $w4_err, qr/rescuer#0: reclaimed 1 job\(s\) of stopped holders/),
	'the rescuer reclaimed it after the lease expired');
is(counts(), 'completed=6 results=6 docs_without_one_result=0', 'nothing lost, nothing done twice');

#### a server restart: the worker reconnects and goes on
$node->restart;
my $after = upload();
wait_job($node, 'postgres', $after, 'completed') or die;
ok(wait_for_log($w4, $w4_err, qr/connection lost.*connected/s), 'the worker reconnected after the restart');
is(counts(), 'completed=7 results=7 docs_without_one_result=0', 'the job uploaded after the restart was done');
$w4->signal('TERM');
$w4->finish;

#### SSL with sslmode=verify-full, over TCP
my $pki = test_pki('localhost');
$node->append_conf('postgresql.conf', "ssl = on\nssl_cert_file = '$pki/server.crt'\nssl_key_file = '$pki/server.key'\n"
	  . "listen_addresses = '127.0.0.1'\n");
$node->append_conf('pg_hba.conf', "hostssl postgres remote 127.0.0.1/32 trust\n");
$node->restart;
my $tls = 'host=localhost hostaddr=127.0.0.1 port=' . $node->port . " dbname=postgres user=remote sslmode=verify-full sslrootcert=$pki/ca.crt";
{
	my ($out, $err) = ('', '');
	IPC::Run::run([ $cli, '-d', 'host=127.0.0.1 port=' . $node->port . " dbname=postgres user=remote sslmode=verify-full sslrootcert=$pki/ca.crt",
		'worker', '--helper', "$hdir/helper" ], '<', \'', '>', \$out, '2>', \$err);
	is($? >> 8, 2, 'verify-full against a name the certificate does not carry: exit 2');
	like($err, qr/^docextract: error: .*server certificate for "localhost".* does not match host name "127\.0\.0\.1"/,
		'the certificate check failed');
}
my ($w5, $w5_out, $w5_err) = start_worker($tls, '--name', 'tls');
my $secure = upload();
wait_job($node, 'postgres', $secure, 'completed') or die;
is( $node->safe_psql('postgres', "SELECT bool_and(s.ssl) || ' ' || count(*) FROM pg_stat_ssl s"
		  . " JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'docextract worker'"),
	'true 1', 'the worker\'s session is encrypted');
is(counts(), 'completed=8 results=8 docs_without_one_result=0', 'and it completed the job');
$w5->signal('TERM');
$w5->finish;
is($? >> 8, 0, 'worker stopped');

$node->stop;
done_testing();
