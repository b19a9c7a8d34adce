# docextract refuses to load outside shared_preload_libraries, with a hint.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('nopreload');
$node->init;
$node->start;

my ($ret, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION docextract');
isnt($ret, 0, 'CREATE EXTENSION fails without preloading');
like($err, qr/docextract must be loaded via shared_preload_libraries/, 'error names the cause');
like($err, qr/HINT:  Add docextract to shared_preload_libraries/, 'hint says what to do');

($ret, $out, $err) = $node->psql('postgres', 'LOAD \'docextract\'');
isnt($ret, 0, 'LOAD fails without preloading');

$node->append_conf('postgresql.conf', "shared_preload_libraries = 'docextract'\n");
$node->restart;
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'docextract'"),
	$node->safe_psql('postgres', "SELECT default_version FROM pg_available_extensions WHERE name = 'docextract'"),
	'CREATE EXTENSION works once preloaded, at the default version');
is($node->safe_psql('postgres', 'SHOW docextract.max_file_size'), '50MB', 'GUC defined');

$node->stop;
done_testing();
