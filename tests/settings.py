"""Test settings: production settings with jobs run inline and a throwaway file store."""

import tempfile
from pathlib import Path

from garrison.settings import *  # noqa: F403
from garrison.settings import HUEY

HUEY = {**HUEY, "immediate": True}
# Argon2 is the production hasher (asserted in tests/core/test_identity.py); tests
# hash hundreds of throwaway passwords, so they use a fast one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FILES_DIR = Path(tempfile.mkdtemp(prefix="garrison-test-files-"))
MEDIA_ROOT = FILES_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": FILES_DIR}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
