"""Fake-face screening: independent signals, a calibrated fusion, and a report.

One module per signal (`blending`, `frequency`, `noise`, `pulse`, `behaviour`, `provenance`),
all behind the contract in `signal.py`; `pipeline.detect` runs them on an image or a video.
"""
