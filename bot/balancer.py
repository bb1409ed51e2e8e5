"""A round-robin HTTP load balancer for several Rasa servers on one machine.

`RASA_SERVERS=3 make run` starts three Rasa servers and this in front of them on RASA_PORT,
so every client (our gateways, the web chat, the check-in scheduler, REST users) keeps one
address. Any server can take any turn: conversations live in PostgreSQL and each one's lock
in Redis (endpoints.cluster.yml). On a cluster, a Kubernetes Service or the compose file's
proxy does this job instead (deploy/).

A message for a channel (`/webhooks/...`) goes to the server its exact bytes hash to, so a
retry of the same message (WeChat retries after 5 s, our gateways after a timeout) reaches
the server that already has it and is answered once (bot/channels/once.py); different
messages spread evenly. Other requests (Rasa's HTTP API) go to the servers in turn. Only
when a server refuses the connection (stopped, still loading its model) is the next one
tried, because a request that reached a server may have been handled already.

    python -m bot.balancer --port 5005 http://127.0.0.1:5006 http://127.0.0.1:5007
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import logging
import sys

from aiohttp import (ClientConnectorError, ClientError, ClientSession, ClientTimeout,
                     TCPConnector, web)

logger = logging.getLogger("bot.balancer")

# Hop-by-hop headers (RFC 9110 7.6.1) and those aiohttp recomputes for the new message.
NOT_FORWARDED = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                 "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"}
# A Rasa turn can wait for the action server, the database and a busy model.
UPSTREAM_TIMEOUT = ClientTimeout(total=300, connect=5)
MAX_BODY = 10 * 1024 * 1024  # Rasa's own limit is larger; no chat message comes near this


class Balancer:
    def __init__(self, upstreams: list[str]) -> None:
        if not upstreams:
            raise ValueError("at least one Rasa server address is needed")
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self._turn = itertools.cycle(range(len(self.upstreams)))
        self.session: ClientSession | None = None
        self.down: set[str] = set()

    async def start(self, _app: web.Application) -> None:
        # One pooled session: a new connection per request would cost more than the proxying.
        self.session = ClientSession(timeout=UPSTREAM_TIMEOUT, auto_decompress=False,
                                     connector=TCPConnector(limit=0))

    async def stop(self, _app: web.Application) -> None:
        if self.session:
            await self.session.close()

    def first_choice(self, request: web.Request, body: bytes) -> int:
        if request.method == "POST" and request.path.startswith("/webhooks/"):
            key = request.path_qs.encode() + b"\n" + body
            return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") \
                % len(self.upstreams)
        return next(self._turn)

    async def forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
        first = self.first_choice(request, body)
        for offset in range(len(self.upstreams)):
            upstream = self.upstreams[(first + offset) % len(self.upstreams)]
            try:
                async with self.session.request(request.method, upstream + str(request.rel_url),
                                                headers=headers, data=body or None,
                                                allow_redirects=False) as answer:
                    payload = await answer.read()
                    reply_headers = {k: v for k, v in answer.headers.items()
                                     if k.lower() not in NOT_FORWARDED}
                    self.down.discard(upstream)
                    return web.Response(status=answer.status, body=payload,
                                        headers=reply_headers)
            except ClientConnectorError:
                if upstream not in self.down:  # once, not on every request while it is down
                    logger.warning("Rasa server %s refused the connection (stopped, or still "
                                   "loading its model); sending to the others.", upstream)
                    self.down.add(upstream)
            except (ClientError, asyncio.TimeoutError) as error:
                # It may have handled the request: never send it to another server.
                logger.warning("Rasa server %s failed during a request: %s", upstream,
                               type(error).__name__)
                return web.json_response({"error": "The assistant did not answer; please "
                                                   "send your message again."}, status=502)
        return web.json_response({"error": "No Rasa server is available; try again shortly."},
                                 status=503)


def create_app(upstreams: list[str]) -> web.Application:
    balancer = Balancer(upstreams)
    app = web.Application(client_max_size=MAX_BODY)
    app.on_startup.append(balancer.start)
    app.on_cleanup.append(balancer.stop)
    app.router.add_route("*", "/{path:.*}", balancer.forward)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.balancer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("upstreams", nargs="+", help="the Rasa servers' base URLs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - "
                                                   "%(message)s")
    web.run_app(create_app(args.upstreams), host=args.host, port=args.port,
                access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
