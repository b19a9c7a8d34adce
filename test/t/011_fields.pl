# Structured fields end to end: an uploaded invoice is extracted by the workers, and its fields
# come out of docextract.fields, document_fields() and the typed invoices view, under RLS.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DocextractTest qw(new_cluster text_pdf bytea_hex wait_job);

my $node = new_cluster('fields', 'docextract.workers_per_database = 1');
$node->safe_psql('postgres', q{
	CREATE EXTENSION docextract;
	CREATE ROLE alice LOGIN IN ROLE docextract_user;
	CREATE ROLE bob LOGIN IN ROLE docextract_user;
});
my $pdf = text_pdf(join "\n",
	'Muster GmbH, Hauptstrasse 1, 10115 Berlin',
	'Rechnung Nr. 2024-0815',
	'Rechnungsdatum: 14.03.2024',
	'Nettobetrag 1.000,00 EUR',
	'MwSt 19 % 190,00 EUR',
	'Gesamtbetrag 1.190,00 EUR',
	'IBAN: DE89 3704 0044 0532 0130 00');
my $doc = $node->safe_psql('postgres',
	"SET ROLE alice; SELECT docextract.upload('rechnung.pdf', '" . bytea_hex($pdf) . "', 'invoice')");
my $job = $node->safe_psql('postgres', "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$doc'");
ok(wait_job($node, 'postgres', $job, 'completed'), 'the invoice is extracted');

is( $node->safe_psql('postgres', q{SET ROLE alice;
		SELECT string_agg(field || '=' || CASE jsonb_typeof(value) WHEN 'number' THEN (value::numeric)::numeric(12, 2)::text
		                                             ELSE value #>> '{}' END, ' ' ORDER BY field) FROM docextract.fields
		 WHERE field IN ('invoice_number', 'invoice_date', 'net_amount', 'tax_amount', 'total_amount',
		                 'currency', 'iban')}),
	'currency=EUR iban=DE89370400440532013000 invoice_date=2024-03-14 invoice_number=2024-0815 '
	  . 'net_amount=1000.00 tax_amount=190.00 total_amount=1190.00',
	'the fields, normalised');
is( $node->safe_psql('postgres', q{SET ROLE alice;
		SELECT (confidence >= 0.95)::text || ' ' || (checks ? 'iban_mod97')::text FROM docextract.fields
		 WHERE field = 'iban'}),
	'true true', 'the IBAN passed mod-97 and is confirmed twice');
is( $node->safe_psql('postgres', q{SET ROLE alice;
		SELECT total_amount::numeric(12, 2) || ' ' || invoice_date FROM docextract.invoices}),
	'1190.00 2024-03-14', 'the typed invoices view');
is( $node->safe_psql('postgres', "SET ROLE alice; SELECT docextract.document_fields('$doc')->>'detected_type'"),
	'invoice', 'document_fields() with the detected type');
is($node->safe_psql('postgres', 'SET ROLE bob; SELECT count(*) FROM docextract.fields'), '0',
	"another user sees none of alice's fields");
is( $node->safe_psql('postgres',
		"SELECT overall_confidence > 0 AND field_confidence ? 'total_amount' FROM docextract.extracted_data"),
	't', 'overall_confidence and field_confidence are stored');

$node->stop;
done_testing();
