#!/usr/bin/env bash
# Commands from the migration night, kept for the write-up.
mysql -h db-35.acme-corp.internal -u root -p'0=Z%IUTMZBMYj_' -e 'SHOW PROCESSLIST'
mysql -u root -p"$MYSQL_ROOT_PASSWORD" < dump.sql
./bin/admin --user ops --password='gicJ90#u8k3mC7k' rotate-keys
psql 'jdbc:postgresql://db-49.acme-corp.internal:5432/ledger?user=billing_rw&password=8XrY3J3dBYFE3NkZZOZx' -f migrate.sql
mysql -u root -p"$MYSQL_ROOT_PASSWORD" < dump.sql
mysql -u root -p"$MYSQL_ROOT_PASSWORD" < dump.sql
curl -u ops:TTsvZ7%VfG2J6Uj https://grafana.acme-corp.internal/api/health
mysql -u root -p"$MYSQL_ROOT_PASSWORD" < dump.sql
curl -u ops:Cobalt#4133willow https://grafana.acme-corp.internal/api/health
psql 'postgres://etl_loader:n-G0ei-F~0Yq2z@pg-orders-23.db.acme-corp.internal:5432/auth' -f migrate.sql
