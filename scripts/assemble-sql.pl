#!/usr/bin/perl
# Assembles docextract's versioned SQL scripts from the sources in src/sql (see src/sql/README.md).
#   assemble-sql.pl install DIR            all DIR/*.sql in name order: the newest install script
#   assemble-sql.pl update DIR SOURCE      SOURCE with its include lines expanded:
#     --@include FILE          the whole install part DIR/FILE
#     --@include FILE NAME     the statements of DIR/FILE that create docextract.NAME (a function,
#                              every overload, or a view), each with its COMMENT ON, as
#                              CREATE OR REPLACE
use strict;
use warnings;

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "assemble-sql: cannot read $path: $!\n";
    local $/;
    return <$fh>;
}

# Splits SQL into statements; knows quotes, dollar quotes and line comments, which is all the
# install parts use.
sub statements {
    my ($sql) = @_;
    my (@out, $cur);
    $cur = '';
    while (length $sql) {
        if ($sql =~ s/^(\$[A-Za-z_]*\$)//) {
            my $tag = $1;
            $sql =~ s/^(.*?\Q$tag\E)//s or die "assemble-sql: unterminated $tag\n";
            $cur .= $tag . $1;
        } elsif ($sql =~ s/^('(?:[^']|'')*')//) {
            $cur .= $1;
        } elsif ($sql =~ s/^(--[^\n]*)//) {
            $cur .= $1;
        } elsif ($sql =~ s/^;//) {
            push @out, "$cur;";
            $cur = '';
        } else {
            $sql =~ s/^([^\$';-]+|.)//s;
            $cur .= $1;
        }
    }
    return @out;
}

sub object_of {
    my ($dir, $file, $name) = @_;
    my @picked;
    for my $st (statements(slurp("$dir/$file"))) {
        (my $body = $st) =~ s/^(\s*--[^\n]*\n|\s+)*//;
        if ($body =~ /^CREATE (?:OR REPLACE )?(?:FUNCTION|VIEW) docextract\.\Q$name\E\b/
            || $body =~ /^COMMENT ON (?:FUNCTION|VIEW) docextract\.\Q$name\E\b/) {
            $body =~ s/^CREATE (?:OR REPLACE )?/CREATE OR REPLACE /;
            push @picked, $body;
        }
    }
    die "assemble-sql: $file creates no docextract.$name\n" unless @picked;
    return join("\n", @picked) . "\n";
}

my ($mode, $dir, $source) = @ARGV;
die "usage: assemble-sql.pl install DIR | update DIR SOURCE\n"
    unless $mode && $dir && ($mode eq 'install' || ($mode eq 'update' && $source));
if ($mode eq 'install') {
    opendir(my $dh, $dir) or die "assemble-sql: cannot open $dir: $!\n";
    my @parts = sort grep { /\.sql$/ } readdir $dh;
    print join("\n", map { slurp("$dir/$_") } @parts);
} else {
    for my $line (split /^/, slurp($source)) {
        if ($line =~ /^--\@include\s+(\S+)(?:\s+(\S+))?\s*$/) {
            print defined $2 ? object_of($dir, $1, $2) : slurp("$dir/$1");
        } else {
            print $line;
        }
    }
}
