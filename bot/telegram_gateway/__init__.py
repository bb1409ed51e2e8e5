"""The Telegram gateway: python-telegram-bot on one side, the Rasa server on the other.

Runs as its own process (`python -m bot.telegram_gateway`, started by `make run` when
TELEGRAM_BOT_TOKEN is set). Long polling by default, so a hospital can run it behind NAT;
a webhook, with Telegram's secret token checked on every request, when
TELEGRAM_WEBHOOK_URL is set.
"""
