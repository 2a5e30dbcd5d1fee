import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_vendored_htmx_matches_the_pinned_hash():
    script = (ROOT / "scripts/fetch-htmx.sh").read_text()
    expected = re.search(r'expected="([0-9a-f]{64})"', script).group(1)
    vendored = ROOT / "webapp/static/vendor/htmx-2.0.11.min.js"
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == expected


def test_pages_load_htmx_from_the_app_itself(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>' in page
    assert "https://" not in page  # no CDN: the app works offline
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200
    response.close()
