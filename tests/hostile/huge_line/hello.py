import sys
sys.stdout.write('x' * (300 * 1024 * 1024))
