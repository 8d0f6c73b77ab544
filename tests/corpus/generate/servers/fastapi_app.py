"""FastAPI app used to capture FastAPI/Starlette bodies.
FASTAPI_DEBUG=1 -> FastAPI(debug=True) (Starlette debug traceback page)."""
import os
import sys

sys.path.insert(0, "/srv/app")
import psycopg2  # noqa: E402
from fastapi import FastAPI, HTTPException, Query  # noqa: E402
from pydantic import BaseModel, EmailStr  # noqa: E402,F401
from shop import orders  # noqa: E402

app = FastAPI(debug=os.environ.get("FASTAPI_DEBUG") == "1")


class Item(BaseModel):
    name: str
    price: float
    quantity: int
    tags: list[str] = []


@app.post("/items")
def create_item(item: Item):
    return item


@app.get("/items/{item_id}")
def get_item(item_id: int, verbose: bool = Query(False)):
    if item_id == 404:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"id": item_id}


@app.get("/customers/{cid}")
def customer(cid: int):
    try:
        c = psycopg2.connect(host="127.0.0.1", port=55432, user="corpus", password="corpus", dbname="shop")
        c.cursor().execute("SELECT id, emial FROM customers WHERE id = %s", (cid,))
    except psycopg2.Error as e:
        raise HTTPException(status_code=500, detail=str(e))


@app.get("/crash")
def crash():
    return orders.order_total('{"items": [{"sku": "SKU-404", "qty": 1}]}')
