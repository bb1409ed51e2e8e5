"""`python -m bot.web`: serve the web app on WEB_HOST:WEB_PORT (default 127.0.0.1:8000)."""

import os

import uvicorn

from bot.logging_setup import configure_logging
from bot.web.app import create_app


def main() -> None:
    configure_logging()
    # log_config=None: uvicorn's loggers (access log too) go through our redacting root handler.
    uvicorn.run(create_app(), host=os.environ.get("WEB_HOST", "127.0.0.1"),
                port=int(os.environ.get("WEB_PORT", "8000")), log_config=None, ws="none",
                proxy_headers=False, server_header=False)


if __name__ == "__main__":
    main()
