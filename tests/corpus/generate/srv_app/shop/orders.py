import json
from decimal import Decimal


PRICES = {"SKU-1001": Decimal("19.99"), "SKU-1002": Decimal("5.00")}


def line_total(item):
    return PRICES[item["sku"]] * item["qty"]


def order_total(payload):
    items = json.loads(payload)["items"]
    return sum(line_total(i) for i in items)


def apply_discount(total, percent):
    return total / (100 - percent) * 100


def load_invoice_template(name):
    with open(f"/srv/app/templates/invoices/{name}.html") as f:
        return f.read()


def charge(order_id, gateway):
    try:
        return gateway.charge(order_id)
    except KeyError as e:
        raise RuntimeError(f"payment failed for order {order_id}") from e


def retry_charge(order_id, gateway):
    try:
        return gateway.charge(order_id)
    except KeyError:
        raise ValueError("invalid gateway response")


class Gateway:
    def charge(self, order_id):
        resp = {"status": "ok", "order": order_id}
        return resp["transaction_id"]
