# The external worker on a host of its own: the test runs in unprivileged user and network
# namespaces, the server listens on one end of a veth pair (10.77.0.1) and the worker runs in a
# second network namespace behind the other end (10.77.0.2). It connects over TLS checked with
# sslmode=verify-full against a CA made here, and SCRAM; pg_hba allows nothing else. Killed with
# SIGKILL mid-job, its jobs come back when their leases expire and are done once by its successor;
# cut off by a partition (the link taken down) while it holds a job, the job is reclaimed and done
# by another worker, its late result is refused when the link is back, and it goes on working.
use strict;
use warnings;

# Everything below needs its own namespaces: the test runs itself again inside them.
BEGIN {
	unless ($ENV{DOCEXTRACT_TEST_NETNS}) {
		require Test::More;
		require IPC::Run;
		my @map = ('--user', "--map-user=$>", '--map-group=' . (split ' ', $))[0]);
		my ($o, $e) = ('', '');
		IPC::Run::run([ 'unshare', @map, '--net', '--', 'true' ], '<', \'', '>', \$o, '2>', \$e);
		if ($? != 0) {
			chomp $e;
			Test::More::plan(skip_all => "unprivileged user and network namespaces are unavailable"
				  . " (unshare --user --net: $e)");
		}
		$ENV{DOCEXTRACT_TEST_NETNS} = 1;
		exec('unshare', @map, '--net', '--mount', '--keep-caps', '--', $^X, (map { "-I$_" } @INC), $0)
		  or die "cannot run unshare: $!";
	}
}

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use DocextractTest qw(text_pdf bytea_hex test_helper set_helper wait_job job_row results_of helper_children
  test_pki wait_for_log);

my ($server_ip, $worker_ip, $server_name) = ('10.77.0.1', '10.77.0.2', 'db.docextract.test');

#### the two hosts: this namespace (the server) and a second one (the worker) joined by a veth pair
my ($ip) = grep { -x $_ } (map { "$_/ip" } split(/:/, $ENV{PATH}), '/usr/sbin', '/sbin');
die 'the ip command (iproute2) is missing' unless $ip;

sub run_cmd {
	my @cmd = @_;
	my ($o, $e) = ('', '');
	IPC::Run::run(\@cmd, '<', \'', '>', \$o, '2>', \$e) or die "@cmd: $e";
	return $o;
}

run_cmd($ip, 'link', 'set', 'lo', 'up');
# The worker's namespace lives as long as this process: its holder exits when our pipe closes.
my $holder = open(my $hold, '|-', 'unshare', '--net', '--', 'cat') or die "unshare --net: $!";
my $self_ns = readlink '/proc/self/ns/net';
for (1 .. 100) {
	my $ns = readlink "/proc/$holder/ns/net";
	last if defined $ns && $ns ne $self_ns;
	select(undef, undef, undef, 0.05);
}
die 'the worker namespace did not appear' if readlink("/proc/$holder/ns/net") eq $self_ns;
my @in_worker_ns = ('nsenter', "--net=/proc/$holder/ns/net", '--');
run_cmd($ip, 'link', 'add', 'dxs', 'type', 'veth', 'peer', 'name', 'dxw');
run_cmd($ip, 'link', 'set', 'dxw', 'netns', $holder);
run_cmd($ip, 'addr', 'add', "$server_ip/24", 'dev', 'dxs');
run_cmd($ip, 'link', 'set', 'dxs', 'up');
run_cmd(@in_worker_ns, $ip, 'link', 'set', 'lo', 'up');
run_cmd(@in_worker_ns, $ip, 'addr', 'add', "$worker_ip/24", 'dev', 'dxw');
run_cmd(@in_worker_ns, $ip, 'link', 'set', 'dxw', 'up');

#### a CA, and a server certificate for the name the worker uses
my $pki = test_pki($server_name);

#### the server: TLS and SCRAM from the worker's network only; local sessions for the test itself
my $node = PostgreSQL::Test::Cluster->new('netns');
$node->init;
# Short leases, and keepalives that drop a partitioned client's session within a few seconds.
$node->append_conf('postgresql.conf', <<"CONF");
shared_preload_libraries = 'docextract'
docextract.workers_per_database = 0
docextract.lease_duration = '5s'
docextract.retry_backoff_base = '0'
listen_addresses = '$server_ip'
ssl = on
ssl_cert_file = '$pki/server.crt'
ssl_key_file = '$pki/server.key'
password_encryption = 'scram-sha-256'
tcp_keepalives_idle = 1
tcp_keepalives_interval = 1
tcp_keepalives_count = 3
CONF
open my $hba, '>', $node->data_dir . '/pg_hba.conf' or die;
print $hba "local all all trust\nhostssl postgres remote 10.77.0.0/24 scram-sha-256\n";
close $hba;
$node->start;
my $password = 'veth-secret-4711';
$node->safe_psql('postgres', qq{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE remote LOGIN PASSWORD '$password' IN ROLE docextract_worker;
});
my $cli = $node->config_data('--bindir') . '/docextract';
my $port = $node->port;
my $passfile = "$pki/pgpass";
open my $pass, '>', $passfile or die;
print $pass "$server_name:$port:postgres:remote:$password\n";
close $pass;
chmod 0600, $passfile;
# A lost link shows within 2 s (unacknowledged data), a failed connection attempt within 2 s.
my $remote = "host=$server_name hostaddr=$server_ip port=$port dbname=postgres user=remote passfile=$passfile"
  . " sslmode=verify-full sslrootcert=$pki/ca.crt channel_binding=require tcp_user_timeout=2000 connect_timeout=2";
my $slow = test_helper($node);    # the remote worker's helper: delayed when a job must stay in flight
my $fast = test_helper($node);    # the rescuer's, never delayed

my $serial = 0;
my %expected_text;
sub upload {
	$serial++;
	my $text = "Document $serial crossed the veth pair: the quick brown fox jumps over the lazy dog.";
	my $job = $node->safe_psql('postgres',
		"SELECT docextract.upload('netns-$serial.pdf', '" . bytea_hex(text_pdf($text)) . "') AS doc \\gset\n"
		  . "SELECT id FROM docextract.extraction_jobs WHERE document_id = :'doc'",
		extra_params => [ '-U', 'alice' ]);
	$expected_text{$job} = $text;
	return $job;
}

# A worker; in the worker's namespace unless $local. Returns (handle, pid, \stdout, \stderr).
sub start_worker {
	my ($conn, $helper_dir, $local, @args) = @_;
	my ($out, $err) = ('', '');
	local %ENV = %ENV;
	delete $ENV{PGAPPNAME};
	my @cmd = ($cli, '-d', $conn, 'worker', '--helper', "$helper_dir/helper", '--poll-interval', '0.2', @args);
	unshift @cmd, @in_worker_ns unless $local;
	# nsenter execs the worker: the process started is the worker itself.
	my $h = IPC::Run::start(\@cmd, '<', \'', '>', \$out, '2>', \$err);
	return ($h, $h->{KIDS}[0]{PID}, \$out, \$err);
}

# Runs the client once in the worker's namespace; returns (exit status, stderr).
sub worker_ns_run {
	my ($conn) = @_;
	my ($o, $e) = ('', '');
	IPC::Run::run([ @in_worker_ns, $cli, '-d', $conn, 'worker', '--helper', "$slow/helper" ],
		'<', \'', '>', \$o, '2>', \$e);
	return ($? >> 8, $e);
}

sub counts {
	return $node->safe_psql('postgres', q{
		SELECT (SELECT string_agg(status || '=' || n, ' ' ORDER BY status)
		          FROM (SELECT status, count(*) AS n FROM docextract.extraction_jobs GROUP BY status) AS s)
		       || ' results=' || (SELECT count(*) FROM docextract.extracted_data)
		       || ' docs_without_one_result=' || (SELECT count(*) FROM docextract.documents AS d
		              WHERE (SELECT count(*) FROM docextract.extracted_data AS x WHERE x.document_id = d.id) <> 1)
		       || ' attempts=' || (SELECT sum(retry_count) FROM docextract.extraction_jobs)
		       || ' lost_leases=' || (SELECT sum(lease_expirations) FROM docextract.extraction_jobs)});
}

# Jobs whose one result is not their own document's text, read natively.
sub wrong_texts {
	my $expected = join ', ', map { "('$_', '$expected_text{$_}')" } sort keys %expected_text;
	return $node->safe_psql('postgres', qq{
		SELECT coalesce(string_agg(e.job, ' ' ORDER BY e.job), '')
		  FROM (VALUES $expected) AS e (job, text)
		 WHERE NOT EXISTS (SELECT FROM docextract.extracted_data AS x
		                    WHERE x.job_id = e.job::uuid AND x.extraction_method = 'native'
		                      AND btrim(x.text, E' \\n\\f') = e.text)});
}

sub remote_sessions {
	return $node->safe_psql('postgres', q{
		SELECT coalesce(string_agg(DISTINCT host(a.client_addr) || ' ' || a.usename || ' ssl=' || s.ssl
		                           || ' ' || s.version, '; '), '') || ' n=' || count(*)
		  FROM pg_stat_activity AS a JOIN pg_stat_ssl AS s USING (pid)
		 WHERE a.application_name = 'docextract worker'});
}

#### only TLS, only the right name, only the right password
my $plain = $remote =~ s/sslmode=verify-full/sslmode=disable/r =~ s/ channel_binding=require//r;
my ($rc, $err) = worker_ns_run($plain);
is($rc, 2, 'without TLS the connection fails: exit 2');
like($err, qr/no pg_hba\.conf entry for host "10\.77\.0\.2", user "remote", database "postgres", no encryption/,
	'pg_hba has no entry for an unencrypted session from the worker host');
($rc, $err) = worker_ns_run($remote =~ s/host=\Q$server_name\E hostaddr=/host=/r);
is($rc, 2, 'verify-full against the address alone: exit 2');
like($err, qr/server certificate for "\Q$server_name\E" \(and 1 other name\) does not match host name "10\.77\.0\.1"/,
	'the certificate does not carry the address');
($rc, $err) = worker_ns_run("$remote password=wrong" =~ s/ passfile=\S+//r);
is($rc, 2, 'a wrong password: exit 2');
like($err, qr/password authentication failed for user "remote"/, 'SCRAM refused it');

#### the remote worker extracts documents over the veth pair
my @jobs = map { upload() } 1 .. 4;
my ($w, $w_pid, $w_out, $w_err) = start_worker($remote, $slow, 0, '--name', 'netns-a', '--concurrency', '2');
for my $job (@jobs) { wait_job($node, 'postgres', $job, 'completed', 'failed') or die "job $job did not end"; }
is(counts(), 'completed=4 results=4 docs_without_one_result=0 attempts=0 lost_leases=0',
	'the remote worker completed the four jobs');
is(wrong_texts(), '', 'each result is its own document\'s text');
is(remote_sessions(), '10.77.0.2 remote ssl=true TLSv1.3 n=2',
	'its two sessions come from the worker host, over TLS');

#### SIGKILL with two jobs in flight and one waiting: all three done once, by the restarted worker
# Long enough never to end before the kill; the helpers left behind exit when they start.
set_helper($slow, delay => 10);
my @killed = map { upload() } 1 .. 3;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM docextract.extraction_jobs WHERE status = 'processing' AND holder LIKE 'netns-a#_'"),
	'the remote worker holds two jobs');
for (1 .. 100) { last if helper_children($w_pid) == 2; select(undef, undef, undef, 0.05); }
is(scalar(helper_children($w_pid)), 2, 'both helpers run');
$w->signal('KILL');
eval { $w->finish };
ok( $node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'docextract worker'}),
	'the killed worker\'s sessions ended');
is( $node->safe_psql('postgres', "SELECT string_agg(status, ' ' ORDER BY status) FROM docextract.extraction_jobs"
		  . " WHERE id IN ('" . join("', '", @killed) . "')"),
	'pending processing processing', 'its two jobs are still held, the third waits');
set_helper($slow, delay => 0);
($w, $w_pid, $w_out, $w_err) = start_worker($remote, $slow, 0, '--name', 'netns-a', '--concurrency', '2');
for my $job (@killed) { wait_job($node, 'postgres', $job, 'completed', 'failed') or die "job $job did not end"; }
ok(wait_for_log($w, $w_err, qr/netns-a#0: reclaimed 2 job\(s\) of stopped holders/),
	'the restarted worker reclaimed the two jobs once their leases expired');
is(scalar(grep { wait_for_log($w, $w_err, qr/netns-a#\d: job \Q$_\E completed/) } @killed), 3,
	'and completed all three');
is(counts(), 'completed=7 results=7 docs_without_one_result=0 attempts=0 lost_leases=2',
	'nothing lost, nothing done twice, the lost leases not counted as attempts');
is(wrong_texts(), '', 'each result is its own document\'s text');

#### a partition while the remote worker holds a job
# Still running when the link goes down, done before it comes back.
set_helper($slow, delay => 6);
my $cut = upload();
ok( $node->poll_query_until('postgres',
		"SELECT status = 'processing' AND holder LIKE 'netns-a#_' FROM docextract.extraction_jobs WHERE id = '$cut'"),
	'the remote worker holds the job');
for (1 .. 100) { last if helper_children($w_pid) == 1; select(undef, undef, undef, 0.05); }
is(scalar(helper_children($w_pid)), 1, 'its helper runs');
run_cmd($ip, 'link', 'set', 'dxs', 'down');
# Another worker, on the server's host (over the local socket), takes the job once its lease expires.
my ($r, $r_pid, $r_out, $r_err) = start_worker('host=' . $node->host . " port=$port dbname=postgres user=remote",
	$fast, 1, '--name', 'rescuer');
wait_job($node, 'postgres', $cut, 'completed', 'failed') or die 'the partitioned job never ended';
ok(wait_for_log($r, $r_err, qr/rescuer#0: reclaimed 1 job\(s\) of stopped holders.*rescuer#0: job \Q$cut\E completed/s),
	'the rescuer reclaimed the job and completed it');
my $done_row = job_row($node, $cut, "status || ' ' || retry_count || ' ' || lease_expirations || ' ' || completed_at");
like($done_row, qr/^completed 0 1 /, 'a lost lease, not an attempt');
# The remote worker's helper ends during the partition: it holds a result it cannot store yet.
for (1 .. 400) { last if helper_children($w_pid) == 0; select(undef, undef, undef, 0.05); }
is(scalar(helper_children($w_pid)), 0, 'the remote worker\'s helper finished while cut off');
ok(wait_for_log($w, $w_err, qr/connection lost/), 'the remote worker saw its connection fail');
$r->signal('TERM');
$r->finish;
run_cmd($ip, 'link', 'set', 'dxs', 'up');
ok(wait_for_log($w, $w_err, qr/job \Q$cut\E ended elsewhere before its result was stored: result dropped/),
	'back on the network, its late result is refused and dropped');
is(job_row($node, $cut, "status || ' ' || retry_count || ' ' || lease_expirations || ' ' || completed_at"),
	$done_row, 'the job is unchanged');
is(results_of($node, $cut), '1', 'and has one result');
set_helper($slow, delay => 0);
my $after = upload();
wait_job($node, 'postgres', $after, 'completed', 'failed') or die 'the job after the partition never ended';
ok(wait_for_log($w, $w_err, qr/netns-a#\d: job \Q$after\E completed/), 'the remote worker completed a new job');
like($$w_err, qr/connection lost.*connected/s, 'after reconnecting');
is(counts(), 'completed=9 results=9 docs_without_one_result=0 attempts=0 lost_leases=3', 'nothing lost, nothing done twice');
is(wrong_texts(), '', 'each result is its own document\'s text');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name = 'docextract worker'}),
	'the sessions cut off by the partition are gone');
is(remote_sessions(), '10.77.0.2 remote ssl=true TLSv1.3 n=2', 'the worker\'s two sessions, from the worker host, over TLS');

$w->signal('TERM');
$w->finish;
is($? >> 8, 0, 'the remote worker stops on SIGTERM');
# libpq's messages of the lost connections span lines; the log keeps one line per event.
is(join("\n", grep { !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC docextract worker netns-a(#\d)?: \S/ } split /\n/, $$w_err), '',
	'every line of the worker\'s log is one event');
like($$w_err, qr/^\S+ \S+ UTC docextract worker netns-a#\d: connection lost: could not receive data from server: Connection timed out(; [^\n]*)?$/m,
	'the partition: "connection lost", on one line');
note("remote worker log:\n$$w_err\nrescuer log:\n$$r_err");
$node->stop;
close $hold;
done_testing();
