"""Encryption at rest (SQLCipher) and the quick lock.

``keys`` holds the key in memory and opens encrypted connections (used by ``monitor/db.py``);
``web`` is the unlock/lock blueprint and the guard that keeps a locked app behind the unlock page;
``convert`` turns a plain database into an encrypted one and changes the passphrase; ``cli`` has the
commands. Importing this package imports nothing else, so ``monitor/db.py`` may use ``keys``.
"""
