# The update path: a database created at 1.0 and updated with ALTER EXTENSION UPDATE has the same
# catalog as a fresh install of the newest version, keeps its data, and its workers, which wait
# while the database is at the old version, take over once it is updated.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(new_cluster text_pdf bytea_hex wait_job);

my $node = new_cluster('update', 'docextract.poll_interval = 200ms');
my $newest = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'docextract'");
isnt($newest, '1.0', "the newest version ($newest) is not 1.0");

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('fresh', 'CREATE EXTENSION docextract');
my $log_offset = -s $node->logfile;
$node->safe_psql('updated', "CREATE EXTENSION docextract VERSION '1.0'");

#### At 1.0, with the newest library: data goes in, the workers wait and say so once
my $pdf = bytea_hex(text_pdf("Updated in place: the quick brown fox jumps over the lazy dog 4711.\n"));
my $doc = $node->safe_psql('updated', "SELECT docextract.upload('before.pdf', '$pdf')");
my $job = $node->safe_psql('updated',
	"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
# A result stored at 1.0 (directly, as the workers wait) becomes searchable with the update.
my $old = $node->safe_psql('updated',
	"SELECT docextract.upload('old.pdf', '" . bytea_hex(text_pdf("Stored before the update.\n")) . "')");
$node->safe_psql('updated', qq{
	UPDATE docextract.extraction_jobs SET status = 'completed', started_at = now(), completed_at = now(),
	       processing_time_seconds = 1 WHERE document_id = '$old';
	INSERT INTO docextract.extracted_data (job_id, document_id, data, text, extraction_method)
	SELECT id, document_id, '{"pages": [{"page": 1, "method": "native", "text": "Zebra crossings, stored before the update."}]}',
	       'Zebra crossings, stored before the update.', 'native'
	  FROM docextract.extraction_jobs WHERE document_id = '$old'});
ok($node->poll_query_until('postgres', q{SELECT count(*) >= 1 FROM pg_stat_activity
	WHERE datname = 'updated' AND backend_type = 'docextract worker'}), 'a worker of the 1.0 database runs');
sleep 1;
is($node->safe_psql('updated', "SELECT status FROM docextract.extraction_jobs WHERE id = '$job'"),
	'pending', 'a 1.0 database gets no extraction from the newest library');
my $log = slurp_file($node->logfile, $log_offset);
my @waits = $log =~ /docextract workers of database "updated" wait for the extension to be updated/g;
is(scalar @waits, 1, 'the wait is logged once');
like($log, qr/The database has docextract 1\.0; the server's library is \Q$newest\E\./, 'with both versions');

#### ALTER EXTENSION UPDATE: the same catalog as a fresh install, the data kept, the job done
$node->safe_psql('updated', 'ALTER EXTENSION docextract UPDATE');
is($node->safe_psql('updated', "SELECT extversion FROM pg_extension WHERE extname = 'docextract'"),
	$newest, 'updated to the newest version');
ok(wait_job($node, 'updated', $job, 'completed'), 'the waiting job is extracted after the update');
like($node->safe_psql('updated', "SELECT text FROM docextract.extracted_data WHERE job_id = '$job'"),
	qr/quick brown fox.*4711/s, 'with its text');
like(slurp_file($node->logfile, $log_offset), qr/docextract workers resume after the extension update/,
	'the resumption is logged');
is($node->safe_psql('updated', "SELECT original_filename || ':' || page FROM docextract.search('zebra crossings')"),
	'old.pdf:1', 'the update indexes the results stored before it for search');
is($node->safe_psql('updated', "SELECT original_filename || ':' || page FROM docextract.search('\"brown fox\" 4711')"),
	'before.pdf:1', 'a result stored by a worker after the update is searchable');

# \dx+ lists every member object; a binary-upgrade schema dump shows each member's definition,
# owner, privileges and comment (a plain dump shows only CREATE EXTENSION). The OIDs it
# preserves differ between the two databases and are left out.
sub members {
	my ($db) = @_;
	return $node->safe_psql($db, '\dx+ docextract');
}

sub catalog {
	my ($db) = @_;
	my ($out, $err);
	IPC::Run::run([ 'pg_dump', '--schema-only', '--binary-upgrade',
			'-d', $node->connstr($db) ], '>', \$out, '2>', \$err)
	  or die "pg_dump failed: $err";
	$out =~ s/^.*binary_upgrade_set_[a-z_]+\(.*\n//mg;
	$out =~ s/^-- (Name|Dependencies|TOC entry).*\n//mg;
	$out =~ s/^\\(un)?restrict .*\n//mg;
	$out =~ s/'\{\d+(,\d+)*\}'/'{oids}'/g;
	$out =~ s/(relfrozenxid|relminmxid|WHERE oid) = '\d+'/$1 = 'n'/g;
	return $out;
}

my $fresh = members('fresh');
cmp_ok(scalar(() = $fresh =~ /\n/g), '>', 40, '\dx+ lists the members of a fresh install');
is(members('updated'), $fresh, '\dx+ docextract: an updated database equals a fresh install');
my $fresh_catalog = catalog('fresh');
like($fresh_catalog, qr/CREATE FUNCTION docextract\.claim_jobs/, 'the catalog dump shows member objects');
my $updated_catalog = catalog('updated');
ok($updated_catalog eq $fresh_catalog, 'schema dump: an updated database equals a fresh install')
  or diag(dump_diff($fresh_catalog, $updated_catalog));

# The lines that differ, as diff -u shows them.
sub dump_diff {
	my ($a, $b) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir('dumps');
	PostgreSQL::Test::Utils::append_to_file("$dir/$_->[0]", $_->[1]) for ([ 'fresh', $a ], [ 'updated', $b ]);
	my ($out, $err);
	IPC::Run::run([ 'diff', '-u', "$dir/fresh", "$dir/updated" ], '>', \$out, '2>', \$err);
	return $out;
}

done_testing();
