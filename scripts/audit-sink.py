#!/usr/bin/env python3
"""A TCP audit sink for the dev cluster's socket audit device: accepts connections on
127.0.0.1:PORT and discards what they send. Started and stopped by scripts/dev-cluster.sh
(up, audit-up, audit-down, down); while it is stopped every audited request to the cluster fails."""
import selectors, signal, socket, sys

# A parent may have started us with SIGTERM ignored (an ignored signal stays ignored across exec):
# audit-down must be able to stop the sink.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.SIG_DFL)

sel = selectors.DefaultSelector()
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(128)
server.setblocking(False)
sel.register(server, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is server:
            conn, _ = server.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
        else:
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
