#!/usr/bin/env python3
"""Uploads one file to docextract with psycopg 3 and prints its text and fields once extracted.

    python3 upload.py FILE [DOCUMENT_TYPE]

Connection settings come from the PG* environment variables (PGHOST, PGPORT, PGDATABASE, ...).
The bytes travel as a binary bind parameter: no hex or escape encoding, no file on the server.
"""
import json
import pathlib
import sys
import time

import psycopg


def main() -> int:
    path = pathlib.Path(sys.argv[1])
    doc_type = sys.argv[2] if len(sys.argv) > 2 else "other"
    with psycopg.connect(autocommit=True) as conn:
        try:
            doc_id = conn.execute(
                "SELECT docextract.upload(%s, %b, %s)",
                (path.name, path.read_bytes(), doc_type),
            ).fetchone()[0]
        except psycopg.errors.InvalidParameterValue as e:
            # SQLSTATE 22023: the file was refused; the detail says why.
            print(f"refused: {e.diag.message_detail}", file=sys.stderr)
            return 1
        job_id = conn.execute(
            "SELECT id FROM docextract.extraction_jobs WHERE document_id = %s"
            " ORDER BY created_at DESC LIMIT 1",
            (doc_id,),
        ).fetchone()[0]
        # Poll in short transactions: works through PgBouncer in transaction mode too.
        for _ in range(600):
            status = conn.execute(
                "SELECT status FROM docextract.extraction_jobs WHERE id = %s", (job_id,)
            ).fetchone()[0]
            if status in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.1)
        print(f"document {doc_id}: {status}")
        if status != "completed":
            return 1
        text, fields = conn.execute(
            "SELECT x.text, docextract.document_fields(x.document_id)"
            "  FROM docextract.extracted_data AS x WHERE x.job_id = %s",
            (job_id,),
        ).fetchone()
        print(text.strip())
        print(json.dumps(fields.get("fields", {}), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
