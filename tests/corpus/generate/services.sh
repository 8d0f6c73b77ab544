#!/usr/bin/env bash
# Provisioning used for the corpus (Debian 12, root). Installs the producers and
# starts the database servers on 127.0.0.1 only, with throwaway data dirs under
# /tmp/corpus-work. Stop them again with: bash services.sh stop
set -euo pipefail
W=/tmp/corpus-work; GEN_DIR="$(cd "$(dirname "$0")" && pwd)"
if [ "${1:-}" = stop ]; then
  su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $W/pg/data stop -m fast" || true
  [ -f $W/my/pid ] && kill "$(cat $W/my/pid)" || true
  [ -f $W/redis.pid ] && kill "$(cat $W/redis.pid)" || true
  exit 0
fi
mkdir -p $W
if [ "${INSTALL:-1}" = 1 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql mariadb-server sqlite3 \
    redis-server php-cli php-mysql php-pgsql ruby ruby-pg ruby-sqlite3 ruby-actionpack ruby-rack ruby-webrick \
    golang-go nginx apache2 tomcat10 openssl curl
  python3 -m venv $W/venv
  $W/venv/bin/pip install flask django fastapi uvicorn sqlalchemy psycopg2-binary pymysql redis pymongo requests pyjwt graphql-core
  # versions used: Flask 3.1.3, Werkzeug 3.1.9, Django 5.2.19, FastAPI 0.165.0, uvicorn 0.54.0, SQLAlchemy 2.1.9,
  # psycopg2-binary 2.9.13, PyMySQL 1.2.4, redis 8.1.0, pymongo 4.20.0, requests (latest), PyJWT 2.15.1, graphql-core 3.3.2
fi
# "server-side" demo code whose paths appear in tracebacks
mkdir -p /srv/app && cp -r "$GEN_DIR/srv_app/shop" /srv/app/
# PostgreSQL 15 on 127.0.0.1:55432
if [ ! -d $W/pg/data ]; then
  mkdir -p $W/pg && chown postgres $W/pg
  echo pgadmin > $W/pg/pw && chown postgres $W/pg/pw
  su postgres -c "/usr/lib/postgresql/15/bin/initdb -D $W/pg/data -A scram-sha-256 --pwfile=$W/pg/pw -U postgres"
fi
su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $W/pg/data -o '-c listen_addresses=127.0.0.1 -c port=55432 -c unix_socket_directories=$W/pg' -l $W/pg/server.log start"
sleep 2
PGPASSWORD=pgadmin psql -h 127.0.0.1 -p 55432 -U postgres -c "CREATE ROLE corpus LOGIN PASSWORD 'corpus'" -c "CREATE DATABASE shop OWNER corpus" || true
PGPASSWORD=corpus psql -h 127.0.0.1 -p 55432 -U corpus shop -c "CREATE TABLE IF NOT EXISTS customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text); INSERT INTO customers (email,name) VALUES ('dup@example.com','Dup') ON CONFLICT DO NOTHING; CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), total numeric(10,2) CHECK (total >= 0));"
# MariaDB 10.11 on 127.0.0.1:53306
if [ ! -d $W/my/data ]; then
  mkdir -p $W/my && chown mysql $W/my
  mariadb-install-db --user=mysql --datadir=$W/my/data >/dev/null
  FIRST=1
fi
(mariadbd --user=mysql --datadir=$W/my/data --bind-address=127.0.0.1 --port=53306 --socket=$W/my/sock --pid-file=$W/my/pid --log-error=$W/my/err.log --skip-log-bin >/dev/null 2>&1 &)
sleep 4
[ "${FIRST:-0}" = 1 ] && mariadb -S $W/my/sock -u root -e "CREATE DATABASE shop; CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY 'shop-pass'; GRANT ALL ON shop.* TO 'shop'@'127.0.0.1'; CREATE TABLE shop.customers (id int auto_increment primary key, email varchar(200) not null unique); INSERT INTO shop.customers (email) VALUES ('dup@example.com');"
# Redis 7.0 on 127.0.0.1:56379 with a password
printf 'bind 127.0.0.1\nport 56379\nrequirepass r3d1s-Pa55\ndaemonize yes\npidfile %s/redis.pid\ndir %s\nlogfile %s/redis.log\nsave ""\n' $W $W $W > $W/redis.conf
redis-server $W/redis.conf
