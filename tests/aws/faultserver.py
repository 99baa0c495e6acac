"""A tiny HTTP server that answers every request with a scripted AWS-like response."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON11 = "application/x-amz-json-1.1"
XML = "text/xml"
HTML = "text/html; charset=utf-8"
HTML_500 = (
    b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    b"<h1>Internal Server Error</h1>\n"
)


def json_error(code: str, message: str, status: int = 400) -> tuple[int, str, bytes]:
    return status, JSON11, json.dumps({"__type": code, "message": message}).encode()


def query_error(code: str, message: str, status: int = 400) -> tuple[int, str, bytes]:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
    )
    return status, XML, body.encode()


class FaultServer:
    """Serves `response` (status, content type, body) to every request and counts them;
    `short_bodies = N` makes the next N answers stop half-way through their body (the
    Content-Length still promises all of it) and close the connection."""

    def __init__(self) -> None:
        self.response: tuple[int, str, bytes] = (200, "application/json", b"{}")
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.short_bodies = 0  # the next N answers send half their body, then close
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with outer._lock:
                    outer.requests.append((self.command, self.path, dict(self.headers)))
                    cut = outer.short_bodies > 0
                    outer.short_bodies -= cut
                status, ctype, body = outer.routes.get(self.path, outer.response)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)
