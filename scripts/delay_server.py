#!/usr/bin/env python3
"""A loopback HTTP server for benchmarks: every answer comes after a fixed
delay, like a slow news site. /doc/N returns a distinct small article.

usage: delay_server.py PORT_FILE [DELAY_MS]
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, serves until
killed."""
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = (float(sys.argv[2]) if len(sys.argv) > 2 else 50.0) / 1000.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle
        # and delayed ACKs add 40 ms to every answer.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        time.sleep(DELAY)
        body = (
            "<html><head><title>Article %s</title></head><body><p>According to "
            "the Associated Press, officials said on Monday that item %s was "
            "archived.</p></body></html>" % (self.path, self.path)
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


server = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
