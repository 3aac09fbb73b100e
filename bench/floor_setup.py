"""Setup for bench/floor.py, run inside Django (``manage.py shell -c``): 8 CSRs who never act (their
console home lists no recent activity), each with an API token and a signed-in browser session."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

from django.test import Client  # noqa: E402

from bench.staff import api_token, bench_csrs  # noqa: E402

people = []
for user in bench_csrs("floor"):
    browser = Client()
    browser.force_login(user, backend="concierge.identity.backends.EmailBackend")
    people.append({"token": api_token(user), "session": browser.cookies["sessionid"].value})
print(json.dumps({"people": people}))
