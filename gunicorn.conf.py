"""gunicorn's settings for the tracker, read from the working directory by `gunicorn app:server`.

Each worker is told how many workers serve the app before it loads it, so that production refuses
sign-in limits kept per worker (RATELIMIT_STORAGE_URI=memory://) whenever there are several: the
limits would be as many times looser. With `--preload` the app loads before the workers exist;
WEB_CONCURRENCY from the environment is then what the app goes by."""

import os


def post_fork(server, worker):
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
