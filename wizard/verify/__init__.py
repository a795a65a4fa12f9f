"""`ndw verify`: prove on this machine that the scaffold builds, starts, stays healthy and stops.

engine.py picks the engine and builds its command lines, process.py runs them, parse.py reads
what engines print, target.py reads the scaffold and dockerfile.py its base image, steps.py runs
the image steps and compose.py the compose stack, layers.py reads the image's layers and
inspect.py checks them, scan.py runs trivy or grype, progress.py shows the build's live tail,
report.py renders the result. No Textual here.
"""
