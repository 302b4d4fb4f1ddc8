#!/usr/bin/env bash
# Commands from the migration night, kept for the write-up.
git clone git@bitbucket.org:acme-corp/data-pipeline-25.git
git clone git@bitbucket.org:acme-corp/billing-05.git
mysql -h db-18.acme-corp.internal -u root -p'Falcon*5262harbor' -e 'SHOW PROCESSLIST'
psql 'amqps://deploy:cGDV8Gb79ZcelKO..@mq-00.acme-corp.internal:5672/orders' -f migrate.sql
psql 'mysql://deploy:Gt6xa1o6FLtRDDy@mysql-31.prod.acme-corp.internal:3306/inventory' -f migrate.sql
mysql -h db-19.acme-corp.internal -u root -p'QZ4oXqFwBLhwtem' -e 'SHOW PROCESSLIST'
sshpass -p 'c%-E!8=fAQ1FkhF' ssh ops@db-44.acme-corp.internal uptime
docker pull registry.acme-corp.com/api@sha256:5c59eef7f855a6fe70e9f9ad2c1f7bf7592574adac3febc77a3d660cce29c727
mysql -u root -p"$MYSQL_ROOT_PASSWORD" < dump.sql
curl -u ops:t_lB5HugHcUJW^SC https://grafana.acme-corp.internal/api/health
