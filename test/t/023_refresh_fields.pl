# Refreshing fields (docs/fields.md "Refreshing fields"): refresh_fields() queues a job that re-runs
# the field extractors on the stored result. Through the in-server workers, and through the worker
# API as an external worker (docextract worker) uses it, the refreshed fields equal those of the
# extraction, the document model is kept, and a new result row is stored. Ownership, the errors
# and their SQLSTATEs, the batch form (outdated results only), and retries.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use DocextractTest qw(new_cluster text_pdf scanned_pdf pdf_hex bytea_hex wait_job sql_error
  reload_with test_helper set_helper use_helper);

my $node = new_cluster('refresh', 'docextract.workers_per_database = 1',
	"docextract.retry_backoff_base = '2s'");
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE bob LOGIN IN ROLE docextract_user;
	CREATE ROLE carol LOGIN IN ROLE docextract_admin;
	CREATE ROLE remote LOGIN IN ROLE docextract_worker;
	-- What the extraction gave, to compare the refreshes with.
	CREATE TABLE saved (document_id uuid PRIMARY KEY, result_id uuid, fields jsonb, model jsonb,
	                    text text, overall real, field_confidence jsonb, method text);
});

sub as {
	my ($role, $sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', $role ]);
}

sub upload {
	my ($role, $name, $bytes, $type) = @_;
	my $doc = as($role, "SELECT docextract.upload('$name', '" . bytea_hex($bytes) . "', '$type')");
	my $job = $node->safe_psql('postgres', "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
	return ($doc, $job);
}

# The field keys of a result row as one jsonb (docextract.field_keys()).
my $field_part = q{(SELECT jsonb_object_agg(k, x.data -> k) FROM unnest(docextract.field_keys()) AS k
                     WHERE x.data ? k)};

sub save {
	my ($doc) = @_;
	$node->safe_psql('postgres', qq{
		INSERT INTO saved
		SELECT x.document_id, x.id, $field_part, x.data - docextract.field_keys(), x.text,
		       x.overall_confidence, x.field_confidence, x.extraction_method
		  FROM docextract.extracted_data AS x WHERE x.document_id = '$doc'});
}

# Compares the document's newest result with the saved extraction: 'fields model text overall
# field_confidence method', each t or f.
sub compare {
	my ($doc) = @_;
	return $node->safe_psql('postgres', qq{
		SELECT concat_ws(' ', $field_part = s.fields,
		                 x.data - docextract.field_keys() - 'fields_refresh' = s.model, x.text = s.text,
		                 x.overall_confidence = s.overall, x.field_confidence = s.field_confidence,
		                 x.extraction_method = s.method)
		  FROM docextract.newest_result('$doc') AS x, saved AS s WHERE s.document_id = '$doc'});
}

# Stored fields made wrong, and by no recorded extractor version, as if by an old release.
sub corrupt {
	my ($doc) = @_;
	$node->safe_psql('postgres', qq{
		UPDATE docextract.extracted_data AS x
		   SET data = (x.data - 'fields_version') || '{"fields": {"total_amount": 1}, "detected_type": "receipt"}',
		       field_confidence = '{"total_amount": 0.1}', overall_confidence = 0.1
		 WHERE x.id = (docextract.newest_result('$doc')).id});
}

#### Extraction, then a refresh by the in-server worker
my $invoice = text_pdf(join "\n",
	'Muster GmbH, Hauptstrasse 1, 10115 Berlin',
	'Rechnung Nr. 2024-0815',
	'Rechnungsdatum: 14.03.2024',
	'Nettobetrag 1.000,00 EUR',
	'MwSt 19 % 190,00 EUR',
	'Gesamtbetrag 1.190,00 EUR',
	'IBAN: DE89 3704 0044 0532 0130 00');
my ($doc, $job) = upload('alice', 'rechnung.pdf', $invoice, 'invoice');
my ($scan, $scan_job) = upload('alice', 'scan.pdf',
	scanned_pdf("Rechnung Nr. 2024-0816\nGesamtbetrag 1.190,00 EUR\nIBAN DE89 3704 0044 0532 0130 00"), 'other');
my ($bobs, $bobs_job) = upload('bob', 'bob.pdf', text_pdf("Invoice No. 77\nTotal 10.00 EUR"), 'invoice');
for my $j ($job, $scan_job, $bobs_job) {
	ok(wait_job($node, 'postgres', $j, 'completed'), "extraction $j completed");
}
save($_) for ($doc, $scan, $bobs);
is($node->safe_psql('postgres', "SELECT data->>'fields_version' = docextract.fields_version()::text
		FROM docextract.extracted_data WHERE job_id = '$job'"), 't',
	'an extraction records the version of the field extractors');
is($node->safe_psql('postgres', "SELECT data->'fields'->>'total_amount' FROM docextract.extracted_data WHERE job_id = '$job'"),
	'1190.00', 'the invoice has fields');

corrupt($doc);
is(compare($doc), 'f t t f f t', 'the stored fields are wrong now');
my $refresh = as('alice', "SELECT docextract.refresh_fields('$doc')");
is($node->safe_psql('postgres', "SELECT kind FROM docextract.extraction_jobs WHERE id = '$refresh'"),
	'refresh_fields', 'refresh_fields() queued a refresh_fields job');
ok(wait_job($node, 'postgres', $refresh, 'completed'), 'the in-server worker completed it');
is(compare($doc), 't t t t t t',
	'the refreshed fields, confidences and method equal the extraction\'s, the model and text are kept');
is($node->safe_psql('postgres', qq{SELECT count(*) || ' ' || bool_and(x.job_id IN ('$job', '$refresh'))::int
		FROM docextract.extracted_data AS x WHERE x.document_id = '$doc'}),
	'2 1', 'a new result row, the extraction\'s kept as history');
is($node->safe_psql('postgres', "SELECT (docextract.newest_result('$doc')).data->'fields_refresh'->>'source_job_id'"),
	$job, 'the new row says which result it was computed from');
is(as('alice', "SELECT docextract.document_fields('$doc')->'fields'->>'total_amount'"), '1190.00',
	'document_fields() shows the refreshed fields');
like($node->safe_psql('postgres', "SELECT processing_time_seconds FROM docextract.extraction_jobs WHERE id = '$refresh'"),
	qr/^[0-9.e-]+$/, 'with its processing time');

# A declared type changed since the extraction is the hint of the refresh, as it would be of a
# new extraction.
as('alice', "UPDATE docextract.documents SET document_type = 'receipt' WHERE id = '$doc'");
my $as_receipt = as('alice', "SELECT docextract.refresh_fields('$doc')");
ok(wait_job($node, 'postgres', $as_receipt, 'completed'), 'a refresh with another declared type');
is($node->safe_psql('postgres', "SELECT (docextract.newest_result('$doc')).data->'fields' ? 'invoice_number'"),
	'f', 'reads the document as a receipt');
as('alice', "UPDATE docextract.documents SET document_type = 'invoice' WHERE id = '$doc'");

#### Errors, ownership
my @e = sql_error($node, 'postgres', "SET ROLE alice; SELECT docextract.refresh_fields('$bobs')");
is("$e[0] $e[1]", "P0002 document $bobs does not exist", "someone else's document does not exist");
@e = sql_error($node, 'postgres', "SET ROLE alice; SELECT docextract.refresh_fields(gen_random_uuid())");
is($e[0], 'P0002', 'nor does an unknown one');
my ($broken, $broken_job) = upload('alice', 'broken.pdf', pack('H*', substr(pdf_hex('broken', 400), 2)), 'other');
ok(wait_job($node, 'postgres', $broken_job, 'failed'), 'a document whose extraction failed');
@e = sql_error($node, 'postgres', "SET ROLE alice; SELECT docextract.refresh_fields('$broken')");
is("$e[0] $e[1]", "55000 document $broken has no extraction result to refresh fields from",
	'has no result to refresh fields from');
@e = sql_error($node, 'postgres',
	"SET ROLE alice; BEGIN; SELECT docextract.refresh_fields('$doc'); SELECT docextract.refresh_fields('$doc');");
is("$e[0] $e[1]", "55000 document $doc already has an active job", 'a second refresh while one is queued');
@e = sql_error($node, 'postgres', "SET ROLE alice; SELECT docextract.refresh_fields('$doc', 500)");
is($e[0], '42501', 'users keep to their priority range');
@e = sql_error($node, 'postgres', "SET ROLE remote; SELECT docextract.refresh_fields('$doc')");
is($e[0], '42501', 'nor is a worker role');

#### The batch form
is(as('alice', 'SELECT count(*) FROM docextract.refresh_all_fields()'), '0',
	'nothing outdated: no job');
corrupt($scan);
corrupt($bobs);
is(as('alice', 'SELECT string_agg(document_id::text, \' \') FROM docextract.refresh_all_fields()'), $scan,
	'alice refreshes her outdated document, not bob\'s');
my $scan_refresh = $node->safe_psql('postgres',
	"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$scan' AND kind = 'refresh_fields'");
is($node->safe_psql('postgres', "SELECT priority FROM docextract.extraction_jobs WHERE id = '$scan_refresh'"),
	'-1', 'behind new uploads by default');
ok(wait_job($node, 'postgres', $scan_refresh, 'completed'), 'the scan\'s refresh completed');
is(compare($scan), 't t t t t t', 'the scan\'s refreshed fields equal its extraction\'s (OCR not repeated)');
is(as('carol', 'SELECT string_agg(document_id::text, \' \') FROM docextract.refresh_all_fields()'), $bobs,
	'an admin refreshes every owner\'s outdated documents');
my $bobs_refresh = $node->safe_psql('postgres',
	"SELECT id FROM docextract.extraction_jobs WHERE document_id = '$bobs' AND kind = 'refresh_fields'");
ok(wait_job($node, 'postgres', $bobs_refresh, 'completed'), 'bob\'s refresh completed');
is(compare($bobs), 't t t t t t', 'bob\'s fields are back');
is(as('carol', 'SELECT count(*) FROM docextract.refresh_all_fields(outdated_only => false, priority => 0)'), '3',
	'all documents with a result, outdated or not');
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM docextract.extraction_jobs WHERE status IN ('pending', 'processing')")
  or die 'the refreshes never ended';

#### Failures are retried as for an extraction
my $hdir = test_helper($node);
use_helper($node, $hdir);
set_helper($hdir, mode => 'fail');
my $failing = as('alice', "SELECT docextract.refresh_fields('$doc')");
$node->poll_query_until('postgres', "SELECT retry_count >= 1 FROM docextract.extraction_jobs WHERE id = '$failing'")
  or die 'no retry';
like($node->safe_psql('postgres', "SELECT error_message FROM docextract.extraction_jobs WHERE id = '$failing'"),
	qr/^crashed: /, 'a helper that fails is a failed attempt, retried');
set_helper($hdir, mode => 'run');
ok(wait_job($node, 'postgres', $failing, 'completed'), 'and the retry completes');
is(compare($doc), 't t t t t t', 'with the same fields');

#### The worker API, as an external worker uses it
reload_with($node, 'docextract.workers_per_database' => 0);
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'docextract worker'")
  or die 'the workers did not leave';
corrupt($doc);
my $api_job = as('alice', "SELECT docextract.refresh_fields('$doc')");
my $claim = as('remote', "SELECT job_id || ' ' || claim_token || ' ' || kind FROM docextract.claim_jobs('api', 1)");
my ($claimed, $token, $kind) = split ' ', $claim;
is("$claimed $kind", "$api_job refresh_fields", 'claim_jobs() returns the job with its kind');
my $source = as('remote', "SELECT docextract.refresh_source('$claimed', '$token')");
is($node->safe_psql('postgres', qq{SELECT concat_ws(' ', j ?| docextract.field_keys(), j - 'text' = s.model,
		j ->> 'text' = s.text) FROM saved AS s, (SELECT \$src\$$source\$src\$::jsonb AS j) AS r
		WHERE s.document_id = '$doc'}),
	'f t t', 'refresh_source(): the stored result with its text, without the old field keys');
@e = sql_error($node, 'postgres', "SET ROLE remote; SELECT docextract.refresh_source('$claimed', gen_random_uuid())");
is($e[0], 'XD001', 'refresh_source() with a stale claim token');
# The helper's answer may hold anything; only the field keys reach the stored row.
as('remote', qq{SELECT docextract.complete_job('$claimed', '$token',
		'{"fields": {"iban": "X"}, "field_confidence": {"iban": 0.2}, "fields_version": 1,
		  "pages": [], "text": "forged", "timings_ms": {"fields": 1.5}}')});
is($node->safe_psql('postgres', qq{SELECT concat_ws(' ', x.data->'fields'->>'iban', x.field_confidence->>'iban',
		x.data - docextract.field_keys() - 'fields_refresh' = s.model, x.text = s.text,
		x.data->'fields_refresh'->'timings_ms'->>'fields', x.data ? 'detected_type')
		FROM docextract.newest_result('$doc') AS x, saved AS s WHERE s.document_id = '$doc'}),
	'X 0.2 t t 1.5 f', 'complete_job() takes the field keys of the answer and keeps the model and text');

# docextract worker, with the real helper
corrupt($doc);
my $cli_job = as('alice', "SELECT docextract.refresh_fields('$doc')");
my ($out, $err) = ('', '');
my $conninfo = 'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres user=remote';
my $h = IPC::Run::start([ $node->config_data('--bindir') . '/docextract', '-d', $conninfo, 'worker',
		'--helper', $node->config_data('--bindir') . '/docextract-extract', '--poll-interval', '0.2' ],
	'<', \'', '>', \$out, '2>', \$err);
ok(wait_job($node, 'postgres', $cli_job, 'completed', 'failed'), 'docextract worker took the refresh job');
$h->signal('TERM');
$h->finish;
is($node->safe_psql('postgres', "SELECT status FROM docextract.extraction_jobs WHERE id = '$cli_job'"),
	'completed', 'and completed it') or diag($err);
is(compare($doc), 't t t t t t', 'the remote refresh gives the extraction\'s fields');

$node->stop;
done_testing();
