"""Run me (python main.py), then look in __pycache__/ beside me."""

import importlib.util

import helper

print(helper.greet("main.py"))
print("helper was imported; its .pyc:", helper.__spec__.cached)
print("main.py was run, not imported:", __spec__)
print("a .pyc of main.py would be:   ", importlib.util.cache_from_source(__file__))
