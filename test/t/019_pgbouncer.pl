# docextract through a real PgBouncer in transaction mode: uploads (SQL and the CLI), the worker
# API across pooled connections (a claim and its completion need not share a server session),
# and `docextract wait`, which polls instead of holding one of the pool's few connections.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use DocextractTest qw(new_cluster text_pdf bytea_hex);

my $node = new_cluster('bouncer', 'docextract.workers_per_database = 0');
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE remote LOGIN IN ROLE docextract_worker;
});

# One server connection per user and database: a client holding it in a transaction (or in a
# long wait_for_job) would stall every other client of that user.
my $dir = PostgreSQL::Test::Utils::tempdir('pgbouncer');
my $port = PostgreSQL::Test::Cluster::get_free_port();
PostgreSQL::Test::Utils::append_to_file("$dir/users.txt", qq{"alice" ""\n"remote" ""\n});
PostgreSQL::Test::Utils::append_to_file("$dir/pgbouncer.ini", join("\n",
	'[databases]',
	'postgres = host=' . $node->host . ' port=' . $node->port . ' dbname=postgres',
	'[pgbouncer]',
	'listen_addr = 127.0.0.1',
	"listen_port = $port",
	"unix_socket_dir = $dir",
	'auth_type = trust',
	"auth_file = $dir/users.txt",
	'pool_mode = transaction',
	'default_pool_size = 1',
	'max_client_conn = 20',
	"logfile = $dir/pgbouncer.log",
	"pidfile = $dir/pgbouncer.pid",
	'') );
my $bouncer = IPC::Run::start([ 'pgbouncer', "$dir/pgbouncer.ini" ], '>', \my $bout, '2>', \my $berr);
END { local $?; $bouncer->kill_kill if $bouncer; }

my $via = "host=127.0.0.1 port=$port dbname=postgres";
sub pooled {
	my ($user, $sql) = @_;
	my ($out, $err);
	IPC::Run::run([ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', "$via user=$user", '-c', $sql ],
		'>', \$out, '2>', \$err) or die "psql through pgbouncer failed: $err";
	chomp $out;
	return $out;
}
my $t0 = time;
usleep(100_000) until eval { pooled('alice', 'SELECT 1') } || time - $t0 > 10;
is(pooled('alice', 'SHOW port'), $node->port, 'queries reach the server through pgbouncer');

#### Uploads: SQL and the CLI
my $pdf = bytea_hex(text_pdf("Through the pool: the quick brown fox jumps over the lazy dog.\n"));
my $doc = pooled('alice', "SELECT docextract.upload('pooled.pdf', '$pdf')");
like($doc, qr/^[0-9a-f-]{36}$/, 'upload() through pgbouncer');
my $cli = $node->config_data('--bindir') . '/docextract';
my $file = "$dir/cli.pdf";
PostgreSQL::Test::Utils::append_to_file($file, text_pdf("Uploaded by the CLI through the pool, in binary.\n"));
my ($out, $err);
IPC::Run::run([ $cli, '-d', "$via user=alice", 'upload', $file ], '<', \'', '>', \$out, '2>', \$err);
is($? >> 8, 0, 'docextract upload through pgbouncer') or diag($err);
is($node->safe_psql('postgres', 'SELECT count(*) FROM docextract.documents'), '2', 'both stored');

#### The worker API: claim on one pooled connection, heartbeat and complete on others
my ($job, $token) = split /\|/, pooled('remote',
	"SELECT job_id, claim_token FROM docextract.claim_jobs('pooled worker', 1) ORDER BY job_id LIMIT 1");
like($token, qr/^[0-9a-f-]{36}$/, 'claim_jobs through pgbouncer');
pooled('remote', "SELECT docextract.heartbeat('$job', '$token')");
my $result = q({"schema": "docextract-extract/1", "text": "Pooled", "metadata": {"pages": 1},
  "pages": [{"page": 1, "method": "native", "text": "Pooled"}]});
pooled('remote', "SELECT docextract.complete_job('$job', '$token', '$result')");
is($node->safe_psql('postgres', "SELECT status FROM docextract.extraction_jobs WHERE id = '$job'"),
	'completed', 'complete_job through pgbouncer, on another statement than the claim');

#### docextract wait: polls, so the pool's one connection stays free for others
my ($job2, $token2) = split /\|/, pooled('remote',
	"SELECT job_id, claim_token FROM docextract.claim_jobs('pooled worker', 1)");
my ($wout, $werr) = ('', '');
my $waiter = IPC::Run::start([ $cli, '-d', "$via user=alice", 'wait', '--timeout', '60', $job2 ],
	'<', \'', '>', \$wout, '2>', \$werr);
usleep(1_500_000);
my $before = time;
is(pooled('alice', 'SELECT 42'), '42', 'another client of the same pool gets through');
cmp_ok(time - $before, '<', 5, 'without waiting for the waiter');
pooled('remote', "SELECT docextract.complete_job('$job2', '$token2', '$result')");
$waiter->finish;
is($? >> 8, 0, 'wait exits 0 once the job completed');
is($wout, "$job2: completed\n", 'and prints its status') or diag($werr);

done_testing();
