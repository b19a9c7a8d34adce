# Shared by docextract's TAP tests: a preloaded cluster and document fixtures.
package DocextractTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Exporter 'import';

our @EXPORT_OK = qw(new_cluster pdf_hex png_hex);

# A started cluster with docextract preloaded. Extra postgresql.conf lines may be passed.
sub new_cluster {
	my ($name, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => 0);
	$node->append_conf('postgresql.conf',
		join("\n", "shared_preload_libraries = 'docextract'", @conf) . "\n");
	$node->start;
	return $node;
}

# Bytes (as SQL hex literals) that pass validation: a PDF header or a PNG header, a salt, and
# zero padding to $size bytes.
sub _hex {
	my ($head, $salt, $size) = @_;
	my $bytes = $head . $salt;
	$bytes .= "\0" x ($size - length($bytes)) if length($bytes) < $size;
	return '\\x' . unpack('H*', $bytes);
}

sub pdf_hex { my ($salt, $size) = @_; return _hex("%PDF-1.4\n", $salt, $size // 300); }

sub png_hex {
	my ($salt, $size) = @_;
	my $head = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR" . pack('NN', 16, 16) . "\x08\x02\0\0\0";
	return _hex($head, $salt, $size // 300);
}

1;
