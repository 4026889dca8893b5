import sys
sys.stderr.write('\x1echecks:0123 {"stage": "parse"}\n')
print('fine')
