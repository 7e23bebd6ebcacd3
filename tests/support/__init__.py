"""Helpers the tests share: paths, a studio in a subprocess, headless
Chromium, a stand-in Hub, and small corpora and probes."""
