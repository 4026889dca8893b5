import sys
print("Hello, Python!")
sys.exit(3)
