"""Single-file Django project used to capture Django's own error pages.
DJANGO_DEBUG=1 -> DEBUG=True (technical 500 / technical 404 pages)."""
import os
import sys

sys.path.insert(0, "/srv/app")
from django.conf import settings  # noqa: E402

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
settings.configure(
    DEBUG=DEBUG,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="django-insecure-7q$k+v0n0t-a-real-key-2b!x%c^9f1@e(w3z",
    MIDDLEWARE=[
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    INSTALLED_APPS=["django.contrib.contenttypes"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/corpus-work/django_shop.sqlite3"}},
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    EMAIL_HOST_PASSWORD="smtp-Pa55-not-real",
    PAYMENT_API_URL="https://payments.internal:8443/v2",
)

from django.db import connection  # noqa: E402
from django.http import Http404, JsonResponse, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def _setup_db():
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS shop_customer (id integer primary key, email varchar(200) UNIQUE NOT NULL)")
        c.execute("INSERT OR IGNORE INTO shop_customer (email) VALUES ('dup@example.com')")


def signup(request):
    _setup_db()
    with connection.cursor() as c:
        c.execute("INSERT INTO shop_customer (email) VALUES (%s)", ["dup@example.com"])
    return JsonResponse({"ok": True})


def orders_view(request):
    with connection.cursor() as c:
        c.execute("SELECT * FROM shop_order WHERE customer_id = %s", [42])
    return JsonResponse({"ok": True})


def signup_json(request):
    from django.db import IntegrityError
    _setup_db()
    try:
        with connection.cursor() as c:
            c.execute("INSERT INTO shop_customer (email) VALUES (%s)", ["dup@example.com"])
    except IntegrityError as e:
        return JsonResponse({"error": f"{type(e).__module__}.{type(e).__name__}: {e}"}, status=500)
    return JsonResponse({"ok": True})


def product(request, pk):
    raise Http404("No Product matches the given query.")


def form(request):
    return HttpResponse("ok")


urlpatterns = [
    path("signup/", signup),
    path("signup.json", signup_json),
    path("orders/", orders_view),
    path("products/<int:pk>/", product),
    path("form/", form),
]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
