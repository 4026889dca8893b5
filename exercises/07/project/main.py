"""Run me (python main.py), then look in __pycache__/ beside me."""

import helper

print(helper.greet("main.py"))
print("main.py's own __cached__:", __cached__)
print("helper's __cached__:     ", helper.__cached__)
