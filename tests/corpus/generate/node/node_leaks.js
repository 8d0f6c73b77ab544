'use strict';
// Leaky bodies produced by really running Node.js code and drivers; each case
// is the text a careless handler sends (err.stack, err.message, JSON.stringify(err)...).
// Run from /home/app/api (capture_node.sh copies it there): node node_leaks.js OUTDIR
const fs = require('fs');
const net = require('net');
const util = require('util');
const path = require('path');
const { Client } = require('pg');
const mysql = require('mysql2/promise');
const Redis = require('ioredis');
const orders = require('./src/services/orders');

const OUT = process.argv[2];
const rows = [];
function put(rel, body, label, category, source) {
  const p = path.join(OUT, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, body);
  rows.push([rel, label, category, source].join('\t'));
}
const NV = `node ${process.version}`;
async function err(fn) { try { await fn(); } catch (e) { return e; } throw new Error('no error'); }

(async () => {
  // ---- stack traces
  let e = await err(() => orders.orderSummary([{ id: 1, email: 'a@example.com' }], { id: 7, customerId: 2, total: 10 }));
  put('leaky/stack_trace/node_typeerror_stack.txt', e.stack, 'leaky', 'stack_trace', `${NV} err.stack`);
  put('leaky/stack_trace/node_typeerror_stack_json.json', JSON.stringify({ error: e.message, stack: e.stack }), 'leaky', 'stack_trace', `${NV} {error, stack} JSON`);
  e = await err(() => orders.parseWebhook('{"event": "charge.succeeded", "id": }'));
  put('leaky/stack_trace/node_json_parse_stack_json.json', JSON.stringify({ status: 500, message: 'Webhook processing failed', details: { name: e.name, stack: e.stack } }, null, 2), 'leaky', 'stack_trace', `${NV} SyntaxError stack in pretty JSON`);
  e = await err(() => orders.chargeCard({ id: 991, total: 12000 }));
  put('leaky/stack_trace/node_error_cause_inspect.txt', util.inspect(e), 'leaky', 'stack_trace', `${NV} util.inspect(err) with cause`);
  put('leaky/stack_trace/node_error_cause_stack_array.json', JSON.stringify({ errors: [{ code: 'PAYMENT_FAILED', title: e.message, meta: { stack: e.stack.split('\n'), cause: e.cause.stack.split('\n') } }] }), 'leaky', 'stack_trace', `${NV} stack split into JSON array`);

  // ---- file paths
  e = await err(() => orders.loadSecrets());
  put('leaky/file_path/node_enoent_message.txt', e.message, 'leaky', 'file_path', `${NV} fs ENOENT err.message`);
  put('leaky/file_path/node_enoent_json.json', JSON.stringify({ error: e }), 'leaky', 'file_path', `${NV} JSON.stringify(ENOENT error)`);
  e = await err(() => require('./src/services/payments'));
  put('leaky/file_path/node_module_not_found.txt', e.message, 'leaky', 'file_path', `${NV} MODULE_NOT_FOUND err.message`);

  // ---- private addresses (real refused connect to 127.0.0.1:9, then substituted)
  e = await err(() => new Promise((res, rej) => { const s = net.connect(9, '127.0.0.1'); s.on('error', rej); s.on('connect', res); }));
  put('leaky/private_address/node_econnrefused_loopback.txt', e.message, 'leaky', 'private_address', `${NV} net.connect ECONNREFUSED (real, 127.0.0.1:9)`);
  put('leaky/private_address/node_econnrefused_10_0_3_12.txt', e.message.replace('127.0.0.1:9', '10.0.3.12:5432'), 'leaky', 'private_address', `${NV} ECONNREFUSED; 127.0.0.1:9 substituted with 10.0.3.12:5432`);
  put('leaky/private_address/node_econnrefused_json_192_168.json', JSON.stringify({ error: 'Service Unavailable', cause: { ...e, message: e.message } }).replace(/127\.0\.0\.1/g, '192.168.1.50').replace(/:9"/, ':6379"').replace(/"port":9/, '"port":6379'), 'leaky', 'private_address', `${NV} JSON.stringify(ECONNREFUSED); 127.0.0.1:9 substituted with 192.168.1.50:6379`);
  e = await err(() => fetch('http://127.0.0.1:59999/internal/users/42'));
  put('leaky/private_address/node_fetch_failed_cause.txt', util.inspect(e).replace(/127\.0\.0\.1/g, '172.20.0.7').replace(/59999/g, '8080'), 'leaky', 'private_address', `${NV} undici fetch failed util.inspect; 127.0.0.1:59999 substituted with 172.20.0.7:8080`);

  // ---- node-postgres against PostgreSQL 15
  const PGV = `postgresql 15 via node-postgres ${require('pg/package.json').version}`;
  const pg = new Client({ host: '127.0.0.1', port: 55432, user: 'corpus', password: 'corpus', database: 'shop' });
  await pg.connect();
  e = await err(() => pg.query('INSERT INTO customers (email) VALUES ($1)', ['dup@example.com']));
  put('leaky/database/node_pg_unique_violation_json.json', JSON.stringify({ error: e.message, ...e }), 'leaky', 'database', PGV + ' JSON of error fields');
  e = await err(() => pg.query('SELECT * FROM customer WHERE id = $1', [1]));
  put('leaky/database/node_pg_undefined_table.txt', e.message, 'leaky', 'database', PGV + ' err.message');
  e = await err(() => pg.query('UPDATE customers SET email = NULL WHERE id = 1'));
  put('leaky/database/node_pg_not_null_stack.txt', e.stack + '\n' + util.inspect({ detail: e.detail, table: e.table, column: e.column, file: e.file, line: e.line, routine: e.routine }), 'leaky', 'database', PGV + ' err.stack + fields');
  e = await err(() => pg.query('SELECT id,, email FROM customers'));
  put('leaky/database/node_pg_syntax_error_json.json', JSON.stringify({ message: 'query failed', query: 'SELECT id,, email FROM customers', pgError: { code: e.code, position: e.position, message: e.message } }), 'leaky', 'database', PGV);
  await pg.end();
  const conn = 'postgres://shop_rw:s3cr3t-Pa55@127.0.0.1:9/shop';
  e = await err(async () => { const c = new Client({ connectionString: conn }); await c.connect(); });
  put('leaky/connection_string/node_pg_connection_string_in_error.json', JSON.stringify({ error: `Could not connect to ${conn}: ${e.message}` }), 'leaky', 'connection_string', PGV + ' connect refused; handler echoes connectionString');
  e = await err(async () => { const c = new Client({ host: '127.0.0.1', port: 55432, user: 'corpus', password: 'bad', database: 'shop' }); await c.connect(); });
  put('leaky/database/node_pg_password_auth_failed.txt', e.message, 'leaky', 'database', PGV);

  // ---- mysql2 against MariaDB
  const MYV = `mariadb 10.11 via mysql2 ${require('mysql2/package.json').version}`;
  const my = await mysql.createConnection({ host: '127.0.0.1', port: 53306, user: 'shop', password: 'shop-pass', database: 'shop' });
  e = await err(() => my.query("INSERT INTO customers (email) VALUES ('dup@example.com')"));
  put('leaky/database/node_mysql2_duplicate_entry_json.json', JSON.stringify({ error: { message: e.message, code: e.code, errno: e.errno, sqlState: e.sqlState, sqlMessage: e.sqlMessage, sql: e.sql } }), 'leaky', 'database', MYV);
  e = await err(() => my.query('SELECT * FROM customers WHERE id = 1 ORDER BY'));
  put('leaky/database/node_mysql2_syntax_error.txt', e.message, 'leaky', 'database', MYV);
  await my.end();
  const myuri = 'mysql://shop:shop-pass@127.0.0.1:53306/shop_archive';
  e = await err(async () => { const c = await mysql.createConnection(myuri); await c.end(); });
  put('leaky/connection_string/node_mysql2_uri_in_error.txt', `Failed to open ${myuri}\n${e.stack}`, 'leaky', 'connection_string', MYV + ' unknown database; handler echoes URI + stack');

  // ---- ioredis
  const RV = `redis 7.0 via ioredis ${require('ioredis/package.json').version}`;
  const r = new Redis({ host: '127.0.0.1', port: 56379, password: 'r3d1s-Pa55', lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  await r.set('session:77', 'x');
  e = await err(() => r.hgetall('session:77'));
  put('leaky/database/node_ioredis_wrongtype_stack.txt', e.stack, 'leaky', 'database', RV + ' ReplyError err.stack');
  await r.del('session:77');
  r.disconnect();
  const r2 = new Redis({ host: '127.0.0.1', port: 56379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  e = await new Promise((res) => { r2.once('error', res); r2.connect().catch(() => {}); });
  put('leaky/database/node_ioredis_noauth_json.json', JSON.stringify({ error: e.message, name: e.name }), 'leaky', 'database', RV);
  r2.disconnect();

  // ---- environment dump (process.env of a child with a fixed fake env)
  const fakeEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_ENV: 'production', HOSTNAME: 'api-5d7c9f8b6-m4x2z', HOME: '/home/node',
    DATABASE_URL: 'postgres://api:4p1-Pa55w0rd@10.0.3.12:5432/api', JWT_SECRET: 'c2VjcmV0LWZvci10ZXN0cy1vbmx5LTEyMzQ1Njc4OTA=',
    AWS_ACCESS_KEY_ID: 'AKIAQ7R3EXAMPLE5X2ZT', AWS_SECRET_ACCESS_KEY: 'bX9k2Lq8Vw1Zr4Ty7Ua0Ss3Dd6Ff9Gg2Hh5Jj8Kk1', npm_package_version: '2.4.1' };
  const out = require('child_process').execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify({error:"debug",env:process.env}))'], { env: fakeEnv });
  put('leaky/environment_dump/node_process_env_json.json', out, 'leaky', 'environment_dump', `${NV} JSON.stringify(process.env) of a child with a fixed fake env`);

  fs.writeFileSync(path.join(OUT, 'rows.tsv'), rows.join('\n') + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
