# The docextract command-line client: upload (a directory with a refused file among good ones,
# --json), status, wait, get, retry and cancel, with their exact outputs and exit statuses.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use IPC::Run;
use IO::Pty;
use POSIX ();
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use JSON::PP;
use DocextractTest qw(new_cluster text_pdf text_image reload_with wait_workers);

my $node = new_cluster('cli', 'docextract.workers_per_database = 0');
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE bob LOGIN IN ROLE docextract_user;
});
my $cli = $node->config_data('--bindir') . '/docextract';
my $conninfo = 'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';

# Runs the client as $user; returns (exit status, stdout, stderr).
sub run_as {
	my ($user, @args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $cli, '-d', "$conninfo user=$user", @args ], '<', \'', '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}
sub cli { return run_as('alice', @_); }

sub write_file {
	my ($path, $bytes) = @_;
	open my $f, '>:raw', $path or die "$path: $!";
	print $f $bytes;
	close $f;
}

#### help, version, usage and connection errors
my ($rc, $out, $err) = cli('--help');
is($rc, 0, '--help exits 0');
like($out, qr/^Usage:\n  docextract \[CONNECTION-OPTION\]\.\.\. COMMAND/m, '--help prints the usage');
($rc, $out) = cli('--version');
is($out, "docextract (docextract) 1.1\n", "--version");
($rc, $out, $err) = cli('frobnicate');
is($rc, 2, 'an unknown command exits 2');
is($err, "docextract: error: unknown command \"frobnicate\"\nTry \"docextract --help\" for more information.\n",
	'and says so');
($rc, $out, $err) = cli('status', 'not-a-uuid');
is($rc, 2, 'a malformed id exits 2');
is($err, "docextract: error: invalid job or document id \"not-a-uuid\": not a UUID\n"
	  . "Try \"docextract status --help\" for more information.\n", 'and says so');
{
	my ($o, $e) = ('', '');
	IPC::Run::run([ $cli, '-d', 'host=/nonexistent port=1 dbname=postgres', 'status' ], '<', \'', '>', \$o, '2>', \$e);
	is($? >> 8, 2, 'a failed connection exits 2');
	like($e, qr/^docextract: error: connection to server on socket "\/nonexistent\/\.s\.PGSQL\.1" failed/,
		'with libpq\'s message');
}
{
	# psql's conventions: PG* variables when no connection string is given.
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGUSER} = 'alice';
	local $ENV{PGDATABASE} = 'postgres';
	my ($o, $e) = ('', '');
	IPC::Run::run([ $cli, 'status' ], '<', \'', '>', \$o, '2>', \$e);
	is($? >> 8, 0, 'PGHOST, PGPORT, PGUSER and PGDATABASE are honoured');
	is($o, "pending    0\nprocessing 0\ncompleted  0\nfailed     0\ncancelled  0\n", 'an empty queue');
}

#### upload a directory: two good files, one refused, one copy of a good one
my $dir = PostgreSQL::Test::Utils::tempdir('upload');
make_path("$dir/batch/sub");
my $pdf = text_pdf('CLI test document: the quick brown fox jumps over the lazy dog again.');
my $png = text_image('png', 'CLI PNG');
write_file("$dir/batch/a.pdf", $pdf);
write_file("$dir/batch/bad.pdf", 'This is plain text, not a PDF. ' x 20);
write_file("$dir/batch/sub/b.png", $png);
write_file("$dir/batch/sub/copy-of-a.pdf", $pdf);

($rc, $out, $err) = cli('upload', '--type', 'invoice', '--description', 'CLI batch', "$dir/batch");
is($rc, 1, 'upload with a refused file exits 1');
my %doc = map { $_ => $node->safe_psql('postgres', "SELECT id FROM docextract.documents WHERE original_filename = '$_'") }
  qw(a.pdf b.png);
my %job = map { $_ => $node->safe_psql('postgres', "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc{$_}'") }
  keys %doc;
is( $out,
	"uploaded: $dir/batch/a.pdf -> document $doc{'a.pdf'}, job $job{'a.pdf'}\n"
	  . "uploaded: $dir/batch/sub/b.png -> document $doc{'b.png'}, job $job{'b.png'}\n"
	  . "already uploaded: $dir/batch/sub/copy-of-a.pdf -> document $doc{'a.pdf'}\n"
	  . "4 files: 2 uploaded, 1 already uploaded, 1 failed\n",
	'one line per file in name order (not a terminal: no progress bar), and the summary');
like($err, qr/\Arefused: \Q$dir\E\/batch\/bad\.pdf: 22023 invalid document file \(.+\)\n\z/,
	'the refused file on stderr with its SQLSTATE, message and detail');
is( $node->safe_psql('postgres',
		"SELECT string_agg(original_filename || ' ' || owner || ' ' || document_type || ' ' || description, ', '"
		  . ' ORDER BY original_filename) FROM docextract.documents'),
	'a.pdf alice invoice CLI batch, b.png alice invoice CLI batch', 'two documents stored, with type and description');
is( $node->safe_psql('postgres',
		"SELECT string_agg(d.original_filename || ' ' || encode(sha256(c.content), 'hex'), ', ' ORDER BY 1)"
		  . ' FROM docextract.documents d JOIN docextract.document_contents c ON c.document_id = d.id'),
	'a.pdf ' . sha256_hex($pdf) . ', b.png ' . sha256_hex($png), 'the stored bytes are the files\' bytes');
is($node->safe_psql('postgres', "SELECT string_agg(status, ',') FROM docextract.extraction_jobs"),
	'pending,pending', 'two pending jobs');

#### on a terminal: a progress bar on stderr, only the summary on stdout
{
	make_path("$dir/tty");
	write_file("$dir/tty/one.pdf", text_pdf('Terminal upload one: the quick brown fox jumps over the lazy dog.'));
	write_file("$dir/tty/two.pdf", text_pdf('Terminal upload two: the quick brown fox jumps over the lazy dog.'));
	my $pty = IO::Pty->new;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		# Children of the test end with _exit: an exit() would run the harness's END block,
		# which stops the cluster.
		open STDERR, '>&', $pty->slave or POSIX::_exit(127);
		open STDOUT, '>', "$dir/tty.out" or POSIX::_exit(127);
		exec $cli, '-d', "$conninfo user=bob", 'upload', "$dir/tty" or POSIX::_exit(127);
	}
	$pty->close_slave;
	my $screen = '';
	while (sysread($pty, my $buf, 4096)) { $screen .= $buf; }
	waitpid $pid, 0;
	is($? >> 8, 0, 'upload on a terminal exits 0');
	# (A long path is shortened from its start to fit the terminal's width.)
	like($screen, qr/\A\r\e\[K\[\.{30}\] 0\/2 \S*\/tty\/one\.pdf\r\e\[K\[#{15}\.{15}\] 1\/2 \S*\/tty\/two\.pdf\r\e\[K\z/,
		'the progress bar is drawn, then erased');
	is(PostgreSQL::Test::Utils::slurp_file("$dir/tty.out"), "2 files: 2 uploaded, 0 already uploaded, 0 failed\n",
		'stdout has the summary only');
	$node->safe_psql('postgres', "DELETE FROM docextract.documents WHERE owner = 'bob'");
}

#### --json
($rc, $out, $err) = cli('upload', '--json', "$dir/batch/a.pdf", "$dir/batch/bad.pdf", "$dir/missing.pdf");
is($rc, 1, 'upload --json with failures exits 1');
is($err, '', 'nothing on stderr');
my $j = decode_json($out);
is_deeply($j->{summary}, { files => 3, uploaded => 0, already_uploaded => 1, failed => 2 }, '--json summary');
is_deeply(
	$j->{files}[0],
	{ path => "$dir/batch/a.pdf", status => 'already_uploaded', document_id => $doc{'a.pdf'}, job_id => $job{'a.pdf'} },
	'--json: the duplicate');
is($j->{files}[1]{status} . ' ' . $j->{files}[1]{sqlstate} . ' ' . $j->{files}[1]{message},
	'refused 22023 invalid document file', '--json: the refused file');
like($j->{files}[1]{detail}, qr/./, '--json: with its detail');
is_deeply($j->{files}[2],
	{ path => "$dir/missing.pdf", status => 'unreadable', sqlstate => undef, message => 'no such file or directory',
	  detail => undef, document_id => undef, job_id => undef },
	'--json: a missing file');

#### status
($rc, $out) = cli('status', $job{'a.pdf'});
is($rc, 0, 'status JOB exits 0');
is($out, "job $job{'a.pdf'}: pending\n  document: $doc{'a.pdf'} (a.pdf)\n  progress: 0 %\n  retries: 0 of 3\n",
	'status of a pending job');
($rc, $out) = cli('status', $doc{'a.pdf'});
is( $out,
	"document $doc{'a.pdf'}: a.pdf\n  type: invoice, format: pdf, " . length($pdf) . " bytes\n"
	  . "  description: CLI batch\n  job $job{'a.pdf'}: pending\n",
	'status of a document');
($rc, $out) = cli('status');
like($out, qr/\Apending    2 \(oldest \d+ s\)\nprocessing 0\ncompleted  0\nfailed     0\ncancelled  0\n\z/,
	'status without an argument: the queue');
($rc, $out) = cli('status', '--json', $job{'b.png'});
is(decode_json($out)->{status} . ' ' . decode_json($out)->{document_filename}, 'pending b.png', 'status --json');
($rc, $out, $err) = run_as('bob', 'status', $job{'a.pdf'});
is("$rc $err", "1 docextract: error: no job or document $job{'a.pdf'}\n", 'another user sees no such job (RLS)');

#### wait (no workers yet: the timeout passes)
($rc, $out) = cli('wait', '--timeout', '0.3', $job{'a.pdf'});
is("$rc $out", "1 $job{'a.pdf'}: pending (timed out)\n", 'wait --timeout on a pending job');
($rc, $out) = cli('wait', '--poll', '--interval', '0.1', '--timeout', '0.3', $job{'a.pdf'});
is("$rc $out", "1 $job{'a.pdf'}: pending (timed out)\n", 'wait --poll --timeout on a pending job');

#### behind a proxy (as behind PgBouncer) wait polls: no session sits in wait_for_job()
{
	# A TCP relay to the server's socket: the port connected to is not the server's.
	my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, ReuseAddr => 1)
	  or die "listen: $!";
	my $proxy_port = $listen->sockport;
	my $test_pid = $$;
	my $proxy = fork // die "fork: $!";
	if ($proxy == 0) {
		# Not holding the harness's pipes, and gone with the test if it dies.
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		my $waiting = IO::Select->new($listen);
		while (getppid() == $test_pid) {
			next unless $waiting->can_read(0.5);
			my $c = $listen->accept or next;
			my $s = IO::Socket::UNIX->new(Peer => $node->host . '/.s.PGSQL.' . $node->port) or next;
			if (fork == 0) {
				my $sel = IO::Select->new($c, $s);
				RELAY: while (1) {
					for my $fh ($sel->can_read) {
						my $n = sysread($fh, my $buf, 65536);
						last RELAY unless $n;
						syswrite($fh == $c ? $s : $c, $buf) or last RELAY;
					}
				}
				POSIX::_exit(0);
			}
			close $c;
			close $s;
		}
		POSIX::_exit(0);
	}
	close $listen;
	my %seen;
	for my $route ([ 'proxy', "host=127.0.0.1 port=$proxy_port dbname=postgres user=alice" ],
		[ 'direct', "$conninfo user=alice" ]) {
		my ($name, $conn) = @$route;
		my ($o, $e) = ('', '');
		local %ENV = %ENV;
		delete $ENV{PGAPPNAME};    # the harness's name would hide ours
		my $h = IPC::Run::start([ $cli, '-d', $conn, 'wait', '--interval', '0.2', '--timeout', '3', $job{'a.pdf'} ],
			'<', \'', '>', \$o, '2>', \$e);
		sleep 1;
		$seen{$name} = $node->safe_psql('postgres',
			"SELECT string_agg(state || ' ' || left(query, 40), '; ') FROM pg_stat_activity"
			  . " WHERE usename = 'alice' AND application_name = 'docextract'");
		$h->finish;
		is("$o$e", "$job{'a.pdf'}: pending (timed out)\n", "wait --timeout through the $name route");
	}
	like($seen{proxy}, qr/^(idle|active) SELECT j\.status FROM docextract\.extracti/,
		'through the proxy, wait polls the job\'s status');
	unlike($seen{proxy}, qr/wait_for_job/, 'and never calls wait_for_job()');
	like($seen{direct}, qr/^active SELECT docextract\.wait_for_job\(/, 'connected directly, it sleeps in wait_for_job()');
	kill 'TERM', $proxy;
	waitpid $proxy, 0;
}

#### cancel and retry
($rc, $out) = cli('cancel', $job{'b.png'});
is("$rc $out", "0 $job{'b.png'}: cancelled\n", 'cancel');
($rc, $out, $err) = cli('cancel', $job{'b.png'});
is( "$rc $err",
	"1 docextract: error: 55000: extraction job $job{'b.png'} cannot be cancelled\nDETAIL:  The job is already cancelled.\n",
	'cancelling it again: 55000 and exit 1');
($rc, $out) = cli('wait', $job{'b.png'});
is("$rc $out", "1 $job{'b.png'}: cancelled\n", 'wait on a cancelled job exits 1');
($rc, $out) = cli('retry', $job{'b.png'});
is("$rc $out", "0 $job{'b.png'}: pending\n", 'retry');
($rc, $out, $err) = cli('retry', $job{'b.png'});
like("$rc $err", qr/^1 docextract: error: 55000: extraction job \S+ cannot be retried\nDETAIL:  The job is pending; /,
	'retrying a pending job: 55000 and exit 1');

#### the workers run: wait, get
reload_with($node, 'docextract.workers_per_database' => 1);
($rc, $out) = cli('wait', '--timeout', '120', $job{'a.pdf'}, $job{'b.png'});
is("$rc $out", "0 $job{'a.pdf'}: completed\n$job{'b.png'}: completed\n", 'wait for two jobs: both completed');
($rc, $out) = cli('wait', '--poll', '--json', $job{'a.pdf'});
is_deeply(decode_json($out), { $job{'a.pdf'} => 'completed' }, 'wait --poll --json');
($rc, $out) = cli('status', $job{'a.pdf'});
like($out, qr/\Ajob \S+: completed\n  document: \S+ \(a\.pdf\)\n  progress: 100 %\n  retries: 0 of 3\n  processing time: [0-9.]+ s\n  results: yes\n\z/,
	'status of a completed job');

my $text = $node->safe_psql('postgres', "SELECT text FROM docextract.extracted_data WHERE document_id = '$doc{'a.pdf'}'");
like($text, qr/quick brown fox/, 'the PDF\'s text was extracted');
($rc, $out) = cli('get', $doc{'a.pdf'});
is($out, "$text\n", 'get prints the extracted text');
($rc, $out) = cli('get', '--fields', $doc{'a.pdf'});
is_deeply(decode_json($out),
	decode_json($node->safe_psql('postgres', "SELECT docextract.document_fields('$doc{'a.pdf'}')")),
	'get --fields prints document_fields() as JSON');
($rc, $out) = cli('get', '--original', '--output', "$dir/back.png", $doc{'b.png'});
is($rc, 0, 'get --original --output exits 0');
is(sha256_hex(PostgreSQL::Test::Utils::slurp_file("$dir/back.png")), sha256_hex($png), 'the original bytes come back');
($rc, $out) = cli('get', '--original', $doc{'a.pdf'});
is(sha256_hex($out), sha256_hex($pdf), 'get --original to a pipe writes the bytes to stdout');
($rc, $out, $err) = run_as('bob', 'get', $doc{'a.pdf'});
is("$rc $err", "1 docextract: error: document $doc{'a.pdf'} does not exist\n", 'another user cannot get it (RLS)');

#### search: implemented against docextract.search(query, max_results, fuzzy)
my $has_search = $node->safe_psql('postgres',
	"SELECT to_regprocedure('docextract.search(text,integer,boolean)') IS NOT NULL");
SKIP: {
	if ($has_search ne 't') {
		($rc, $out, $err) = cli('search', 'fox');
		is("$rc $err",
			"1 docextract: error: the server's docextract extension has no search() function\n"
			  . "HINT:  Update the extension (ALTER EXTENSION docextract UPDATE).\n",
			'search without docextract.search(): a clear error');
		skip 'docextract.search() does not exist in this branch', 2;
	}
	pass('docextract.search() exists');
	($rc, $out) = cli('search', '--json', 'quick brown fox');
	is_deeply([ map { $_->{document_id} } @{ decode_json($out) } ], [ $doc{'a.pdf'} ], 'search finds the PDF');
	($rc, $out) = run_as('bob', 'search', '--json', 'quick brown fox');
	is_deeply(decode_json($out), [], 'but not for another user');
}

$node->stop;
done_testing();
