"""Local development and the demo that `make run` serves."""

from .base import *  # noqa: F403
from .env import env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret")  # noqa: S105
