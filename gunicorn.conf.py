"""gunicorn's settings for the tracker, read from the working directory by `gunicorn app:server`:
the production settings of deploy/gunicorn.conf.py (workers, threads, timeouts, no preload, JSON
logs, and post_fork telling each worker how many workers serve the app). Read that file."""

from pathlib import Path
from runpy import run_path

globals().update(run_path(str(Path(__file__).resolve().parent / "deploy" / "gunicorn.conf.py")))
