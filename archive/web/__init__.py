"""The web front end: `create_app(config)`, its pages, API, exports, feeds and translations.

`app` (the factory and what every response gets), `context` (what a request shares),
`views` (thin views), `errorpages`, `params` (search parameters from URLs), `i18n`,
`citations`, `feeds`, `exports` (the site's CSV and JSON Lines downloads), `ratelimit`,
`server` (the waitress settings of `archive serve`);
`static/` and `translations/` beside them.

Public API: `create_app`.
"""

from .app import create_app

__all__ = ["create_app"]
