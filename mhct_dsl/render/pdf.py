"""The whole booklet as one PDF, printed by headless Chromium (optional: nothing else needs it).

Chromium's print engine honours the booklet's print CSS (page breaks, ``@page`` footers, exact
colours) and is one ``apt-get install chromium`` away on Debian; the core package never depends
on it. ``MHCT_CHROMIUM`` names another Chrome or Chromium executable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 300


class PdfError(Exception):
    """The PDF cannot be made (no browser, or it failed); the message says what to do."""


def find_chromium() -> str:
    named = os.environ.get("MHCT_CHROMIUM")
    if named:
        found = shutil.which(named)
        if found is None:
            raise PdfError(f"MHCT_CHROMIUM names {named!r}, which is not an executable")
        return found
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found is not None:
            return found
    raise PdfError("--pdf needs headless Chromium, which is not installed. On Debian or Ubuntu: "
                   "apt-get install chromium (or set MHCT_CHROMIUM to a Chrome/Chromium "
                   "executable). The HTML pages need nothing extra: drop --pdf to write them only.")


def print_pdf(booklet_html: Path, pdf: Path) -> None:
    """Print one HTML file (with its sibling pages beside it) to ``pdf``."""
    browser = find_chromium()
    with tempfile.TemporaryDirectory(prefix="mhct-chromium-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                   "--no-first-run", "--no-pdf-header-footer", "--disable-extensions",
                   f"--user-data-dir={profile}", f"--print-to-pdf={pdf.resolve()}",
                   booklet_html.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfError(f"Chromium could not print the booklet: {error}") from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PdfError(f"Chromium could not print the booklet (exit {done.returncode}): "
                       + " / ".join(detail))
