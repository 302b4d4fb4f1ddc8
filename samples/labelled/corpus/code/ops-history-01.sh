#!/usr/bin/env bash
# Commands from the migration night, kept for the write-up.
psql 'ftp://svc_orders:duOYQl8a6AJ09p6@ftp.acme-corp.com/outbound/' -f migrate.sql
docker pull registry.acme-corp.com/api@sha256:a0fbf60ce7a77d8c7427d7b5324bc515d957c970cc55bd8f3209dcb574869b20
./bin/admin --user ops --password='rVlhOl!3DV8H8pG' rotate-keys
psql 'ftp://grafana:aHfzfHZ1SlmcKE4nQs9@ftp.acme-corp.com/outbound/' -f migrate.sql
vault kv get -field=password secret/db/prod-09
vault kv get -field=password secret/db/prod-14
sshpass -p '1ESv2S!329XbmUe' ssh ops@db-85.acme-corp.internal uptime
sshpass -p 'Falcon*7693cobalt' ssh ops@db-48.acme-corp.internal uptime
export DB_PASSWORD=$(vault kv get -field=pw secret/db)
sshpass -p 'rzbD6mFOPvb1WRN' ssh ops@db-94.acme-corp.internal uptime
