import time
print('Hello, Python!')
time.sleep(10**6)
