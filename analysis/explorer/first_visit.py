"""The page a request without the explorer's cookie gets: under 1 KB, no kernel.

Every explorer page runs in a notebook kernel of its own (about 450 MB), so a request from a
program that reads no JavaScript (curl, a proxy's health check, a link preview) must not start
one. The served page (:mod:`analysis.explorer.service_app`) answers a request that does not
carry :data:`COOKIE` with :func:`first_visit_page`: its script sets the cookie and loads the
same address again (query string kept), which a browser does at once, on its first visit only;
a program without JavaScript stops at this page. ``<noscript>`` says the explorer needs
JavaScript, and the script says so too when the browser refuses the cookie (no reload loop).
"""

from __future__ import annotations

import html

#: The cookie a browser that runs the page's script sets: name, value and lifetime (a year).
COOKIE = "explorer_js"
COOKIE_VALUE = "1"
COOKIE_MAX_AGE = 365 * 24 * 3600


def has_script_cookie(cookies: dict[str, str]) -> bool:
    """True when the request's cookies show the browser ran the first-visit page's script."""
    return cookies.get(COOKIE) == COOKIE_VALUE


def cookie_path(base_url: str) -> str:
    """The cookie's ``Path``: the server's base URL, with a leading and trailing slash."""
    return "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"


def first_visit_page(address: str, base_url: str = "/") -> str:
    """The small HTML page for a request to ``address`` (its path and query string, as sent)
    without the cookie: its script sets the cookie for ``base_url`` and reloads the address."""
    cookie = (f"{COOKIE}={COOKIE_VALUE}; Path={cookie_path(base_url)}; "
              f"Max-Age={COOKIE_MAX_AGE}; SameSite=Strict")
    link = html.escape(address, quote=True)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Benchmark explorer</title></head>
<body style="font-family: sans-serif; margin: 3em;">
<main>
<h1>Benchmark explorer</h1>
<p id="opening">Opening the explorer&hellip;</p>
<noscript><p>The benchmark explorer needs JavaScript. Turn JavaScript on for this site, then
<a href="{link}">open the explorer</a>.</p></noscript>
</main>
<script>
(function () {{
  document.cookie = {_js_string(cookie)};
  if (document.cookie.split('; ').indexOf({_js_string(f"{COOKIE}={COOKIE_VALUE}")}) < 0) {{
    document.getElementById('opening').textContent =
      'The benchmark explorer needs cookies: allow them for this site, then reload this page.';
    return;
  }}
  window.location.replace(window.location.pathname + window.location.search + window.location.hash);
}})();
</script>
</body></html>
"""


def _js_string(text: str) -> str:
    """``text`` as a JavaScript string literal (single quotes; the cookie text has none)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
