# Shared by docextract's TAP tests: a preloaded cluster and document fixtures.
package DocextractTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Exporter 'import';

our @EXPORT_OK = qw(new_cluster pdf_hex png_hex job_row results_of
  text_pdf text_pdf_utf8 scanned_pdf mixed_pdf text_image salted bytea_hex
  test_helper set_helper use_helper sql_error worker_pids wait_workers helper_children
  reload_with wait_job running_helper worker_stats test_pki wait_for_log);

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

# A throwaway CA (made with openssl) and a server certificate for the DNS name $server_name,
# signed by it: returns the directory with ca.crt, server.crt and server.key (mode 0600).
sub test_pki {
	my ($server_name) = @_;
	my $pki = PostgreSQL::Test::Utils::tempdir('pki');
	my $openssl = sub {
		my @cmd = ('openssl', @_);
		my ($o, $e) = ('', '');
		IPC::Run::run(\@cmd, '<', \'', '>', \$o, '2>', \$e) or die "@cmd: $e";
	};
	$openssl->('req', '-new', '-x509', '-days', '1', '-nodes', '-subj', '/CN=docextract test CA',
		'-keyout', "$pki/ca.key", '-out', "$pki/ca.crt");
	$openssl->('req', '-new', '-nodes', '-subj', "/CN=$server_name", '-keyout', "$pki/server.key",
		'-out', "$pki/server.csr");
	open my $ext, '>', "$pki/ext.cnf" or die;
	print $ext "subjectAltName = DNS:$server_name\n";
	close $ext;
	$openssl->('x509', '-req', '-in', "$pki/server.csr", '-CA', "$pki/ca.crt", '-CAkey', "$pki/ca.key",
		'-CAcreateserial', '-days', '1', '-extfile', "$pki/ext.cnf", '-out', "$pki/server.crt");
	chmod 0600, "$pki/server.key";
	return $pki;
}

# Pumps an IPC::Run process (a docextract worker) until its stderr, collected in $$err, matches
# $re; 60 s at most, then shows the log so far.
sub wait_for_log {
	my ($h, $err, $re) = @_;
	for (1 .. 600) {
		$h->pump_nb;
		return 1 if $$err =~ $re;
		select(undef, undef, undef, 0.1);
	}
	Test::More::diag("worker log so far:\n$$err");
	return 0;
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

# Real documents, made with Debian's tools (groff, ImageMagick, img2pdf, cwebp, pdfunite), as raw
# bytes. The images carry large, clean text so that OCR reads it reliably.
my $fixture_dir;

sub _fixture_dir { return $fixture_dir //= PostgreSQL::Test::Utils::tempdir('fixtures'); }

sub _run_tool {
	my @cmd = @_;
	my ($out, $err);
	IPC::Run::run(\@cmd, '<', \'', '>', \$out, '2>', \$err)
	  or die "@cmd failed: $err";
	return $out;
}

sub _slurp_bin {
	my ($path) = @_;
	open my $f, '<:raw', $path or die "cannot read $path: $!";
	local $/;
	my $bytes = <$f>;
	close $f;
	return $bytes;
}

my $fixture_serial = 0;

sub _fixture_path { my ($ext) = @_; return _fixture_dir() . '/f' . (++$fixture_serial) . ".$ext"; }

# A one-page PDF whose text layer holds $text (native text; use 50 or more characters so that the
# helper does not OCR the page as well).
sub text_pdf {
	my ($text) = @_;
	my $path = _fixture_path('pdf');
	my ($out, $err);
	IPC::Run::run([ 'groff', '-Tpdf' ], '<', \".nf\n$text\n", '>', $path, '2>', \$err)
	  or die "groff failed: $err";
	return _slurp_bin($path);
}

# The same from UTF-8 text (accented letters): groff reads it through preconv.
sub text_pdf_utf8 {
	my ($text) = @_;
	my $path = _fixture_path('pdf');
	my $err;
	IPC::Run::run([ 'groff', '-Kutf8', '-Tpdf' ], '<', \".nf\n$text\n", '>', $path, '2>', \$err)
	  or die "groff failed: $err";
	return _slurp_bin($path);
}

# An 800x200 image of $text in 64-point type, in any of png, jpg, jpeg, tiff, bmp, webp.
sub text_image {
	my ($format, $text) = @_;
	my $png = _fixture_path('png');
	_run_tool('convert', '-size', '800x200', 'xc:white', '-pointsize', '64',
		'-annotate', '+20+120', $text, '-type', 'Grayscale', $png);
	return _slurp_bin($png) if $format eq 'png';
	my $path = _fixture_path($format);
	if ($format eq 'webp') { _run_tool('cwebp', '-quiet', $png, '-o', $path); }
	# ImageMagick writes RLE8 BMPs by default; the helper reads uncompressed ones.
	elsif ($format eq 'bmp') { _run_tool('convert', $png, '-compress', 'none', $path); }
	else { _run_tool('convert', $png, $path); }
	return _slurp_bin($path);
}

# A PDF with no text layer: one page holding an image of $text (needs OCR).
sub scanned_pdf {
	my ($text) = @_;
	my $png = _fixture_path('png');
	open my $f, '>:raw', $png or die;
	print $f text_image('png', $text);
	close $f;
	my $path = _fixture_path('pdf');
	_run_tool('img2pdf', $png, '-o', $path);
	return _slurp_bin($path);
}

# Two pages: native text, then a scanned image of $image_text.
sub mixed_pdf {
	my ($text, $image_text) = @_;
	my @parts;
	for my $bytes (text_pdf($text), scanned_pdf($image_text)) {
		my $p = _fixture_path('pdf');
		open my $f, '>:raw', $p or die;
		print $f $bytes;
		close $f;
		push @parts, $p;
	}
	my $path = _fixture_path('pdf');
	_run_tool('pdfunite', @parts, $path);
	return _slurp_bin($path);
}

# The same PDF made distinct (upload() stores identical bytes once per owner): a comment line
# after %%EOF, which PDF readers ignore.
sub salted { my ($bytes, $salt) = @_; return $bytes . "%salt $salt\n"; }

# Raw bytes as an SQL bytea literal body ('\x...').
sub bytea_hex { my ($bytes) = @_; return '\\x' . unpack('H*', $bytes); }

# An expression over one job's row, e.g. job_row($node, $job, "status || ' ' || retry_count").
sub job_row {
	my ($node, $job, $columns) = @_;
	return $node->safe_psql('postgres',
		"SELECT $columns FROM docextract.extraction_jobs WHERE id = '$job'");
}

# How many result rows a job has.
sub results_of {
	my ($node, $job) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM docextract.extracted_data WHERE job_id = '$job'");
}

# A stand-in for docextract.extract_program that runs the real helper after a delay, or fails,
# as the files "delay" (seconds) and "mode" ("fail" exits 3 with nothing on stdout) in its
# directory say at the moment it starts. One process throughout (perl sleeps, then execs the
# helper), so killing it leaves nothing holding the runner's pipes. Returns its directory.
sub test_helper {
	my ($node) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir('helper');
	my $real = $node->config_data('--bindir') . '/docextract-extract';
	open my $f, '>', "$dir/helper" or die;
	print $f <<"SCRIPT";
#!/usr/bin/perl
use strict;
sub setting {
	my (\$name, \$default) = \@_;
	open(my \$f, '<', "$dir/\$name") or return \$default;
	my \$v = <\$f>;
	chomp \$v;
	return \$v;
}
if (setting('mode', 'run') eq 'fail') {
	print STDERR "simulated failure\\n";
	exit 3;
}
select(undef, undef, undef, setting('delay', 0));
exec { '$real' } '$real', \@ARGV or die "cannot run $real: \$!";
SCRIPT
	close $f;
	chmod 0755, "$dir/helper";
	set_helper($dir, delay => 0, mode => 'run');
	return $dir;
}

# Changes what the test helper in $dir does from its next start on.
sub set_helper {
	my ($dir, %settings) = @_;
	for my $name (keys %settings) {
		open my $f, '>', "$dir/$name.tmp" or die;
		print $f "$settings{$name}\n";
		close $f;
		rename "$dir/$name.tmp", "$dir/$name" or die;
	}
}

# ALTER SYSTEM SET each name = value (undef: RESET; values in the setting's base unit), then
# reload and wait until a new session sees the new values. The workers get the same SIGHUP and
# apply it at their next loop, after the job in hand.
sub reload_with {
	my ($node, %settings) = @_;
	my $sql = '';
	for my $name (sort keys %settings) {
		$sql .= defined $settings{$name}
		  ? "ALTER SYSTEM SET $name = '$settings{$name}';\n"
		  : "ALTER SYSTEM RESET $name;\n";
	}
	$node->safe_psql('postgres', $sql . 'SELECT pg_reload_conf();');
	for my $name (sort keys %settings) {
		next unless defined $settings{$name};
		$node->poll_query_until('postgres',
			"SELECT setting = '$settings{$name}' FROM pg_settings WHERE name = '$name'")
		  or die "setting $name did not reach $settings{$name}";
	}
	# Background workers handle SIGHUP at their next loop: give them the chance.
	usleep_ms(300);
}

sub usleep_ms { my ($ms) = @_; select(undef, undef, undef, $ms / 1000); }

# The stand-in acts once per process it is started as, so it runs one process per document
# (docextract.helper_mode = spawn); 012_zygote.pl tests the zygote.
sub use_helper {
	my ($node, $dir) = @_;
	reload_with($node, 'docextract.extract_program' => "$dir/helper",
		'docextract.helper_mode' => 'spawn');
}

# Runs SQL that must fail; returns (SQLSTATE, message).
sub sql_error {
	my ($node, $db, $sql, @params) = @_;
	my ($ret, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql", @params);
	return ('', "succeeded: $out") if $ret == 0;
	return ($1, $2) if $err =~ /ERROR:  ([0-9A-Z]{5}): (.*)/;
	return ('?', $err);
}

# PIDs of the docextract workers connected to $db.
sub worker_pids {
	my ($node, $db) = @_;
	my $pids = $node->safe_psql('postgres',
		"SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM pg_stat_activity"
		  . " WHERE backend_type = 'docextract worker' AND datname = '$db'");
	return split ' ', $pids;
}

# Waits until $db has exactly $n docextract workers.
sub wait_workers {
	my ($node, $db, $n) = @_;
	return $node->poll_query_until('postgres',
		"SELECT count(*) = $n FROM pg_stat_activity"
		  . " WHERE backend_type = 'docextract worker' AND datname = '$db'");
}

# PIDs of the child processes of $pid (the helper a worker runs).
sub helper_children {
	my ($pid) = @_;
	my @children;
	for my $stat (glob '/proc/[0-9]*/stat') {
		open my $f, '<', $stat or next;
		my $line = <$f>;
		close $f;
		next unless defined $line && $line =~ /^(\d+) \(.*\) \S (\d+) /s;
		push @children, $1 if $2 == $pid;
	}
	return @children;
}

# Waits until the job's status is one of @statuses; returns whether it got there.
sub wait_job {
	my ($node, $db, $job, @statuses) = @_;
	my $list = join ', ', map { "'$_'" } @statuses;
	return $node->poll_query_until($db,
		"SELECT status IN ($list) FROM docextract.extraction_jobs WHERE id = '$job'");
}

# Waits (up to 30 s) until the worker holding $job runs its helper; returns (worker, helper) pids.
sub running_helper {
	my ($node, $db, $job) = @_;
	wait_job($node, $db, $job, 'processing') or die "job $job never started";
	my $worker = $node->safe_psql($db,
		"SELECT holder_pid FROM docextract.extraction_jobs WHERE id = '$job'");
	for (1 .. 300) {
		my @children = helper_children($worker);
		return ($worker, $children[0]) if @children == 1;
		usleep_ms(100);
	}
	die "worker $worker has no helper";
}

# The worker_stats counters of $db, as a hash.
sub worker_stats {
	my ($node, $db) = @_;
	my @names = qw(workers claimed completed failed retried reclaimed helper_crashes timeouts cancelled);
	my @values = split /\|/, $node->safe_psql($db,
		'SELECT ' . join(', ', @names) . " FROM docextract.worker_stats WHERE datname = '$db'");
	my %stats;
	@stats{@names} = @values;
	return \%stats;
}

1;
