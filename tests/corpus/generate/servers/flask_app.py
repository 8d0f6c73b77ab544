"""Flask app used to capture Werkzeug/Flask bodies.
FLASK_DEBUG_MODE=1 -> app.run(debug=True) (Werkzeug interactive debugger)."""
import json
import os
import sqlite3
import sys
import traceback

sys.path.insert(0, "/srv/app")
from flask import Flask, request, jsonify  # noqa: E402
from shop import orders  # noqa: E402

app = Flask(__name__)


@app.route("/orders/total", methods=["POST"])
def order_total():
    return jsonify(total=str(orders.order_total(request.get_data(as_text=True))))


@app.route("/orders/<int:oid>/charge", methods=["POST"])
def charge(oid):
    try:
        orders.charge(oid, orders.Gateway())
    except Exception:
        return traceback.format_exc(), 500, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok"


@app.route("/reports/<name>")
def report(name):
    con = sqlite3.connect("/tmp/corpus-work/flask_reports.db")
    try:
        rows = con.execute(f"SELECT * FROM report_{name}").fetchall()
    except sqlite3.Error as e:
        return jsonify(error=str(e), query=f"SELECT * FROM report_{name}"), 500
    return jsonify(rows=rows)


@app.route("/upstream")
def upstream():
    return jsonify(error="upstream timeout", server=request.environ.get("SERVER_SOFTWARE")), 502


@app.route("/signup", methods=["POST"])
def signup():
    data = request.get_json()  # invalid JSON -> 400 from Werkzeug
    return jsonify(ok=True, email=data.get("email"))


@app.route("/crash")
def crash():
    return orders.apply_discount(10, 100)


if __name__ == "__main__":
    debug = os.environ.get("FLASK_DEBUG_MODE") == "1"
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]), debug=debug, use_reloader=False)
