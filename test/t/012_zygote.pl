# The zygote (docextract.helper_mode = zygote, the default): each worker keeps one pre-initialised
# helper that forks a sandboxed child per document.
# - the zygote outlives its documents; a child is never reused;
# - kill -9 of a zygote child mid-document: the job is retried as after a helper crash, the
#   zygote and the worker go on;
# - kill -9 of the zygote mid-document: the same for the job, one log line, a new zygote;
# - kill -9 of an idle zygote: replaced at the next document;
# - kill -9 of a worker: its zygote dies with it;
# - afterwards the workers keep serving; helper_mode = spawn still works.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(job_row results_of new_cluster text_pdf salted bytea_hex helper_children
  wait_job reload_with worker_stats);

my $node = new_cluster('zygote', 'restart_after_crash = on', 'docextract.workers_per_database = 2');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
is($node->safe_psql('postgres', 'SHOW docextract.helper_mode'), 'zygote', 'helper_mode defaults to zygote');
my $pdf = text_pdf('Zygote test document: the quick brown fox jumps over the lazy dog.');

# A scan of three dense 300-dpi pages: OCR takes seconds, long enough to kill things mid-way.
my $dir = PostgreSQL::Test::Utils::tempdir('slow');
my @pages;
for my $p (1 .. 3) {
	my $text = join "\n", map { "Line $_ of page $p: the quick brown fox jumps over the lazy dog" } 1 .. 45;
	IPC::Run::run([ 'convert', '-size', '2480x3508', 'xc:white', '-pointsize', '44', '-annotate', '+120+160',
			$text, '-type', 'Grayscale', '-density', '300', '-units', 'PixelsPerInch', "$dir/p$p.png" ])
	  or die 'convert failed';
	push @pages, "$dir/p$p.png";
}
IPC::Run::run([ 'img2pdf', @pages, '-o', "$dir/slow.pdf" ]) or die 'img2pdf failed';
my $slow = do { local $/; open my $f, '<:raw', "$dir/slow.pdf" or die; <$f> };

sub upload {
	my ($bytes, $salt) = @_;
	my $doc = $node->safe_psql('postgres',
		"SELECT docextract.upload('zygote-$salt.pdf', '" . bytea_hex(salted($bytes, $salt)) . "')");
	return $node->safe_psql('postgres', "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

sub run_now {
	my ($job) = @_;
	$node->safe_psql('postgres',
		"UPDATE docextract.extraction_jobs SET run_after = now() WHERE id = '$job'; SELECT docextract.wake_workers();");
}

# worker -> zygote (outside its PID namespace) -> zygote's pid 1 -> the document's child.
sub tree_of {
	my ($worker) = @_;
	my ($outer) = helper_children($worker);
	my ($inner) = $outer ? helper_children($outer) : ();
	my ($child) = $inner ? helper_children($inner) : ();
	return ($outer, $inner, $child);
}

# Waits until the job runs in a zygote child; returns (worker, outer, inner, child).
sub running_child {
	my ($job) = @_;
	wait_job($node, 'postgres', $job, 'processing') or die "job $job never started";
	my $worker = $node->safe_psql('postgres', "SELECT holder_pid FROM docextract.extraction_jobs WHERE id = '$job'");
	for (1 .. 300) {
		my @tree = tree_of($worker);
		return ($worker, @tree) if defined $tree[2];
		select(undef, undef, undef, 0.1);
	}
	die "worker $worker runs no zygote child";
}

#### Documents go through one long-lived zygote per worker
my @first = map { upload($pdf, "warm-$_") } 1 .. 6;
ok(wait_job($node, 'postgres', $_, 'completed', 'failed'), "text PDF $_ finished") for @first;
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'completed' AND retry_count = 0"),
	'6', 'six documents completed at the first attempt');
my @workers = split ' ', $node->safe_psql('postgres',
	"SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'docextract worker'");
ok(scalar(grep { defined((tree_of($_))[1]) } @workers) >= 1, 'the workers keep their zygotes between documents');
is(scalar(grep { defined((tree_of($_))[2]) } @workers), 0, 'no child is left once the documents are done');

#### kill -9 of a zygote child mid-document
my $job = upload($slow, 'child');
my ($worker, $outer, $inner, $child) = running_child($job);
my $log_offset = -s $node->logfile;
kill 'KILL', $child;
ok($node->poll_query_until('postgres', "SELECT retry_count = 1 FROM docextract.extraction_jobs WHERE id = '$job'"),
	'zygote child killed: the attempt is counted');
is(job_row($node, $job, 'status'), 'pending', 'the job waits for its retry');
like(job_row($node, $job, 'error_message'), qr/^crashed: the helper was killed by signal 9$/,
	'error_message as for a helper crash');
ok(kill(0, $inner), 'the zygote survived its child');
is(join(' ', (tree_of($worker))[0 .. 1]), "$outer $inner", 'the worker keeps the same zygote');
is(worker_stats($node, 'postgres')->{helper_crashes}, '1', 'worker_stats counts one helper crash');

#### kill -9 of the zygote mid-document
run_now($job);
($worker, $outer, $inner, $child) = running_child($job);
kill 'KILL', $inner;
ok($node->poll_query_until('postgres', "SELECT retry_count = 2 FROM docextract.extraction_jobs WHERE id = '$job'"),
	'zygote killed: the attempt is counted');
like(job_row($node, $job, 'error_message'), qr/^crashed: the helper was killed by signal 9$/,
	'error_message as for a helper crash');
ok(!kill(0, $child), 'the child died with its zygote');
ok( $node->wait_for_log(qr/docextract helper zygote died while extracting a document \(killed by signal 9/,
		$log_offset),
	'one log line says the zygote died');
is( $node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $worker"),
	'1', 'the worker survived its zygote');
is(worker_stats($node, 'postgres')->{helper_crashes}, '2', 'worker_stats counts two helper crashes');

# The retry runs in a new zygote and completes.
run_now($job);
ok(wait_job($node, 'postgres', $job, 'completed', 'failed'), 'the retry ran');
is(job_row($node, $job, "status || ' ' || retry_count"), 'completed 2', 'the retry completed the job');
like($node->safe_psql('postgres',
		"SELECT text FROM docextract.extracted_data WHERE job_id = '$job'"),
	qr/Line 3 of page 2:.*Line 45 of page 3/s, 'the scan was read');
my @killed_log = (slurp_file($node->logfile, $log_offset) =~ /docextract helper zygote/g);
is(scalar @killed_log, 1, 'exactly one zygote log line for the two kills');

#### kill -9 of an idle zygote: replaced at the next document
($outer, $inner) = tree_of($worker);
ok(defined $inner, 'the worker runs a zygote again');
kill 'KILL', $outer;
my @after = map { upload($pdf, "after-$_") } 1 .. 8;
ok(wait_job($node, 'postgres', $_, 'completed', 'failed'), "document $_ after the kills finished") for @after;
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM docextract.extraction_jobs WHERE id IN ('
		  . join(', ', map { "'$_'" } @after) . ") AND status = 'completed' AND retry_count = 0"),
	'8', 'the workers keep serving: every later document completed at once');
is(results_of($node, $after[-1]), '1', 'one result row');
my ($new_outer) = tree_of($worker);
ok(defined $new_outer && $new_outer != $outer, 'the idle zygote was replaced');
unlike(slurp_file($node->logfile), qr/terminated by signal|reinitializing/, 'no server process died');

#### kill -9 of a worker: its zygote goes with it (PR_SET_PDEATHSIG), the server resets
my ($with_zygote) = grep { defined((tree_of($_))[1]) } split ' ', $node->safe_psql('postgres',
	"SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'docextract worker'");
($outer, $inner) = tree_of($with_zygote);
$log_offset = -s $node->logfile;
kill 'KILL', $with_zygote;
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
my $gone = 0;
for (1 .. 100) {
	$gone = !-e "/proc/$outer" && !-e "/proc/$inner";
	last if $gone;
	select(undef, undef, undef, 0.1);
}
ok($gone, 'the zygote died with its worker');
my $late = upload($pdf, 'after-reset');
ok(wait_job($node, 'postgres', $late, 'completed', 'failed'), 'after the reset a document is extracted');
is(job_row($node, $late, 'status'), 'completed', 'and completed');

#### helper_mode = spawn: one process per document, no zygote left behind
reload_with($node, 'docextract.helper_mode' => 'spawn', 'docextract.workers_per_database' => 1);
ok(DocextractTest::wait_workers($node, 'postgres', 1), 'one worker left');
my @spawned = map { upload($pdf, "spawn-$_") } 1 .. 3;
ok(wait_job($node, 'postgres', $_, 'completed', 'failed'), "spawn mode: document $_ finished") for @spawned;
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM docextract.extraction_jobs WHERE id IN ('
		  . join(', ', map { "'$_'" } @spawned) . ") AND status = 'completed'"),
	'3', 'spawn mode: completed');
my $workers = $node->safe_psql('postgres',
	"SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'docextract worker'");
is(join(' ', map { helper_children($_) } split ' ', $workers), '', 'spawn mode: no zygote remains');

$node->stop;
done_testing();
