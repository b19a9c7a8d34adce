# The client examples of docs/clients.md run against a real cluster: psycopg 3 and node-postgres
# upload a file with a binary bind parameter, wait for the extraction, and print its text; a file
# that fails validation is reported with its detail and exit code 1.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Digest::SHA;
use DocextractTest qw(new_cluster text_pdf);

my $root = "$FindBin::RealBin/../..";
my $node = new_cluster('clients', 'docextract.poll_interval = 200ms');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN IN ROLE docextract_user');

my $dir = PostgreSQL::Test::Utils::tempdir('clients');
my %files;
for my $client (qw(python node)) {
	my $pdf = text_pdf("Sent by the $client example: the quick brown fox jumps over the lazy dog.\n");
	PostgreSQL::Test::Utils::append_to_file("$dir/$client.pdf", $pdf);
	$files{$client} = "$dir/$client.pdf";
}
PostgreSQL::Test::Utils::append_to_file("$dir/notes.png", "%PDF-1.4\n" . ("x" x 300));

local $ENV{PGHOST}     = $node->host;
local $ENV{PGPORT}     = $node->port;
local $ENV{PGDATABASE} = 'postgres';
local $ENV{PGUSER}     = 'app';

my %cmd = (
	python => [ 'python3', "$root/examples/python/upload.py" ],
	node   => [ 'node',    "$root/examples/node/upload.mjs" ]);
for my $client (qw(python node)) {
	my ($out, $err);
	my $ok = IPC::Run::run([ @{ $cmd{$client} }, $files{$client}, 'letter' ], '>', \$out, '2>', \$err);
	ok($ok, "$client: exit code 0") or diag($err);
	like($out, qr/^document [0-9a-f-]{36}: completed\n/, "$client: the job completed");
	like($out, qr/Sent by the $client example: the quick brown fox/, "$client: with the document's text");
	is($node->safe_psql('postgres', "SELECT owner || ' ' || document_type FROM docextract.documents
		WHERE original_filename = '$client.pdf'"), 'app letter', "$client: stored as the user, with the type");

	($out, $err) = ('', '');
	$ok = IPC::Run::run([ @{ $cmd{$client} }, "$dir/notes.png" ], '>', \$out, '2>', \$err);
	ok(!$ok, "$client: a refused file exits non-zero");
	is($err, "refused: File content is application/pdf but the extension is .png.\n",
		"$client: with the validation detail");
}
# psql without \lo_import: the file read by a backtick command, as docs/clients.md shows.
my $psql_pdf = text_pdf("Sent from psql: the quick brown fox jumps over the lazy dog.\n");
PostgreSQL::Test::Utils::append_to_file("$dir/psql.pdf", $psql_pdf);
my ($out, $err);
IPC::Run::run([ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1' ], '<',
	\"\\set content `base64 -w0 $dir/psql.pdf`\nSELECT docextract.upload('psql.pdf', decode(:'content', 'base64'), 'letter') IS NOT NULL;\n",
	'>', \$out, '2>', \$err);
is($out, "t\n", 'psql: uploaded with a backtick variable') or diag($err);
is($node->safe_psql('postgres', "SELECT encode(sha256, 'hex') FROM docextract.documents WHERE original_filename = 'psql.pdf'"),
	unpack('H*', Digest::SHA::sha256($psql_pdf)), 'psql: the stored bytes are the file\'s');

is($node->safe_psql('postgres', 'SELECT count(*) FROM docextract.documents'), '3',
	'the refused files stored nothing');

done_testing();
