import sys
print('Hello, Python!')
while True:
    sys.stderr.write('x' * 4096)
