"""`python -m bot.telegram_gateway`: run the Telegram gateway until stopped."""

from __future__ import annotations

import logging
import sys

from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from bot.channels.client import RasaClient
from bot.logging_setup import configure_logging
from bot.telegram_gateway.config import ConfigurationError, TelegramSettings
from bot.telegram_gateway.gateway import Gateway
from bot.telegram_gateway.tolerant_bot import TolerantBot

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
WEBHOOK_PATH = "telegram"


def build(settings: TelegramSettings) -> Application:
    rasa = RasaClient("telegram")
    gateway = Gateway(settings, rasa)

    async def stopped(_: Application) -> None:
        await rasa.close()

    bot = TolerantBot(settings.token, base_url=settings.api_base)
    app = (ApplicationBuilder().bot(bot)
           .concurrent_updates(True)  # other chats go on while one waits for Rasa
           .post_init(gateway.set_commands).post_shutdown(stopped).build())
    gateway.register(app)
    return app


def main() -> int:
    configure_logging()  # redacts chat ids and the bot token (in httpx's URLs) at INFO+
    try:
        settings = TelegramSettings.from_env()
    except ConfigurationError as error:
        print(f"Telegram gateway: {error}", file=sys.stderr)
        return 2
    app = build(settings)
    if settings.webhook_url:
        logging.info("Telegram gateway: webhook on %s:%s/%s", settings.listen, settings.port,
                     WEBHOOK_PATH)
        app.run_webhook(listen=settings.listen, port=settings.port, url_path=WEBHOOK_PATH,
                        webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
                        allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    else:
        logging.info("Telegram gateway: long polling")
        app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
