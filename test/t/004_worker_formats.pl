# The background workers extract real documents of every accepted format: each upload's job
# completes, its result is stored once, the text holds the words in the document, and the
# extraction method says where the text came from.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(new_cluster text_pdf text_pdf_utf8 scanned_pdf mixed_pdf text_image bytea_hex);

my $node = new_cluster('formats');
$node->safe_psql('postgres', 'CREATE EXTENSION docextract');

my $native = 'The quick brown fox jumps over the lazy dog, invoice number 4711.';
my @docs = (
	[ 'native.pdf',  text_pdf($native),                   'native', qr/quick brown fox.*4711/ ],
	[ 'scanned.pdf', scanned_pdf('HELLO WORLD'),          'ocr',    qr/hello\s+world/i ],
	[ 'mixed.pdf',   mixed_pdf($native, 'SCANNED PAGE'),  'mixed',  qr/lazy dog.*\f.*scanned\s+page/is ],
	[ 'photo.png',   text_image('png', 'HELLO PNG'),      'ocr',    qr/hello\s+png/i ],
	[ 'photo.jpg',   text_image('jpg', 'HELLO JPG'),      'ocr',    qr/hello\s+jpg/i ],
	[ 'photo.jpeg',  text_image('jpeg', 'HELLO JPEG'),    'ocr',    qr/hello\s+jpeg/i ],
	[ 'scan.tiff',   text_image('tiff', 'HELLO TIFF'),    'ocr',    qr/hello\s+tiff/i ],
	[ 'scan.bmp',    text_image('bmp', 'HELLO BMP'),      'ocr',    qr/hello\s+bmp/i ],
	[ 'photo.webp',  text_image('webp', 'HELLO WEBP'),    'ocr',    qr/hello\s+webp/i ],
);

my %job;
for my $d (@docs) {
	my ($name, $bytes) = @$d;
	my $doc = $node->safe_psql('postgres',
		"SELECT docextract.upload('$name', '" . bytea_hex($bytes) . "')");
	$job{$name} = $node->safe_psql('postgres',
		"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
}

my $n = scalar @docs;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = $n FROM docextract.extraction_jobs"
		  . " WHERE status IN ('completed', 'failed', 'cancelled')"),
	"all $n jobs finished");

for my $d (@docs) {
	my ($name, undef, $method, $text_re) = @$d;
	my $id = $job{$name};
	is( $node->safe_psql('postgres',
			"SELECT status || ' ' || retry_count || ' ' || coalesce(error_message, '-')"
			  . " FROM docextract.extraction_jobs WHERE id = '$id'"),
		'completed 0 -', "$name: job completed at the first attempt");
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM docextract.extracted_data WHERE job_id = '$id'"),
		'1', "$name: one result row");
	is( $node->safe_psql('postgres',
			"SELECT extraction_method FROM docextract.extracted_data WHERE job_id = '$id'"),
		$method, "$name: extraction_method is $method");
	like( $node->safe_psql('postgres',
			"SELECT text FROM docextract.extracted_data WHERE job_id = '$id'"),
		$text_re, "$name: text has the document's words");
	is( $node->safe_psql('postgres', qq{
			SELECT x.document_id = j.document_id
			       AND x.overall_confidence BETWEEN 0.5 AND 1
			       AND x.data->>'schema' = 'docextract-extract/2'
			       AND NOT x.data ? 'text'
			       AND jsonb_array_length(x.data->'pages') >= 1
			       AND j.completed_at >= j.started_at AND j.processing_time_seconds > 0
			       AND j.holder IS NULL AND j.claim_digest IS NULL
			  FROM docextract.extracted_data AS x JOIN docextract.extraction_jobs AS j ON j.id = x.job_id
			 WHERE x.job_id = '$id'}),
		't', "$name: result and job bookkeeping are consistent");
}

is( $node->safe_psql('postgres',
		"SELECT string_agg(DISTINCT progress_percentage::text || has_results, ',')"
		  . " FROM docextract.job_overview"),
	'100true', 'job_overview: every job at 100 % with results');
is( $node->safe_psql('postgres',
		"SELECT data->'metadata'->>'pages' FROM docextract.extracted_data WHERE job_id = '$job{'mixed.pdf'}'"),
	'2', 'mixed.pdf: two pages in the metadata');
is( $node->safe_psql('postgres',
		"SELECT claimed || ' ' || completed || ' ' || failed || ' ' || retried || ' ' || reclaimed"
		  . " FROM docextract.worker_stats WHERE datname = 'postgres'"),
	"$n $n 0 0 0", 'worker_stats: claimed and completed every job, nothing else');
is( $node->safe_psql('postgres',
		"SELECT jobs FROM docextract.queue_stats WHERE status = 'completed'"),
	$n, 'queue_stats counts the completed jobs');
like( $node->safe_psql('postgres', 'SELECT docextract.metrics()'),
	qr/^docextract_worker_events_total\{database="postgres",event="completed"\} $n$/m,
	'metrics() exposes the completed count');

# Native (text-layer) PDFs get their language too, per page and per document, and the search
# index takes its text-search configuration from it (stemming: "Kunden" finds "Kunde").
my %lang_doc;
for my $l (
	[ 'de', 'rechnung.pdf',
		"Die Rechnung wurde am Montag an unseren Kunde geschickt und muss\n"
		  . "innerhalb von dreißig Tagen bezahlt werden. Bitte überweisen Sie den\n"
		  . "Betrag auf das angegebene Konto der Gesellschaft." ],
	[ 'fr', 'facture.pdf',
		"La facture a été envoyée lundi à nos clients et doit être payée dans\n"
		  . "un délai de trente jours. Veuillez virer le montant sur le compte\n"
		  . "indiqué de la société avant la fin du mois prochain." ])
{
	my ($code, $name, $text) = @$l;
	$lang_doc{$code} = $node->safe_psql('postgres',
		"SELECT docextract.upload('$name', '" . bytea_hex(text_pdf_utf8($text)) . "')");
}
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM docextract.extraction_jobs"
		  . " WHERE document_id IN ('$lang_doc{de}', '$lang_doc{fr}') AND status = 'completed'"),
	'the German and French native PDFs are extracted');
for my $l ([ 'de', 'german' ], [ 'fr', 'french' ]) {
	my ($code, $config) = @$l;
	is( $node->safe_psql('postgres', qq{
			SELECT x.extraction_method || ' ' || (x.data #>> '{pages,0,language,code}') || ' '
			       || (x.data #>> '{pages,0,language,reliable}') || ' '
			       || (x.data #>> '{metadata,language,code}')
			  FROM docextract.extracted_data AS x JOIN docextract.extraction_jobs AS j ON j.id = x.job_id
			 WHERE j.document_id = '$lang_doc{$code}'}),
		"native $code true $code", "$code native PDF: page and document language stored");
	is( $node->safe_psql('postgres',
			"SELECT string_agg(config, ',') FROM docextract.search_pages WHERE document_id = '$lang_doc{$code}'"),
		$config, "$code native PDF: the search index uses the $config configuration");
}
is( $node->safe_psql('postgres',
		"SELECT string_agg(original_filename || ':' || page, ',') FROM docextract.search('Kunden')"),
	'rechnung.pdf:1', 'a German inflection finds the German native page');
is( $node->safe_psql('postgres',
		"SELECT string_agg(original_filename || ':' || page, ',') FROM docextract.search('envoyé')"),
	'facture.pdf:1', 'a French inflection finds the French native page');

# A database name with a quote and a backslash is escaped in the labels.
$node->safe_psql('postgres', q{CREATE DATABASE "we""ird\db"});
$node->safe_psql('we"ird\db', 'CREATE EXTENSION docextract');
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM docextract.worker_stats WHERE datname = 'we"ird\db' AND workers > 0}),
	'the workers serve a database with a quote in its name');
like($node->safe_psql('postgres', 'SELECT docextract.metrics()'),
	qr/^docextract_workers\{database="we\\"ird\\\\db"\} \d+$/m, 'its label value is escaped');
like($node->safe_psql('we"ird\db', 'SELECT docextract.metrics()'),
	qr/^docextract_jobs\{database="we\\"ird\\\\db",status="pending"\} 0$/m,
	'docextract_jobs carries the database label');

$node->stop;
done_testing();
