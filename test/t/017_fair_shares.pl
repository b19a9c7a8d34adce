# Fair shares and the queue's rules, through the worker API (an external worker; no in-server
# worker races it until the last parts):
# - owners take turns: one owner's backlog does not hold back another owner's single document;
# - a per-owner limit on jobs in flight;
# - users choose priorities only within the administrator's range;
# - quotas on documents and bytes, refused with SQLSTATE XD002 and nothing changed;
# - a lease that expires costs no attempt (the in-server worker reclaims the job and completes
#   it), and lost leases are bounded;
# - retention prunes finished jobs and their results, keeping each document's latest.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use DocextractTest qw(new_cluster text_pdf salted bytea_hex sql_error reload_with wait_workers wait_job);

my $node = new_cluster('fair', 'docextract.workers_per_database = 0');
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE extworker LOGIN IN ROLE docextract_worker;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE bob LOGIN IN ROLE docextract_user;
	CREATE ROLE carol LOGIN IN ROLE docextract_user;
	CREATE ROLE boss LOGIN IN ROLE docextract_user, docextract_admin;
});

sub as {
	my ($role, $sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', $role ]);
}

sub error_as {
	my ($role, $sql) = @_;
	return sql_error($node, 'postgres', $sql, extra_params => [ '-U', $role ]);
}

# $n small PDFs (bytes that pass validation; the worker API never parses them) for $role.
sub upload_many {
	my ($role, $n, $tag) = @_;
	return as($role, "SELECT count(docextract.upload('$tag-' || i || '.pdf',"
		  . " '\\x255044462d312e340a'::bytea || convert_to('$tag ' || i, 'UTF8')"
		  . " || decode(repeat('00', 280), 'hex'))) FROM generate_series(1, $n) AS i");
}

# Claims $n jobs; returns their (job id, owner) pairs, in claim order.
sub claim {
	my ($n) = @_;
	my $rows = as('extworker', qq{
		SELECT c.job_id || ' ' || c.claim_token || ' ' || j.owner
		  FROM docextract.claim_jobs('ext', $n) AS c
		  JOIN docextract.extraction_jobs AS j ON j.id = c.job_id
		 ORDER BY c.lease_expires_at, j.fair_rank});
	return map { [ split / / ] } grep { $_ ne '' } split /\n/, $rows;
}

# Completes claimed jobs, in one complete_jobs() call.
sub complete {
	return unless @_;
	my $ids = join ',', map { $_->[0] } @_;
	my $tokens = join ',', map { $_->[1] } @_;
	my $n = as('extworker', "SELECT count(*) FROM docextract.complete_jobs('{$ids}', '{$tokens}',"
		  . " array_fill('{\"pages\": []}'::jsonb, ARRAY[" . scalar(@_) . "]))");
	die "complete_jobs completed $n of " . scalar(@_) . ' jobs' unless $n == @_;
	return;
}

#### Owners take turns
my $t0 = time;
is(upload_many('alice', 2000, 'alice'), '2000', 'alice queues a backlog of 2000 documents');
diag(sprintf('2000 uploads in one statement: %.1f s', time - $t0));
complete(claim(50), claim(50));
is(upload_many('bob', 1, 'bob'), '1', 'bob uploads one document');
my ($claims, $found) = (0, 0);
while (!$found && $claims < 100) {
	my @c = claim(1);
	$claims++;
	$found = $c[0][2] eq 'bob';
	complete(@c);
}
ok($found, "bob's document is claimed");
cmp_ok($claims, '<=', 2, "bob's document starts within 2 claims of a 1900-job backlog (it took $claims)");

is(upload_many('carol', 3, 'carol'), '3', 'carol uploads three documents');
my @order;
for (1 .. 6) {
	my @c = claim(1);
	push @order, $c[0][2];
	complete(@c);
}
is("@order", 'alice carol alice carol alice carol', 'alice and carol take turns');
my @batch = claim(10);
is(scalar(grep { $_->[2] eq 'alice' } @batch), 10, 'then alice alone');
complete(@batch);

#### A per-owner limit on jobs in flight
reload_with($node, 'docextract.owner_jobs_in_flight' => 2);
my @first = claim(10);
is(scalar @first, 2, 'owner_jobs_in_flight = 2: a batch of 10 takes 2 of alice\'s jobs');
is(scalar(claim(10)), 0, 'and no more while they are in flight');
is(upload_many('bob', 1, 'bob-limit'), '1', 'bob uploads');
my @bobs = claim(10);
is(join(' ', map { $_->[2] } @bobs), 'bob', 'bob is served while alice is at her limit');
complete($first[0]);
my @next = claim(10);
is(join(' ', map { $_->[2] } @next), 'alice', 'a finished job frees one place for alice');
complete($first[1], @bobs, @next);
reload_with($node, 'docextract.owner_jobs_in_flight' => 0);

#### Priorities within the administrator's range
my $done = as('alice', q{SELECT document_id FROM docextract.extraction_jobs
	WHERE status = 'completed' AND owner = 'alice' ORDER BY completed_at LIMIT 1});
my ($state, $msg) = error_as('alice', "SELECT docextract.enqueue('$done', 11)");
is("$state $msg", '42501 priority 11 is outside the range allowed to users',
	'a user may not choose priority 11 (default range -10 to 10)');
($state) = error_as('alice', "SELECT docextract.enqueue('$done', 5000)");
is($state, '22023', 'nobody may choose 5000');
my $urgent = as('boss', "SELECT docextract.enqueue('$done', 500)");
is(as('boss', "SELECT priority FROM docextract.extraction_jobs WHERE id = '$urgent'"), '500',
	'an administrator may choose 500');
my @u = claim(1);
is($u[0][0], $urgent, 'and that job goes first');
complete(@u);
reload_with($node, 'docextract.user_priority_max' => 20);
my $other = as('alice', q{SELECT document_id FROM docextract.extraction_jobs
	WHERE status = 'completed' AND owner = 'alice' ORDER BY completed_at DESC LIMIT 1});
like(as('alice', "SELECT docextract.enqueue('$other', 20)"), qr/^[0-9a-f-]{36}$/,
	'with user_priority_max = 20, alice may choose 20');
reload_with($node, 'docextract.user_priority_max' => undef);

#### Quotas
my $bob_docs = as('bob', 'SELECT count(*) FROM docextract.documents');
is($bob_docs, '2', 'bob has 2 documents');
reload_with($node, 'docextract.quota_documents' => 3);
is(upload_many('bob', 1, 'bob-quota'), '1', 'quota_documents = 3: a third document is stored');
($state, $msg) = error_as('bob', q{SELECT docextract.upload('four.pdf',
	'\x255044462d312e340a'::bytea || convert_to('bob four', 'UTF8') || decode(repeat('00', 280), 'hex'))});
is("$state $msg", 'XD002 document quota of role bob exceeded', 'a fourth is refused: XD002');
is(as('bob', 'SELECT count(*) FROM docextract.documents'), '3', 'and nothing was stored');
is(as('bob', q{SELECT count(*) FROM docextract.extraction_jobs}), '3', 'nor queued');
is(upload_many('bob', 1, 'bob-quota'), '1', 'the same bytes again return the existing document');
is(as('alice', 'SELECT count(*) >= 2000 FROM docextract.documents'), 't', 'the quota is per owner');
reload_with($node, 'docextract.quota_documents' => 0, 'docextract.quota_storage' => 1);
($state, $msg) = error_as('bob', q{SELECT docextract.upload('big.pdf',
	'\x255044462d312e340a'::bytea || convert_to('bob big', 'UTF8') || decode(repeat('00', 1100000), 'hex'))});
is("$state $msg", 'XD002 storage quota of role bob exceeded', 'quota_storage = 1 MB: a 1.1 MB file is refused');
is(upload_many('bob', 1, 'bob-small'), '1', 'a small one still fits');
reload_with($node, 'docextract.quota_storage' => 0);

# Empty the queue for what follows.
while (my @c = claim(500)) { complete(@c); }

#### Leases: an expired lease costs no attempt; lost leases are bounded
reload_with($node, 'docextract.max_lease_expirations' => 1);
upload_many('carol', 1, 'carol-lease');
my ($l) = claim(1);
$node->safe_psql('postgres',
	"UPDATE docextract.extraction_jobs SET lease_expires_at = now() - interval '1 s' WHERE id = '$l->[0]'");
is(as('extworker', 'SELECT docextract.reclaim_jobs()'), '1', 'an expired lease is reclaimed');
is(as('carol', "SELECT status || ' ' || retry_count || ' ' || lease_expirations FROM docextract.extraction_jobs WHERE id = '$l->[0]'"),
	'pending 0 1', 'pending again, no attempt counted, one lease lost');
($l) = claim(1);
$node->safe_psql('postgres',
	"UPDATE docextract.extraction_jobs SET lease_expires_at = now() - interval '1 s' WHERE id = '$l->[0]'");
is(as('extworker', 'SELECT docextract.reclaim_jobs()'), '1', 'the second lost lease');
is(as('carol', "SELECT status || ' ' || retry_count || ' ' || lease_expirations || ' ' || error_message"
	  . " FROM docextract.extraction_jobs WHERE id = '$l->[0]'"),
	'failed 0 2 lease_lost: holder ext stopped before finishing the job; the job lost its holder 2 times,'
	  . ' more than docextract.max_lease_expirations (1) allows',
	'past max_lease_expirations = 1 the job fails, saying why');
reload_with($node, 'docextract.max_lease_expirations' => undef);

# A real expiry, reclaimed by the in-server worker, which then extracts the document.
reload_with($node, 'docextract.lease_duration' => 5);
my $pdf = bytea_hex(salted(text_pdf('Lease test: the quick brown fox jumps over the lazy dog.'), 'lease'));
my $doc = as('carol', "SELECT docextract.upload('lease.pdf', '$pdf')");
my ($held) = claim(1);
is(as('carol', "SELECT document_id FROM docextract.extraction_jobs WHERE id = '$held->[0]'"), $doc,
	'the external worker holds the real document and walks away');
reload_with($node, 'docextract.workers_per_database' => 1);
ok(wait_workers($node, 'postgres', 1), 'an in-server worker starts');
ok(wait_job($node, 'postgres', $held->[0], 'completed', 'failed'), 'the job ends after the lease expires');
is(as('carol', "SELECT status || ' ' || retry_count || ' ' || lease_expirations FROM docextract.extraction_jobs"
	  . " WHERE id = '$held->[0]'"), 'completed 0 1', 'completed by the in-server worker, no attempt counted');
like(as('carol', "SELECT text FROM docextract.extracted_data WHERE job_id = '$held->[0]'"), qr/quick brown fox/,
	'with its text');
reload_with($node, 'docextract.workers_per_database' => 0, 'docextract.lease_duration' => undef);
ok(wait_workers($node, 'postgres', 0), 'the worker stops');

#### Retention
# Documents of dave: three with two completed jobs each (the older one superseded), one with a
# completed job and a newer failed one, one with a single completed job. All a day old.
$node->safe_psql('postgres', 'CREATE ROLE dave LOGIN IN ROLE docextract_user');
upload_many('dave', 5, 'dave');
my @dave = split /\n/, as('dave', 'SELECT id FROM docextract.documents ORDER BY original_filename');
complete(claim(10));
for my $d (@dave[ 0 .. 3 ]) { as('dave', "SELECT docextract.enqueue('$d')"); }
my @second = claim(10);
is(scalar @second, 4, 'four documents extracted twice');
complete(@second[ 0 .. 2 ]);
as('extworker', "SELECT docextract.fail_job('$second[3][0]', '$second[3][1]', 'corrupt: x')");
$node->safe_psql('postgres', q{
	UPDATE docextract.extraction_jobs SET created_at = created_at - interval '1 day',
	       started_at = started_at - interval '1 day', completed_at = completed_at - interval '1 day'
	 WHERE owner = 'dave'});
my $jobs_sql = "SELECT count(*) || ' ' || (SELECT count(*) FROM docextract.extracted_data AS x"
  . " JOIN docextract.documents AS d ON d.id = x.document_id WHERE d.owner = 'dave')"
  . " FROM docextract.extraction_jobs WHERE owner = 'dave'";
is($node->safe_psql('postgres', $jobs_sql), '9 8', 'dave: 9 jobs, 8 results');
is(as('extworker', 'SELECT docextract.prune(100)'), '0', 'no retention set: prune() keeps everything');
reload_with($node, 'docextract.job_retention' => 3600);
my @pruned;
for (1 .. 20) {
	my $n = as('extworker', 'SELECT docextract.prune(2)');
	push @pruned, $n;
	last if $n == 0 && @pruned > 3;
}
cmp_ok((sort { $b <=> $a } @pruned)[0], '<=', 2, 'at most batch_size jobs per call (' . join(' ', @pruned) . ')');
is($node->safe_psql('postgres', $jobs_sql), '6 5',
	'job_retention = 1 h: the three superseded completed jobs and their results are gone');
is( $node->safe_psql('postgres', q{
		SELECT string_agg(n::text, ' ' ORDER BY d.original_filename) FROM docextract.documents AS d,
		LATERAL (SELECT count(*) AS n FROM docextract.extracted_data AS x WHERE x.document_id = d.id) AS r
		 WHERE d.owner = 'dave'}),
	'1 1 1 1 1', 'every document keeps its latest result');
is( $node->safe_psql('postgres', "SELECT string_agg(status, ' ' ORDER BY created_at) FROM docextract.extraction_jobs"
		  . " WHERE document_id = '$dave[3]'"),
	'completed failed', 'and its latest job, failed, beside the latest result');

# The in-server worker prunes by itself (reclaim_jobs() calls prune() about once a second).
# A new extraction of dave's fifth document supersedes its day-old one.
as('dave', "SELECT docextract.enqueue('$dave[4]')");
complete(claim(1));
reload_with($node, 'docextract.workers_per_database' => 1);
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM docextract.extraction_jobs WHERE document_id = '$dave[4]'"),
	'the in-server worker pruned the superseded job');
reload_with($node, 'docextract.workers_per_database' => 0, 'docextract.job_retention' => undef);

$node->stop;
done_testing();
