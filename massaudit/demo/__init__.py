"""A bundled, fictional Mass.gov-like site with known accessibility problems.

`site.build_site(dest)` renders it to static files, `server.serve_directory(dest)` serves them on
127.0.0.1, and `ground_truth.toml` lists the axe-core violations each page should produce.
"""
