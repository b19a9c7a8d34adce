# Row-level security seen by two real logins (not SET ROLE), and an admin.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(new_cluster pdf_hex png_hex);

# The data here is not real documents: no worker may touch it.
my $node = new_cluster('rls', 'docextract.workers_per_database = 0');
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE bob LOGIN IN ROLE docextract_user;
	CREATE ROLE carol LOGIN IN ROLE docextract_admin;
});

sub as {
	my ($user, $sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', $user ]);
}

for my $i (1 .. 3) {
	as('alice', "SELECT docextract.upload('alice$i.pdf', '" . pdf_hex("alice$i") . "')");
}
as('bob', "SELECT docextract.upload('bob.png', '" . png_hex('bob') . "', 'receipt')");

is(as('alice', 'SELECT count(*) FROM docextract.documents'), '3', 'alice sees her 3 documents');
is(as('bob', 'SELECT string_agg(original_filename, \',\') FROM docextract.documents'),
	'bob.png', 'bob sees only his document');
is(as('bob', 'SELECT count(*) FROM docextract.extraction_jobs'), '1', 'bob sees only his job');
is(as('bob', 'SELECT count(*) FROM docextract.document_contents'), '1', 'bob reads only his bytes');
is(as('carol', 'SELECT count(*) FROM docextract.documents'), '4', 'the admin sees all 4');
is(as('alice', 'SELECT DISTINCT owner FROM docextract.documents'), 'alice', 'owner is the login');

my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT docextract.upload_as('alice', 'x.pdf', '" . pdf_hex('forged') . "')",
	extra_params => [ '-U', 'bob' ]);
like($err, qr/permission denied to act as role alice/, 'bob cannot upload as alice');

as('bob', 'DELETE FROM docextract.documents');
is(as('carol', 'SELECT count(*) FROM docextract.documents'), '3',
	'bob deleting everything removed only his own document');

$node->stop;
done_testing();
