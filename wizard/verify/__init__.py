"""`ndw verify`: prove on this machine that the scaffold builds, starts, stays healthy and stops.

engine.py picks the engine and builds its command lines, parse.py reads what engines print,
target.py reads the scaffold, steps.py runs the image steps, compose.py the compose stack,
report.py renders the result. No Textual here.
"""
