"""What serving tests share: k-means models written with smemu.formats, a live server, and the
plain-numpy arithmetic answers are checked against.

The live server is the container's own application under waitress, in a thread of the test
process, on 127.0.0.1 and a port the OS picks.
"""

from __future__ import annotations

import http.client
import threading

import numpy as np
from waitress import wasyncore

from smemu.containers.serve import ServingConfig, build_app, create_server
from smemu.formats import save_ndarrays


def write_kmeans_model(root, centroids) -> str:
    """``<root>/model/model_algo-1`` holding ``[centroids]`` as mx.nd.save writes it."""
    model_dir = root / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    save_ndarrays(str(model_dir / "model_algo-1"), [np.asarray(centroids, dtype=np.float32)])
    return str(model_dir)




class LiveServer:
    def __init__(self, root, algorithm, **env):
        environ = {"SMEMU_OPT_ML": str(root), "SMEMU_ALGORITHM": algorithm,
                   "SMEMU_BIND_HOST": "127.0.0.1", **env}
        config = ServingConfig(environ)
        config.port = 0
        self.app = build_app(config)
        self.server = create_server(self.app, config)
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def request(self, method, path, body=b"", headers=None):
        """(status, headers dict with lower-case names, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read())
        finally:
            connection.close()

    def invoke(self, body, content_type, accept=None):
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/invocations", body, headers)

    def close(self):
        # closed from the server's own loop thread, so its select() never sees a closed socket;
        # a loop that has already ended (its trigger closed with it) has nothing left to close
        if self.thread.is_alive():
            try:
                self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
            except OSError:
                pass
        self.thread.join(10)
        assert not self.thread.is_alive()




def nearest(centroids, x):
    """Closest centroid and Euclidean distance, computed the plain way."""
    d = np.sqrt(((np.asarray(x, np.float64)[:, None, :]
                  - np.asarray(centroids, np.float64)[None, :, :]) ** 2).sum(-1))
    return d.argmin(1), d.min(1)
