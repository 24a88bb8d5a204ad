-- Indexes FerretDB v1 can use, added beside the ones it creates (run by ./platform up and test).
--
-- FerretDB v1 (PostgreSQL backend) hands a query's equality filter to
-- PostgreSQL as `_jsonb->'field' @> value`. The btree indexes it creates for
-- a MongoDB index (`(_jsonb->'field')`) cannot serve `@>`, so every query by
-- a field other than `_id` scans the whole table: 8.5 s for one school's
-- students among 10 million. A GIN `jsonb_path_ops` index on the same
-- expression serves `@>` (0.3-1.3 s, most of it FerretDB decoding the
-- school's 10,000 documents). Real MongoDB (docker compose) uses its own
-- indexes and needs none of this.
--
-- Usage: psql "$POSTGRES_URL" -v db=<database> -f stack/ferretdb-indexes.sql
-- Idempotent; CONCURRENTLY, so a first run on a big table does not stop writes.
SELECT format('CREATE INDEX CONCURRENTLY IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb -> %L) jsonb_path_ops)',
              (m._jsonb ->> 'table') || '_' || lower(f.field) || '_gin', :'db', m._jsonb ->> 'table', f.field)
FROM :"db"._ferretdb_database_metadata AS m
JOIN (VALUES ('students', 'schoolId'), ('attendances', 'schoolId')) AS f (collection, field)
  ON m._jsonb ->> '_id' = f.collection
\gexec
