# Leaky bodies from really running Ruby code (run from /opt/billing-rb, see capture_ruby.sh).
# Writes OUTDIR/<rel> and OUTDIR/rows.tsv.
require 'json'
require 'net/http'
require 'pg'
require 'sqlite3'
require_relative 'lib/billing'

OUT = ARGV[0]
ROWS = []
RV = "ruby #{RUBY_VERSION}"
def put(rel, body, cat, src)
  path = File.join(OUT, rel)
  Dir.mkdir(File.dirname(path)) rescue nil
  require 'fileutils'; FileUtils.mkdir_p(File.dirname(path))
  File.write(path, body)
  ROWS << [rel, 'leaky', cat, src].join("\t")
end
def err; yield; rescue Exception => e; e; end

e = err { Billing::Invoice.new({ contact: {} }).recipient }
put 'leaky/stack_trace/ruby_keyerror_full_message.txt', e.full_message(highlight: false, order: :top), 'stack_trace', "#{RV} Exception#full_message"
put 'leaky/stack_trace/ruby_backtrace_json.json', JSON.generate(error: e.message, class: e.class.name, backtrace: e.backtrace), 'stack_trace', "#{RV} backtrace array in JSON"
e = err { Billing.parse_webhook('{"id": 1, "amount": }') }
put 'leaky/stack_trace/ruby_json_parser_error.txt', "#{e.class}: #{e.message}\n" + e.backtrace.join("\n"), 'stack_trace', "#{RV} JSON::ParserError + backtrace (stdlib paths)"
e = err { Billing.load_key }
put 'leaky/file_path/ruby_enoent.txt', e.message, 'file_path', "#{RV} Errno::ENOENT message"
e = err { Net::HTTP.get(URI('http://127.0.0.1:9/internal/tax?country=DE')) }
put 'leaky/private_address/ruby_net_http_econnrefused.txt', "#{e.class}: #{e.message}".gsub('127.0.0.1', '10.1.2.3').gsub(/\bport 9\b/, 'port 8080').gsub('10.1.2.3:9', '10.1.2.3:8080'), 'private_address', "#{RV} Net::HTTP Errno::ECONNREFUSED; 127.0.0.1:9 substituted with 10.1.2.3:8080"

pg = PG.connect(host: '127.0.0.1', port: 55432, user: 'corpus', password: 'corpus', dbname: 'shop')
e = err { pg.exec_params('INSERT INTO customers (email) VALUES ($1)', ['dup@example.com']) }
put 'leaky/database/ruby_pg_unique_violation.txt', "#{e.class}: #{e.message}", 'database', "postgresql 15 via ruby-pg #{PG::VERSION}"
e = err { pg.exec('SELECT total FROM orders WHERE customer_id = \'abc\'') }
put 'leaky/database/ruby_pg_invalid_input_json.json', JSON.generate(errors: [{ status: '500', title: e.class.name, detail: e.message }]), 'database', "postgresql 15 via ruby-pg #{PG::VERSION}"
db = SQLite3::Database.new(':memory:')
db.execute('CREATE TABLE accounts (id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE)')
db.execute("INSERT INTO accounts (login) VALUES ('ann')")
e = err { db.execute("INSERT INTO accounts (login) VALUES ('ann')") }
put 'leaky/database/ruby_sqlite3_constraint.txt', "#{e.class}: #{e.message}\n" + e.backtrace.first(4).join("\n"), 'database', "#{RV} sqlite3 gem #{SQLite3::VERSION}"

File.write(File.join(OUT, 'rows.tsv'), ROWS.join("\n") + "\n")
