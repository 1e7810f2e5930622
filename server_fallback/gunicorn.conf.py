"""gunicorn settings for the fallback server (``make serve``).

Models are loaded once before the workers fork (preload), so every worker shares them.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
